#include "rtnl_decode.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace vrf_agent {

namespace {

struct Attributes {
  static constexpr int kMax = 64;
  const nlattr* by_type[kMax] = {};
  const nlattr* operator[](int type) const { return type < kMax ? by_type[type] : nullptr; }
};

int Collect(const nlattr* attribute, void* data) {
  auto* attributes = static_cast<Attributes*>(data);
  const int type = mnl_attr_get_type(attribute);
  if (type < Attributes::kMax) attributes->by_type[type] = attribute;
  return MNL_CB_OK;
}

Attributes Parse(const nlmsghdr* header, std::size_t fixed) {
  Attributes attributes;
  mnl_attr_parse(header, static_cast<unsigned>(fixed), Collect, &attributes);
  return attributes;
}

Attributes ParseNested(const nlattr* nest) {
  Attributes attributes;
  if (nest != nullptr) mnl_attr_parse_nested(nest, Collect, &attributes);
  return attributes;
}

std::string String(const nlattr* attribute) {
  if (attribute == nullptr) return {};
  const char* text = static_cast<const char*>(mnl_attr_get_payload(attribute));
  return std::string(text, strnlen(text, mnl_attr_get_payload_len(attribute)));
}

std::uint32_t U32(const nlattr* attribute, std::uint32_t otherwise = 0) {
  return attribute != nullptr && mnl_attr_get_payload_len(attribute) >= 4 ? mnl_attr_get_u32(attribute) : otherwise;
}

std::string Address(std::uint8_t family, const nlattr* attribute) {
  char text[INET6_ADDRSTRLEN] = {};
  const std::size_t size = family == AF_INET ? 4 : 16;
  if (attribute == nullptr || mnl_attr_get_payload_len(attribute) < size) return "0";
  inet_ntop(family, mnl_attr_get_payload(attribute), text, sizeof(text));
  return text;
}

// `ip rule` prints a prefix without its length when it is a host's address.
std::string Prefix(std::uint8_t family, const nlattr* attribute, std::uint8_t length) {
  const std::uint8_t host = family == AF_INET ? 32 : 128;
  std::string text = Address(family, attribute);
  return length == host ? text : text + "/" + std::to_string(length);
}

std::string Hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%x", value);
  return text;
}

std::string ProtocolName(std::uint8_t protocol) {
  switch (protocol) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "ipv6-icmp";
    case 132: return "sctp";
    default: return std::to_string(protocol);
  }
}

std::string PortRange(const nlattr* attribute) {
  fib_rule_port_range range{};
  std::memcpy(&range, mnl_attr_get_payload(attribute), std::min<std::size_t>(sizeof(range), mnl_attr_get_payload_len(attribute)));
  return range.start == range.end ? std::to_string(range.start)
                                  : std::to_string(range.start) + "-" + std::to_string(range.end);
}

void AppendKey(std::string* key, const nlattr* attribute, std::size_t size) {
  if (attribute != nullptr && mnl_attr_get_payload_len(attribute) >= size) {
    key->append(static_cast<const char*>(mnl_attr_get_payload(attribute)), size);
  } else {
    key->append(size, '\0');
  }
}

}  // namespace

bool DecodeLink(const nlmsghdr* header, LinkMessage* out) {
  if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK) return false;
  if (header->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) return false;
  const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(header));
  const Attributes attributes = Parse(header, sizeof(ifinfomsg));
  *out = LinkMessage{};
  out->deleted = header->nlmsg_type == RTM_DELLINK;
  out->ifindex = info->ifi_index;
  out->flags = info->ifi_flags;
  out->name = String(attributes[IFLA_IFNAME]);
  out->master = static_cast<int>(U32(attributes[IFLA_MASTER]));
  if (const nlattr* operstate = attributes[IFLA_OPERSTATE]) out->operstate = mnl_attr_get_u8(operstate);
  const Attributes linkinfo = ParseNested(attributes[IFLA_LINKINFO]);
  out->kind = String(linkinfo[IFLA_INFO_KIND]);
  if (out->kind == "vrf") {
    const Attributes data = ParseNested(linkinfo[IFLA_INFO_DATA]);
    if (const nlattr* table = data[IFLA_VRF_TABLE]) out->vrf_table = mnl_attr_get_u32(table);
  }
  return true;
}

std::uint32_t RouteTableOf(const nlmsghdr* header) {
  const auto* route = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(header));
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(header));
  for (auto* attribute = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(header, sizeof(rtmsg)));
       mnl_attr_ok(attribute, static_cast<int>(tail - reinterpret_cast<const char*>(attribute)));
       attribute = mnl_attr_next(attribute)) {
    if (mnl_attr_get_type(attribute) == RTA_TABLE) return U32(attribute, route->rtm_table);
  }
  return route->rtm_table;
}

bool DecodeRoute(const nlmsghdr* header, RouteMessage* out) {
  if (header->nlmsg_type != RTM_NEWROUTE && header->nlmsg_type != RTM_DELROUTE) return false;
  if (header->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) return false;
  const auto* route = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(header));
  // Cached clones (PMTU exceptions) are not routes of the table.
  if (route->rtm_flags & RTM_F_CLONED) return false;
  if (route->rtm_family != AF_INET && route->rtm_family != AF_INET6) return false;
  const Attributes attributes = Parse(header, sizeof(rtmsg));
  *out = RouteMessage{};
  out->deleted = header->nlmsg_type == RTM_DELROUTE;
  out->replace = (header->nlmsg_flags & NLM_F_REPLACE) != 0;
  out->family = route->rtm_family;
  out->table = U32(attributes[RTA_TABLE], route->rtm_table);
  out->type = route->rtm_type;
  out->priority = U32(attributes[RTA_PRIORITY]);
  out->is_default = route->rtm_dst_len == 0;
  const std::size_t size = route->rtm_family == AF_INET ? 4 : 16;
  out->key.reserve(3 + 4 + 2 * size + 4);
  out->key.push_back(static_cast<char>(route->rtm_dst_len));
  out->key.push_back(static_cast<char>(route->rtm_src_len));
  out->key.push_back(static_cast<char>(route->rtm_tos));
  out->key.append(reinterpret_cast<const char*>(&out->priority), sizeof(out->priority));
  AppendKey(&out->key, attributes[RTA_DST], size);
  if (route->rtm_src_len != 0) AppendKey(&out->key, attributes[RTA_SRC], size);
  out->base_size = out->key.size();
  out->multipath = attributes[RTA_MULTIPATH] != nullptr;
  // A multipath route has no RTA_OIF: its nexthops are one route, keyed by 0.
  const std::uint32_t oif = U32(attributes[RTA_OIF]);
  out->key.append(reinterpret_cast<const char*>(&oif), sizeof(oif));
  return true;
}

bool DecodeRule(const nlmsghdr* header, RuleMessage* out) {
  if (header->nlmsg_type != RTM_NEWRULE) return false;
  if (header->nlmsg_len < mnl_nlmsg_size(sizeof(fib_rule_hdr))) return false;
  const auto* rule = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(header));
  const Attributes a = Parse(header, sizeof(fib_rule_hdr));
  *out = RuleMessage{};
  out->family = rule->family;
  out->priority = U32(a[FRA_PRIORITY]);
  out->l3mdev = a[FRA_L3MDEV] != nullptr && mnl_attr_get_u8(a[FRA_L3MDEV]) != 0;
  out->table = U32(a[FRA_TABLE], rule->table);
  out->action = rule->action;
  out->goto_target = U32(a[FRA_GOTO]);
  // In the order `ip rule` prints them (ip/iprule.c print_rule).
  auto& s = out->selectors;
  if (rule->flags & FIB_RULE_INVERT) s.push_back("not");
  if (a[FRA_SRC] != nullptr) {
    s.push_back("from " + Prefix(rule->family, a[FRA_SRC], rule->src_len));
  } else if (rule->src_len != 0) {
    s.push_back("from 0/" + std::to_string(rule->src_len));
  }
  if (a[FRA_DST] != nullptr) {
    s.push_back("to " + Prefix(rule->family, a[FRA_DST], rule->dst_len));
  } else if (rule->dst_len != 0) {
    s.push_back("to 0/" + std::to_string(rule->dst_len));
  }
  if (rule->tos != 0) s.push_back("tos " + Hex(rule->tos));
  if (a[FRA_FWMARK] != nullptr || a[FRA_FWMASK] != nullptr) {
    const std::uint32_t mark = U32(a[FRA_FWMARK]);
    const std::uint32_t mask = U32(a[FRA_FWMASK], 0xffffffff);
    s.push_back("fwmark " + Hex(mark) + (mask == 0xffffffff ? "" : "/" + Hex(mask)));
  }
  if (a[FRA_IIFNAME] != nullptr) s.push_back("iif " + String(a[FRA_IIFNAME]));
  if (a[FRA_OIFNAME] != nullptr) s.push_back("oif " + String(a[FRA_OIFNAME]));
  if (a[FRA_UID_RANGE] != nullptr && mnl_attr_get_payload_len(a[FRA_UID_RANGE]) >= sizeof(fib_rule_uid_range)) {
    const auto* range = static_cast<const fib_rule_uid_range*>(mnl_attr_get_payload(a[FRA_UID_RANGE]));
    s.push_back("uidrange " + std::to_string(range->start) + "-" + std::to_string(range->end));
  }
  if (a[FRA_IP_PROTO] != nullptr) s.push_back("ipproto " + ProtocolName(mnl_attr_get_u8(a[FRA_IP_PROTO])));
  if (a[FRA_SPORT_RANGE] != nullptr) s.push_back("sport " + PortRange(a[FRA_SPORT_RANGE]));
  if (a[FRA_DPORT_RANGE] != nullptr) s.push_back("dport " + PortRange(a[FRA_DPORT_RANGE]));
  if (a[FRA_TUN_ID] != nullptr && mnl_attr_get_payload_len(a[FRA_TUN_ID]) >= 8) {
    s.push_back("tun_id " + std::to_string(be64toh(mnl_attr_get_u64(a[FRA_TUN_ID]))));
  }
  // Newer than Debian 12's headers: FRA_DSCP (Linux 6.12) follows FRA_DPORT_RANGE.
  constexpr int kFraDscp = FRA_DPORT_RANGE + 1;
  if (a[kFraDscp] != nullptr) s.push_back("dscp " + std::to_string(mnl_attr_get_u8(a[kFraDscp])));
  return true;
}

const char* OperStateName(std::uint8_t operstate) {
  static const char* const kNames[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
  return operstate < sizeof(kNames) / sizeof(kNames[0]) ? kNames[operstate] : "UNKNOWN";
}

const char* RouteTypeName(std::uint8_t type) {
  static const char* const kNames[] = {"none",      "unicast",     "local",    "broadcast", "anycast", "multicast",
                                       "blackhole", "unreachable", "prohibit", "throw",     "nat",     "xresolve"};
  return type < sizeof(kNames) / sizeof(kNames[0]) ? kNames[type] : "unknown";
}

std::string TableName(std::uint32_t table) {
  switch (table) {
    case RT_TABLE_DEFAULT: return "default";
    case RT_TABLE_MAIN: return "main";
    case RT_TABLE_LOCAL: return "local";
    default: return std::to_string(table);
  }
}

std::optional<std::string> RuleActionName(const RuleMessage& rule) {
  switch (rule.action) {
    case FR_ACT_TO_TBL: return std::nullopt;
    case FR_ACT_GOTO: return "goto " + std::to_string(rule.goto_target);
    case FR_ACT_NOP: return "nop";
    default: return RouteTypeName(rule.action);
  }
}

}  // namespace vrf_agent
