// rtnetlink messages decoded into what the inventory keeps of them: links
// (VRF devices and their members), routes (their table, type and identity),
// FIB rules (priority, table, action and selectors in `ip rule`'s words).
#ifndef VRF_AGENT_NATIVE_RTNL_DECODE_H
#define VRF_AGENT_NATIVE_RTNL_DECODE_H

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vrf_agent {

struct LinkMessage {
  bool deleted = false;
  int ifindex = 0;
  std::string name;
  std::string kind;
  int master = 0;
  unsigned flags = 0;
  std::uint8_t operstate = 0;
  // IFLA_VRF_TABLE of a VRF device.
  std::optional<std::uint32_t> vrf_table;
};

// Just the table of a route message: the one question asked of every
// route notification, most of which are for tables no VRF owns.
std::uint32_t RouteTableOf(const nlmsghdr* header);

struct RouteMessage {
  bool deleted = false;
  // NLM_F_REPLACE: this route takes the place of the one with its key.
  bool replace = false;
  std::uint8_t family = 0;
  std::uint32_t table = 0;
  std::uint8_t type = 0;
  std::uint32_t priority = 0;
  // What makes two routes of a table the same route to the kernel: prefix,
  // source prefix (IPv6), TOS and priority (the first base_size bytes),
  // then the output device, since routes that differ only there coexist
  // (IPv6 device routes, IPv4 `ip route append`). Packed into a string.
  std::string key;
  std::size_t base_size = 0;
  bool multipath = false;
  bool is_default = false;
};

struct RuleMessage {
  std::uint8_t family = 0;
  std::uint32_t priority = 0;
  bool l3mdev = false;
  std::uint32_t table = 0;
  std::uint8_t action = 0;
  std::uint32_t goto_target = 0;
  std::vector<std::string> selectors;
};

bool DecodeLink(const nlmsghdr* header, LinkMessage* out);
bool DecodeRoute(const nlmsghdr* header, RouteMessage* out);
bool DecodeRule(const nlmsghdr* header, RuleMessage* out);

// iproute2's words for what the kernel numbers.
const char* OperStateName(std::uint8_t operstate);
const char* RouteTypeName(std::uint8_t type);
// "main", "local", "default" or the number: how `ip rule` names a table
// when no rt_tables file names it.
std::string TableName(std::uint32_t table);
// "goto N", "nop", "blackhole", ... or nothing for a plain lookup.
std::optional<std::string> RuleActionName(const RuleMessage& rule);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_RTNL_DECODE_H
