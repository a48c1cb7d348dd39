/*
 * What crosses between the datapath and user space: map layouts and their limits. Plain C with
 * no includes, for clang -target bpf (after vmlinux.h) and for native/ (after <linux/types.h>).
 */
#ifndef VRF_AGENT_H
#define VRF_AGENT_H

/* Slot 0 means "not ours" in both slot spaces; the agent assigns the others. */
#define VRF_AGENT_MAX_VRFS 256
#define VRF_AGENT_MAX_IFACES 4096
/* Interfaces with a smaller ifindex are found in an array; the rare larger ones in a hash. */
#define VRF_AGENT_DENSE_IFINDEXES 4096
#define VRF_AGENT_SPARSE_IFINDEXES 1024
/* Leaking pairs and (VRF, drop reason) pairs: rare by nature, so hashes sized for many. */
#define VRF_AGENT_MAX_CROSS_PAIRS 4096
#define VRF_AGENT_MAX_DROP_KEYS 8192

enum vrf_agent_direction { VRF_AGENT_RX, VRF_AGENT_TX, VRF_AGENT_DIRECTIONS };
enum vrf_agent_family { VRF_AGENT_IPV4, VRF_AGENT_IPV6, VRF_AGENT_OTHER, VRF_AGENT_FAMILIES };

/* The VRF device itself: its hooks count into its interface row only, never the VRF's total. */
#define VRF_AGENT_PORT_MASTER 1u

/* ports_dense / ports_sparse value: where traffic on an ifindex is counted. */
struct vrf_agent_port {
	__u16 vrf;
	__u16 iface;
	__u32 flags;
};

/* vrf_traffic and iface_traffic value (per CPU). */
struct vrf_agent_traffic {
	__u64 packets[VRF_AGENT_DIRECTIONS][VRF_AGENT_FAMILIES];
	__u64 bytes[VRF_AGENT_DIRECTIONS][VRF_AGENT_FAMILIES];
};

/* cross_traffic key: traffic that entered through src and left through a member of dst. */
struct vrf_agent_cross_key {
	__u16 src_vrf;
	__u16 dst_vrf;
};

struct vrf_agent_count {
	__u64 packets;
	__u64 bytes;
};

/* drops key: the running kernel's enum skb_drop_reason value, resolved to a name from its BTF. */
struct vrf_agent_drop_key {
	__u32 vrf;
	__u32 reason;
};

/* unreachable index: (vrf * families + family) * route kinds + kind. */
enum vrf_agent_route_kind {
	VRF_AGENT_ROUTE_UNREACHABLE,
	VRF_AGENT_ROUTE_BLACKHOLE,
	VRF_AGENT_ROUTE_PROHIBIT,
	/* No route at all: the lookup fell off every table (a VRF without its unreachable default). */
	VRF_AGENT_ROUTE_NONE,
	VRF_AGENT_ROUTE_KINDS,
};
#define VRF_AGENT_UNREACHABLE_FAMILIES 2

/*
 * vrf_slots / iface_slots value: which VRF or interface a slot counts, written by the agent and
 * pinned beside the counters, so a restarted agent resumes exactly where the counters are. An
 * ifindex of 0 marks a free slot. The programs never read these.
 */
#define VRF_AGENT_NAME_SIZE 16
struct vrf_agent_slot {
	__u32 ifindex;
	/* For an interface slot: the VRF slot it is counted into. */
	__u32 vrf;
	char name[VRF_AGENT_NAME_SIZE];
};

/* errors index: what the datapath could not count, so user space can say so. */
enum vrf_agent_error {
	VRF_AGENT_ERROR_CROSS_FULL,
	VRF_AGENT_ERROR_DROPS_FULL,
	VRF_AGENT_ERRORS,
};

#endif
