// SPDX-License-Identifier: GPL-2.0
/*
 * The native addon's test subject: one of each thing the addon must handle, a tunable,
 * a per-CPU counter array, a hash, a tc program and a tracing program. The map pinned by
 * name lives in pinned.bpf.c, so loading this object never touches bpffs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tc.bpf.h"

/* Added to counter a per packet, so a test can tell a set value from the default. */
const volatile __u32 multiplier = 1;

struct counter {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct counter);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} frees SEC(".maps");

/* Slot by ingress_ifindex so a test run's __sk_buff context decides where the count lands. */
SEC("tc")
int count_packets(struct __sk_buff *skb)
{
	__u32 index = skb->ingress_ifindex % 8;
	struct counter *counter = bpf_map_lookup_elem(&counters, &index);

	if (counter) {
		counter->a += multiplier;
		counter->b += skb->len;
	}
	return TC_ACT_UNSPEC;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(count_frees, struct sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&frees, &zero);

	(void)skb;
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
