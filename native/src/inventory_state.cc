#include "inventory_state.h"

#include <sys/socket.h>

#include <algorithm>

namespace vrf_agent {

namespace {

std::size_t TypeIndex(std::uint8_t type) { return std::min<std::size_t>(type, TableRoutes::kTypes - 1); }

bool SameLink(const LinkMessage& a, const LinkMessage& b) {
  return a.name == b.name && a.master == b.master && a.flags == b.flags && a.operstate == b.operstate &&
         a.vrf_table == b.vrf_table;
}

// Up/down and carrier: what a member going down changes, and with it the
// routes through it the kernel flushes without a word.
bool SameState(const LinkMessage& a, const LinkMessage& b) {
  return a.master == b.master && a.flags == b.flags && a.operstate == b.operstate;
}

}  // namespace

void TableRoutes::Put(const RouteMessage& route) {
  if (route.replace) {
    const std::string base = route.key.substr(0, route.base_size);
    for (auto at = types.lower_bound(base); at != types.end() && at->first.compare(0, base.size(), base) == 0;) {
      counts[TypeIndex(at->second)]--;
      defaults.erase(at->first);
      at = types.erase(at);
    }
  }
  auto [at, inserted] = types.emplace(route.key, route.type);
  if (!inserted) {
    counts[TypeIndex(at->second)]--;
    at->second = route.type;
  }
  counts[TypeIndex(route.type)]++;
  if (route.is_default) defaults[route.key] = {route.type, route.priority};
}

bool TableRoutes::Remove(const RouteMessage& route) {
  auto at = types.find(route.key);
  if (at == types.end()) return false;
  counts[TypeIndex(at->second)]--;
  types.erase(at);
  if (route.is_default) defaults.erase(route.key);
  return true;
}

bool TableRoutes::HasBase(const RouteMessage& route) const {
  const std::string base = route.key.substr(0, route.base_size);
  const auto at = types.lower_bound(base);
  return at != types.end() && at->first.compare(0, base.size(), base) == 0;
}

void InventoryState::SetLinks(const std::vector<LinkMessage>& links) {
  vrfs_.clear();
  members_.clear();
  for (const LinkMessage& link : links) {
    if (link.vrf_table) vrfs_[link.ifindex] = link;
  }
  for (const LinkMessage& link : links) {
    if (!link.vrf_table && vrfs_.count(link.master) != 0) members_[link.ifindex] = link;
  }
  RecountOwnedTables();
  ForgetTablesNoLongerOwned();
}

LinkChange InventoryState::ApplyLink(const LinkMessage& link) {
  LinkChange change;
  const auto vrf = vrfs_.find(link.ifindex);
  const auto member = members_.find(link.ifindex);
  const bool was_vrf = vrf != vrfs_.end();
  const bool was_member = member != members_.end();
  const bool is_vrf = !link.deleted && link.vrf_table.has_value();
  const bool is_member = !link.deleted && !is_vrf && vrfs_.count(link.master) != 0;
  const int old_master = was_member ? member->second.master : 0;

  if (was_member && !(is_member && SameState(member->second, link))) change.redump.insert(member->second.master);
  if (is_member && !(was_member && SameState(member->second, link))) change.redump.insert(link.master);
  if (is_vrf && !(was_vrf && vrf->second.vrf_table == link.vrf_table)) change.redump.insert(link.ifindex);

  if (was_vrf && !is_vrf) {
    vrfs_.erase(vrf);
    changed_at_.erase(link.ifindex);
    change.changed = true;
  } else if (is_vrf && !(was_vrf && SameLink(vrf->second, link))) {
    vrfs_[link.ifindex] = link;
    change.changed = true;
  }
  if (was_member && !is_member) {
    members_.erase(member);
    change.changed = true;
  } else if (is_member && !(was_member && SameLink(member->second, link))) {
    members_[link.ifindex] = link;
    change.changed = true;
  }
  if (was_vrf != is_vrf || (is_vrf && change.changed)) {
    // A VRF that went takes its members with it (the kernel releases them
    // first, but the order of the notifications is not a promise).
    if (!is_vrf) {
      for (auto at = members_.begin(); at != members_.end();) at = at->second.master == link.ifindex ? members_.erase(at) : std::next(at);
    }
    RecountOwnedTables();
    ForgetTablesNoLongerOwned();
  }
  if (change.changed) {
    if (is_vrf) Touch(link.ifindex);
    if (old_master != 0) Touch(old_master);
    if (is_member) Touch(link.master);
  }
  return change;
}

void InventoryState::SetRules(std::uint8_t family, std::vector<RuleMessage> rules) {
  (family == AF_INET ? rules4_ : rules6_) = std::move(rules);
}

InventoryState::RouteChange InventoryState::ApplyRoute(const RouteMessage& route) {
  if (!Owns(route.table)) return RouteChange::kNone;
  TableRoutes& routes = tables_[{route.family, route.table}];
  if (route.deleted) {
    if (!routes.Remove(route)) return RouteChange::kAmbiguous;
    TouchTable(route.table);
    return RouteChange::kApplied;
  }
  if (route.multipath && !route.replace && routes.HasBase(route) && routes.types.count(route.key) == 0) {
    return RouteChange::kAmbiguous;
  }
  routes.Put(route);
  TouchTable(route.table);
  return RouteChange::kApplied;
}

void InventoryState::SetTable(TableKey key, TableRoutes routes) {
  if (!Owns(key.second)) return;
  tables_[key] = std::move(routes);
  TouchTable(key.second);
}

void InventoryState::Touch(int vrf) {
  if (vrfs_.count(vrf) != 0) changed_at_[vrf] = generation_;
}

void InventoryState::TouchTable(std::uint32_t table) {
  // A table may be shared (a misconfiguration the audit reports): every owner changed.
  for (const auto& [ifindex, vrf] : vrfs_) {
    if (*vrf.vrf_table == table) Touch(ifindex);
  }
}

void InventoryState::StartGeneration(std::uint64_t after) {
  generation_ = after + 1;
  for (const auto& [ifindex, vrf] : vrfs_) Touch(ifindex);
}

bool InventoryState::ChangedSince(int vrf, std::uint64_t generation) const {
  const auto at = changed_at_.find(vrf);
  return at == changed_at_.end() || at->second > generation;
}

std::vector<std::uint32_t> InventoryState::TablesOf(const std::set<int>& vrfs) const {
  std::set<std::uint32_t> tables;
  for (int ifindex : vrfs) {
    const auto vrf = vrfs_.find(ifindex);
    if (vrf != vrfs_.end()) tables.insert(*vrf->second.vrf_table);
  }
  return {tables.begin(), tables.end()};
}

const std::vector<RuleMessage>& InventoryState::rules(std::uint8_t family) const {
  return family == AF_INET ? rules4_ : rules6_;
}

const TableRoutes* InventoryState::table(TableKey key) const {
  const auto at = tables_.find(key);
  return at == tables_.end() ? nullptr : &at->second;
}

void InventoryState::RecountOwnedTables() {
  owned_tables_.clear();
  for (const auto& [ifindex, vrf] : vrfs_) owned_tables_.insert(*vrf.vrf_table);
}

void InventoryState::ForgetTablesNoLongerOwned() {
  for (auto at = tables_.begin(); at != tables_.end();) at = Owns(at->first.second) ? std::next(at) : tables_.erase(at);
}

std::string InventoryState::Fingerprint() const {
  std::string text;
  const auto link = [&text](const LinkMessage& l) {
    text += std::to_string(l.ifindex) + " " + l.name + " " + std::to_string(l.master) + " " +
            std::to_string(l.flags) + " " + std::to_string(l.operstate) + " " +
            std::to_string(l.vrf_table.value_or(0)) + "\n";
  };
  for (const auto& [ifindex, vrf] : vrfs_) link(vrf);
  for (const auto& [ifindex, member] : members_) link(member);
  for (const auto* rules : {&rules4_, &rules6_}) {
    for (const RuleMessage& rule : *rules) {
      text += std::to_string(rule.family) + " " + std::to_string(rule.priority) + " " + std::to_string(rule.table) +
              " " + std::to_string(rule.action) + " " + std::to_string(rule.goto_target) + " " +
              std::to_string(rule.l3mdev);
      for (const std::string& selector : rule.selectors) text += " " + selector;
      text += "\n";
    }
  }
  for (const auto& [key, routes] : tables_) {
    text += std::to_string(key.first) + "/" + std::to_string(key.second);
    for (std::uint32_t count : routes.counts) text += " " + std::to_string(count);
    for (const auto& [route, what] : routes.defaults) {
      text += " " + std::to_string(route.size()) + ":" + std::to_string(what.first) + ":" + std::to_string(what.second);
    }
    text += "\n";
  }
  return text;
}

}  // namespace vrf_agent
