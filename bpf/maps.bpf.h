/*
 * The maps every object shares. Each object declares them; pinned by name under the agent's
 * pin root they become one map, so the objects load and degrade independently.
 */
#ifndef VRF_AGENT_MAPS_BPF_H
#define VRF_AGENT_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "errno.bpf.h"
#include "vrf_agent.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VRF_AGENT_DENSE_IFINDEXES);
	__type(key, __u32);
	__type(value, struct vrf_agent_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports_dense SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VRF_AGENT_SPARSE_IFINDEXES);
	__type(key, __u32);
	__type(value, struct vrf_agent_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports_sparse SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VRF_AGENT_ERRORS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VRF_AGENT_MAX_VRFS);
	__type(key, __u32);
	__type(value, struct vrf_agent_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vrf_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VRF_AGENT_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct vrf_agent_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} iface_slots SEC(".maps");

/*
 * Out of line on purpose: inlined, clang merges both lookups into one call whose map the
 * verifier cannot know, which costs the dense path its inlined array lookup (measured on 6.18:
 * 17 ns more per packet).
 */
static __noinline const struct vrf_agent_port *sparse_port(__u32 ifindex)
{
	return bpf_map_lookup_elem(&ports_sparse, &ifindex);
}

/* The port of an ifindex, or NULL when the agent does not watch it. */
static __always_inline const struct vrf_agent_port *port_of(__u32 ifindex)
{
	const struct vrf_agent_port *port;

	if (ifindex < VRF_AGENT_DENSE_IFINDEXES)
		port = bpf_map_lookup_elem(&ports_dense, &ifindex);
	else
		port = sparse_port(ifindex);
	return port && port->vrf ? port : NULL;
}

/*
 * The entry of key in a hash of counters, inserted from `zero` when absent: 0 with *entry set,
 * or a negative errno when there is no entry to count into, for the caller to count as a full
 * map. Any failed insert but EEXIST (another CPU inserted the key in between) is that: E2BIG
 * for a full map, whatever else a kernel may say. So is a key deleted again before the second
 * lookup (user space zeroing a departed VRF's counters).
 */
static __always_inline int entry_of(void *map, const void *key, const void *zero, void **entry)
{
	int err;

	*entry = bpf_map_lookup_elem(map, key);
	if (*entry)
		return 0;
	/*
	 * Only the low 32 bits: before 6.4 the verifier turns this helper call into a direct call of
	 * the map's update, which returns an int, so a 64-bit comparison never matches. The lab's
	 * 6.1 returned 4294967289 here for a full map where 6.18 returns -7.
	 */
	err = (int)bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return err;
	*entry = bpf_map_lookup_elem(map, key);
	return *entry ? 0 : -ENOENT;
}

static __always_inline void count_error(__u32 error)
{
	__u64 *count = bpf_map_lookup_elem(&errors, &error);

	if (count)
		*count += 1;
}

#endif
