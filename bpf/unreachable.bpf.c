// SPDX-License-Identifier: GPL-2.0
/*
 * Unreachable hits per VRF: forwarded packets whose route lookup ended on an unreachable,
 * blackhole or prohibit route, or on no route at all. These functions are where the kernel
 * handles exactly such packets (one call each), so the count is exact: ICMP errors undercount,
 * being rate-limited, and the drop reason says nothing specific for them on 6.1. A lookup that
 * carries no packet (`ip route get`, a local sender refused with EHOSTUNREACH) never gets here.
 * fentry costs nothing on the path where packets are routed normally.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "errno.bpf.h"
#include "maps.bpf.h"
#include "netns.bpf.h"
#include "tc.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VRF_AGENT_MAX_VRFS * VRF_AGENT_UNREACHABLE_FAMILIES * VRF_AGENT_ROUTE_KINDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} unreachable SEC(".maps");

/* skb_dst(): the low bit of _skb_refdst marks a reference that was not taken. */
static __always_inline int route_error(struct sk_buff *skb)
{
	struct dst_entry *dst = (struct dst_entry *)(BPF_CORE_READ(skb, _skb_refdst) & ~1UL);

	return dst ? BPF_CORE_READ(dst, error) : 0;
}

/* IPv4 stores dst.error positive, IPv6 negative; the route's type is in its magnitude. */
static __always_inline __u32 kind_of(int error)
{
	switch (error < 0 ? -error : error) {
	case EHOSTUNREACH:
		return VRF_AGENT_ROUTE_UNREACHABLE;
	case EINVAL:
		return VRF_AGENT_ROUTE_BLACKHOLE;
	case EACCES:
		return VRF_AGENT_ROUTE_PROHIBIT;
	default:
		return VRF_AGENT_ROUTE_NONE;
	}
}

static __always_inline void hit(struct sk_buff *skb, __u32 family, __u32 kind)
{
	/* The VRF receive path has made the VRF device the packet's device by now. */
	const struct vrf_agent_port *port = port_of_dev(BPF_CORE_READ(skb, dev));
	__u32 index;
	__u64 *count;

	if (!port || port->vrf >= VRF_AGENT_MAX_VRFS)
		return;
	index = (port->vrf * VRF_AGENT_UNREACHABLE_FAMILIES + family) * VRF_AGENT_ROUTE_KINDS + kind;
	count = bpf_map_lookup_elem(&unreachable, &index);
	if (count)
		*count += 1;
}

/* IPv4: the input handler of every failed forwarding lookup; dst.error tells the route type. */
SEC("fentry/ip_error")
int BPF_PROG(vrf_unreachable_ipv4, struct sk_buff *skb)
{
	hit(skb, 0, kind_of(route_error(skb)));
	return 0;
}

/* IPv6 unreachable, throw and no-route entries share this input handler. */
SEC("fentry/ip6_pkt_discard")
int BPF_PROG(vrf_unreachable_ipv6, struct sk_buff *skb)
{
	hit(skb, 1, kind_of(route_error(skb)));
	return 0;
}

SEC("fentry/ip6_pkt_prohibit")
int BPF_PROG(vrf_prohibit_ipv6, struct sk_buff *skb)
{
	hit(skb, 1, VRF_AGENT_ROUTE_PROHIBIT);
	return 0;
}

/*
 * IPv6 blackhole routes discard through dst_discard(), inlined into this. Other discards pass
 * here too (dead routes of departed devices), so only IPv6 with a blackhole's error counts.
 */
SEC("fentry/dst_discard_out")
int BPF_PROG(vrf_blackhole_ipv6, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	if (BPF_CORE_READ(skb, protocol) != bpf_htons(ETH_P_IPV6) || route_error(skb) != -EINVAL)
		return 0;
	hit(skb, 1, VRF_AGENT_ROUTE_BLACKHOLE);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
