// SPDX-License-Identifier: GPL-2.0
/*
 * A map pinned by name, in an object of its own: libbpf pins such maps under /sys/fs/bpf when
 * the loader names no pin root, so only tests that bring a pin root load this one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tc.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared SEC(".maps");

/* Counts its runs in slot 0, so a test can see two objects' programs write one pinned map. */
SEC("tc")
int count_shared(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&shared, &zero);

	(void)skb;
	if (count)
		__sync_fetch_and_add(count, 1);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
