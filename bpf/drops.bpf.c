// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel drops per VRF by drop reason, from the kfree_skb tracepoint. It fires only when a
 * packet is dropped, so the forwarding path pays nothing. Reason numbers differ between kernels:
 * they are stored raw and named in user space from the running kernel's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"
#include "netns.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VRF_AGENT_MAX_DROP_KEYS);
	__type(key, struct vrf_agent_drop_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} drops SEC(".maps");

/* 6.1 passes (skb, location, reason); 6.11 added rx_sk after them, which this does not read. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(vrf_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	const struct vrf_agent_port *port = port_of_dev(skb->dev);
	struct vrf_agent_drop_key key = {};
	__u64 zero = 0, *count;

	if (!port)
		return 0;
	key.vrf = port->vrf;
	key.reason = reason;
	if (entry_of(&drops, &key, &zero, (void **)&count))
		count_error(VRF_AGENT_ERROR_DROPS_FULL);
	else
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
