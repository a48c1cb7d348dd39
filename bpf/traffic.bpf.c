// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress and egress on VRF members (and VRF devices): packets and bytes per VRF and per
 * interface, by direction and family, and traffic that crosses from one VRF into another.
 * Observers only: every path returns TC_ACT_UNSPEC and nothing touches the packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"
#include "tc.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VRF_AGENT_MAX_VRFS);
	__type(key, __u32);
	__type(value, struct vrf_agent_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vrf_traffic SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VRF_AGENT_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct vrf_agent_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} iface_traffic SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VRF_AGENT_MAX_CROSS_PAIRS);
	__type(key, struct vrf_agent_cross_key);
	__type(value, struct vrf_agent_count);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cross_traffic SEC(".maps");

static __always_inline __u32 family_of(struct __sk_buff *skb)
{
	__be16 protocol = skb->protocol;

	/* A tag the NIC did not strip: the family is the encapsulated EtherType after it. */
	if (protocol == bpf_htons(ETH_P_8021Q) || protocol == bpf_htons(ETH_P_8021AD)) {
		if (bpf_skb_load_bytes(skb, 16, &protocol, sizeof(protocol)))
			return VRF_AGENT_OTHER;
	}
	if (protocol == bpf_htons(ETH_P_IP))
		return VRF_AGENT_IPV4;
	if (protocol == bpf_htons(ETH_P_IPV6))
		return VRF_AGENT_IPV6;
	return VRF_AGENT_OTHER;
}

static __always_inline void add(struct vrf_agent_traffic *traffic, __u32 direction, __u32 family, __u32 len)
{
	/* Bounded for the verifier; the callers pass enum values that always are. */
	if (direction >= VRF_AGENT_DIRECTIONS || family >= VRF_AGENT_FAMILIES)
		return;
	traffic->packets[direction][family] += 1;
	traffic->bytes[direction][family] += len;
}

/* Egress through a member of one VRF of a packet that entered through another. */
static __always_inline void count_cross(struct __sk_buff *skb, const struct vrf_agent_port *out)
{
	const struct vrf_agent_port *in;
	struct vrf_agent_cross_key key;
	struct vrf_agent_count zero = {}, *count;

	/* 0: generated on this host, not forwarded. The VRF receive path sets it to the VRF device. */
	if (!skb->ingress_ifindex)
		return;
	in = port_of(skb->ingress_ifindex);
	if (!in || in->vrf == out->vrf)
		return;
	key.src_vrf = in->vrf;
	key.dst_vrf = out->vrf;
	if (entry_of(&cross_traffic, &key, &zero, (void **)&count)) {
		count_error(VRF_AGENT_ERROR_CROSS_FULL);
		return;
	}
	count->packets += 1;
	count->bytes += skb->len;
}

static __always_inline int observe(struct __sk_buff *skb, __u32 direction)
{
	const struct vrf_agent_port *port = port_of(skb->ifindex);
	struct vrf_agent_traffic *traffic;
	__u32 slot, family;

	if (!port)
		return TC_ACT_UNSPEC;
	family = family_of(skb);
	slot = port->iface;
	traffic = bpf_map_lookup_elem(&iface_traffic, &slot);
	if (traffic)
		add(traffic, direction, family, skb->len);
	if (port->flags & VRF_AGENT_PORT_MASTER)
		return TC_ACT_UNSPEC;
	slot = port->vrf;
	traffic = bpf_map_lookup_elem(&vrf_traffic, &slot);
	if (traffic)
		add(traffic, direction, family, skb->len);
	if (direction == VRF_AGENT_TX)
		count_cross(skb, port);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int vrf_ingress(struct __sk_buff *skb)
{
	return observe(skb, VRF_AGENT_RX);
}

SEC("tc")
int vrf_egress(struct __sk_buff *skb)
{
	return observe(skb, VRF_AGENT_TX);
}

char LICENSE[] SEC("license") = "GPL";
