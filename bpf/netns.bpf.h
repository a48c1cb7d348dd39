/*
 * For the global hooks (kfree_skb, the unreachable fentry programs): they see the devices of
 * every network namespace, and every namespace numbers its devices from 1, so an ifindex alone
 * would count another namespace's eth0 as one of the agent's ports. Only devices of the agent's
 * own namespace count.
 */
#ifndef VRF_AGENT_NETNS_BPF_H
#define VRF_AGENT_NETNS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* The inode of the agent's network namespace (st_ino of /proc/self/ns/net), set at load. 0 matches no device. */
const volatile __u32 agent_netns = 0;

static __always_inline bool in_agent_netns(struct net_device *dev)
{
	return BPF_CORE_READ(dev, nd_net.net, ns.inum) == agent_netns;
}

/* The port of a device of the agent's namespace, or NULL. */
static __always_inline const struct vrf_agent_port *port_of_dev(struct net_device *dev)
{
	if (!dev || !in_agent_netns(dev))
		return NULL;
	return port_of(BPF_CORE_READ(dev, ifindex));
}

#endif
