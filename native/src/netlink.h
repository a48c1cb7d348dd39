// The one rtnetlink question libbpf's bpf_tc_* API cannot answer: does a tc
// hook still hold filters we did not put there?
#ifndef VRF_AGENT_NATIVE_NETLINK_H
#define VRF_AGENT_NATIVE_NETLINK_H

#include <cstddef>
#include <cstdint>

namespace vrf_agent {

// Counts the RTM_NEWTFILTER messages of a filter dump of `parent` (e.g. the
// clsact ingress hook) on `ifindex`, which is what `tc filter show` lists.
// A missing device or qdisc dumps as empty. Returns 0 or -errno.
int CountTcFilters(int ifindex, std::uint32_t parent, std::size_t* count);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_NETLINK_H
