// What the inventory knows of one network namespace, kept from rtnetlink:
// the VRF devices, the links enslaved to them, the FIB rules, and for each
// table a VRF owns its routes by identity. Dumps fill it, notifications
// change it; nothing of the namespace that no VRF owns is kept.
#ifndef VRF_AGENT_NATIVE_INVENTORY_STATE_H
#define VRF_AGENT_NATIVE_INVENTORY_STATE_H

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rtnl_decode.h"

namespace vrf_agent {

// The routes of one table in one family.
struct TableRoutes {
  // Route identity (RouteMessage::key) -> route type; ordered, so that the
  // routes a replace takes the place of (same base, any device) are a range.
  std::map<std::string, std::uint8_t> types;
  // The default routes (prefix length 0) among them by identity, with their
  // type and priority: few, and what the unreachable default is read from.
  std::map<std::string, std::pair<std::uint8_t, std::uint32_t>> defaults;
  // By route type (RTN_*, up to RTN_XRESOLVE); anything newer in the last.
  static constexpr std::size_t kTypes = 16;
  std::array<std::uint32_t, kTypes> counts{};

  void Put(const RouteMessage& route);
  // False when no route has exactly this identity.
  bool Remove(const RouteMessage& route);
  // Whether a route with the same prefix, source, TOS and priority is kept, on any device.
  bool HasBase(const RouteMessage& route) const;
};

// A family (AF_INET or AF_INET6) and a table id.
using TableKey = std::pair<std::uint8_t, std::uint32_t>;

// What a change to the links asks of the caller.
struct LinkChange {
  bool changed = false;
  // VRFs whose tables must be dumped again: a VRF that appeared, or one
  // whose member went down or away, which flushes IPv4 routes silently.
  std::set<int> redump;
};

class InventoryState {
 public:
  // From a full link dump, where a member may come before its VRF.
  void SetLinks(const std::vector<LinkMessage>& links);
  LinkChange ApplyLink(const LinkMessage& link);

  void SetRules(std::uint8_t family, std::vector<RuleMessage> rules);

  enum class RouteChange { kNone, kApplied, kAmbiguous };
  // kNone when the route's table belongs to no VRF. kAmbiguous when the
  // notification cannot be applied to identities alone: the kernel keeps an
  // IPv6 multipath route as one route per nexthop but reports it as one, so
  // a deleted nexthop or a route growing into multipath names none of the
  // identities kept. The table must then be dumped again.
  RouteChange ApplyRoute(const RouteMessage& route);
  void SetTable(TableKey key, TableRoutes routes);

  bool Owns(std::uint32_t table) const { return owned_tables_.count(table) != 0; }
  const std::set<std::uint32_t>& OwnedTables() const { return owned_tables_; }
  std::vector<std::uint32_t> TablesOf(const std::set<int>& vrfs) const;

  const std::map<int, LinkMessage>& vrfs() const { return vrfs_; }
  const std::map<int, LinkMessage>& members() const { return members_; }
  const std::vector<RuleMessage>& rules(std::uint8_t family) const;
  const TableRoutes* table(TableKey key) const;

  // A text that is equal for two states exactly when they would give the
  // same inventory: how a consistency check compares them.
  std::string Fingerprint() const;

  // Which VRFs changed since a snapshot, so a snapshot carries only those.
  // Every change is stamped with the current generation; a snapshot moves
  // to the next one (NextGeneration) and a state replacing another starts
  // past it with everything changed (StartGeneration).
  std::uint64_t generation() const { return generation_; }
  void NextGeneration() { ++generation_; }
  void StartGeneration(std::uint64_t after);
  bool ChangedSince(int vrf, std::uint64_t generation) const;

 private:
  void ForgetTablesNoLongerOwned();
  void RecountOwnedTables();
  void Touch(int vrf);
  void TouchTable(std::uint32_t table);

  std::map<int, LinkMessage> vrfs_;
  std::map<int, LinkMessage> members_;
  std::vector<RuleMessage> rules4_;
  std::vector<RuleMessage> rules6_;
  std::map<TableKey, TableRoutes> tables_;
  std::set<std::uint32_t> owned_tables_;
  std::uint64_t generation_ = 1;
  std::map<int, std::uint64_t> changed_at_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_INVENTORY_STATE_H
