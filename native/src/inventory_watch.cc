#include "inventory_watch.h"

#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <vector>

#include "args.h"
#include "error.h"
#include "rtnl_socket.h"

namespace vrf_agent {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSysctls[] = {
    "/proc/sys/net/ipv4/tcp_l3mdev_accept",
    "/proc/sys/net/ipv4/udp_l3mdev_accept",
    "/proc/sys/net/ipv4/raw_l3mdev_accept",
};
// A full dump checks the kept state this often: the kernel flushes some IPv4
// routes (through a non-member that went down) without a notification.
constexpr auto kConsistencyCheck = std::chrono::minutes(5);
// The kernel says nothing when a sysctl changes, so they are read this often.
constexpr auto kSysctlPoll = std::chrono::seconds(5);
// A dump the kernel flags as changed midway is read again, this many times.
constexpr int kDumpAttempts = 3;
// Reads of queued notifications before the re-dumps they asked for are made.
constexpr int kReadsPerBatch = 64;
// After a failed resync, the next comes after this, doubling up to the bound.
constexpr auto kFirstRetry = std::chrono::seconds(1);
constexpr auto kMaxRetry = std::chrono::seconds(30);
constexpr std::size_t kNotificationBuffer = 64 * 1024;

const char* FamilyName(std::uint8_t family) { return family == AF_INET ? "ipv4" : "ipv6"; }

struct Posted {
  const char* event;
  int err;
  std::string message;
};

// A request of one fixed header and room for a few attributes.
struct Request {
  alignas(nlmsghdr) char bytes[256] = {};
  nlmsghdr* header = nullptr;

  template <typename Fixed>
  Fixed* Start(std::uint16_t type) {
    header = mnl_nlmsg_put_header(bytes);
    header->nlmsg_type = type;
    return static_cast<Fixed*>(mnl_nlmsg_put_extra_header(header, sizeof(Fixed)));
  }
};

// Tables that do not exist yet and families the kernel lacks dump as empty.
bool MeansEmpty(int err) { return err == -ENOENT || err == -EAFNOSUPPORT; }

Napi::Object RoutesToJs(Napi::Env env, const TableRoutes* routes) {
  Napi::Object counts = Napi::Object::New(env);
  if (routes == nullptr) return counts;
  for (std::size_t type = 0; type < routes->counts.size(); ++type) {
    if (routes->counts[type] != 0) counts.Set(RouteTypeName(static_cast<std::uint8_t>(type)), routes->counts[type]);
  }
  return counts;
}

// The closing default a lookup meets: the unreachable, blackhole or
// prohibit default of the lowest priority.
Napi::Object UnreachableDefaultToJs(Napi::Env env, const TableRoutes* routes) {
  Napi::Object out = Napi::Object::New(env);
  const std::pair<std::uint8_t, std::uint32_t>* best = nullptr;
  if (routes != nullptr) {
    for (const auto& [key, what] : routes->defaults) {
      const bool closing = what.first == RTN_UNREACHABLE || what.first == RTN_BLACKHOLE || what.first == RTN_PROHIBIT;
      if (closing && (best == nullptr || what.second < best->second)) best = &what;
    }
  }
  out.Set("present", best != nullptr);
  if (best != nullptr) {
    out.Set("metric", best->second);
    out.Set("type", RouteTypeName(best->first));
  }
  return out;
}

Napi::Object LinkToJs(Napi::Env env, const LinkMessage& link) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", link.name);
  out.Set("ifindex", link.ifindex);
  out.Set("operState", OperStateName(link.operstate));
  out.Set("up", (link.flags & IFF_UP) != 0 && (link.flags & IFF_LOWER_UP) != 0);
  return out;
}

Napi::Object RuleToJs(Napi::Env env, const RuleMessage& rule) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("family", FamilyName(rule.family));
  out.Set("priority", rule.priority);
  out.Set("l3mdev", rule.l3mdev);
  if (rule.table != 0) out.Set("table", TableName(rule.table));
  Napi::Array selectors = Napi::Array::New(env, rule.selectors.size());
  for (std::size_t i = 0; i < rule.selectors.size(); ++i) selectors.Set(i, rule.selectors[i]);
  out.Set("selectors", selectors);
  if (auto action = RuleActionName(rule)) out.Set("action", *action);
  return out;
}

}  // namespace

Napi::Function InventoryWatch::DefineClass(Napi::Env env) {
  return ObjectWrap<InventoryWatch>::DefineClass(env, "InventoryWatch",
                                                 {
                                                     InstanceMethod<&InventoryWatch::Snapshot>("snapshot"),
                                                     InstanceMethod<&InventoryWatch::Stats>("stats"),
                                                     InstanceMethod<&InventoryWatch::StopJs>("stop"),
                                                 });
}

InventoryWatch::InventoryWatch(const Napi::CallbackInfo& info) : ObjectWrap<InventoryWatch>(info) {
  Napi::Env env = info.Env();
  const auto options = ArgOptions(info, 0, "options");
  if (!options || !options->Get("onEvent").IsFunction()) {
    throw Napi::TypeError::New(env, "options.onEvent must be a function");
  }
  netns_path_ = OptionString(*options, "netnsPath").value_or("");
  receive_buffer_bytes_ = static_cast<int>(OptionUint32(*options, "receiveBufferBytes").value_or(16 << 20));
  wake_ = AdoptFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_) ThrowBpfError(env, "inventory watch", errno, "eventfd");
  notify_ = Napi::ThreadSafeFunction::New(env, options->Get("onEvent").As<Napi::Function>(), "vrf-agent inventory", 0, 1);
  // The watch alone does not keep the process alive; the server does.
  notify_.Unref(env);
  thread_ = std::thread(&InventoryWatch::Run, this);
  napi_add_env_cleanup_hook(env, StopAtExit, this);
}

InventoryWatch::~InventoryWatch() {
  if (!stopped_at_exit_) napi_remove_env_cleanup_hook(Env(), StopAtExit, this);
  Stop();
}

// The environment ending (process exit, a worker's end) stops the thread
// before the watch's finalizer, which may never run then.
void InventoryWatch::StopAtExit(void* data) {
  auto* watch = static_cast<InventoryWatch*>(data);
  watch->stopped_at_exit_ = true;
  watch->Stop();
}

void InventoryWatch::Stop() {
  if (stopped_) return;
  stopped_ = true;
  const std::uint64_t one = 1;
  if (write(wake_.get().get(), &one, sizeof(one)) < 0) {
    // The eventfd cannot be full after one write; nothing else can fail here.
  }
  if (thread_.joinable()) thread_.join();
  notify_.Release();
}

void InventoryWatch::StopJs(const Napi::CallbackInfo&) { Stop(); }

void InventoryWatch::Post(Event event, int err, std::string message) {
  if (event == Event::kChanged && change_posted_.exchange(true)) return;
  static const char* const kNames[] = {"ready", "changed", "error"};
  auto* posted = new Posted{kNames[static_cast<int>(event)], err, std::move(message)};
  const napi_status status = notify_.NonBlockingCall(posted, [](Napi::Env env, Napi::Function callback, Posted* data) {
    std::unique_ptr<Posted> owned(data);
    if (env == nullptr) return;
    try {
      callback.Call({Napi::String::New(env, owned->event), Napi::String::New(env, owned->message),
                     Napi::Number::New(env, -owned->err)});
    } catch (const Napi::Error&) {
      // The JS handler catches its own failures; one that escapes anyway
      // must not end the process from a notification.
    }
  });
  if (status != napi_ok) delete posted;
}

// ---- JS side ------------------------------------------------------------

Napi::Value InventoryWatch::Snapshot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Cleared first: a change applied while this snapshot is built is told again.
  change_posted_ = false;
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<int, std::vector<const LinkMessage*>> members;
  for (const auto& [ifindex, member] : state_.members()) members[member.master].push_back(&member);

  // Every VRF's ifindex in order, and in full only those changed since the snapshot JS has:
  // a route change in one table costs one VRF's objects, not a thousand.
  const double since = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  Napi::Int32Array order = Napi::Int32Array::New(env, state_.vrfs().size());
  Napi::Array vrfs = Napi::Array::New(env);
  std::uint32_t at = 0;
  for (const auto& [ifindex, vrf] : state_.vrfs()) {
    order[at++] = ifindex;
    if (!state_.ChangedSince(ifindex, static_cast<std::uint64_t>(since))) continue;
    Napi::Object out = LinkToJs(env, vrf);
    out.Delete("up");
    out.Set("table", *vrf.vrf_table);
    const auto& own = members[ifindex];
    Napi::Array list = Napi::Array::New(env, own.size());
    for (std::size_t i = 0; i < own.size(); ++i) {
      Napi::Object member = LinkToJs(env, *own[i]);
      member.Set("master", vrf.name);
      list.Set(i, member);
    }
    out.Set("members", list);
    Napi::Object routes = Napi::Object::New(env);
    Napi::Object unreachable = Napi::Object::New(env);
    for (std::uint8_t family : {AF_INET, AF_INET6}) {
      const TableRoutes* table = state_.table({family, *vrf.vrf_table});
      routes.Set(FamilyName(family), RoutesToJs(env, table));
      unreachable.Set(FamilyName(family), UnreachableDefaultToJs(env, table));
    }
    out.Set("routes", routes);
    out.Set("unreachableDefault", unreachable);
    vrfs.Set(vrfs.Length(), out);
  }

  Napi::Array rules = Napi::Array::New(env);
  for (std::uint8_t family : {AF_INET, AF_INET6}) {
    for (const RuleMessage& rule : state_.rules(family)) rules.Set(rules.Length(), RuleToJs(env, rule));
  }
  Napi::Object sysctls = Napi::Object::New(env);
  sysctls.Set("tcp", sysctls_[0]);
  sysctls.Set("udp", sysctls_[1]);
  sysctls.Set("raw", sysctls_[2]);

  Napi::Object snapshot = Napi::Object::New(env);
  snapshot.Set("generation", static_cast<double>(state_.generation()));
  state_.NextGeneration();
  snapshot.Set("order", order);
  snapshot.Set("changed", vrfs);
  snapshot.Set("rules", rules);
  snapshot.Set("sysctls", sysctls);
  return snapshot;
}

Napi::Value InventoryWatch::Stats(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("fullSyncs", static_cast<double>(stats_.full_syncs));
  out.Set("overflows", static_cast<double>(stats_.overflows));
  out.Set("drifts", static_cast<double>(stats_.drifts));
  out.Set("notifications", static_cast<double>(stats_.notifications));
  out.Set("errors", static_cast<double>(stats_.errors));
  out.Set("lastSyncMs", stats_.last_sync_ms);
  return out;
}

// ---- the thread -----------------------------------------------------------

int InventoryWatch::Prepare() {
  if (!netns_path_.empty()) {
    UniqueFd netns = AdoptFd(open(netns_path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return -errno;
    // Only this thread moves; its sockets and sysctl files stay bound to
    // the namespace for as long as they are open.
    if (setns(netns.get().get(), CLONE_NEWNET) < 0) return -errno;
  }
  for (int i = 0; i < 3; ++i) {
    sysctl_fds_[i] = AdoptFd(open(kSysctls[i], O_RDONLY | O_CLOEXEC));
    if (!sysctl_fds_[i]) return -errno;
  }
  ReadSysctls();
  int err = 0;
  events_ = RtnlSocket::Open(&err);
  if (!events_) return err;
  events_->GrowReceiveBuffer(receive_buffer_bytes_);
  if ((err = events_->Join({RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE,
                            RTNLGRP_IPV6_RULE})) < 0) {
    return err;
  }
  if ((err = events_->FilterOutMainAndLocalRoutes()) < 0) return err;
  dumps_ = RtnlSocket::Open(&err);
  if (!dumps_) return err;
  return dumps_->EnableStrictDumps();
}

bool InventoryWatch::ReadSysctls() {
  std::int32_t values[3];
  for (int i = 0; i < 3; ++i) {
    char text[16] = {};
    const ssize_t size = pread(sysctl_fds_[i].get().get(), text, sizeof(text) - 1, 0);
    values[i] = size > 0 ? std::atoi(text) : 0;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const bool changed = std::memcmp(values, sysctls_, sizeof(values)) != 0;
  std::memcpy(sysctls_, values, sizeof(values));
  return changed;
}

int InventoryWatch::DumpLinks(std::vector<LinkMessage>* links) {
  // The VRF devices alone first, filtered in the kernel: a router without VRFs costs one small
  // dump however many interfaces it has. With VRFs, one dump of every link finds their
  // members, which is cheaper than one member-filtered dump per VRF over all interfaces.
  bool filtered = true;
  if (int err = DumpLinksOnce(links, true, &filtered); err < 0 || links->empty() || !filtered) return err;
  return DumpLinksOnce(links, false, &filtered);
}

int InventoryWatch::DumpLinksOnce(std::vector<LinkMessage>* links, bool vrfs_only, bool* filtered) {
  for (int attempt = 1;; ++attempt) {
    links->clear();
    *filtered = true;
    Request request;
    request.Start<ifinfomsg>(RTM_GETLINK)->ifi_family = AF_UNSPEC;
    // Counters are the datapath's job: dumps without them are a third the size.
    mnl_attr_put_u32(request.header, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (vrfs_only) {
      nlattr* info = mnl_attr_nest_start(request.header, IFLA_LINKINFO);
      mnl_attr_put_strz(request.header, IFLA_INFO_KIND, "vrf");
      mnl_attr_nest_end(request.header, info);
    }
    bool interrupted = false;
    LinkMessage link;
    const int err = dumps_->Dump(
        request.header,
        [&](const nlmsghdr* header) {
          if (!DecodeLink(header, &link)) return;
          // A kernel without the vrf driver loaded knows no such kind and dumps every link:
          // then this dump is already the whole one.
          if (!link.vrf_table) *filtered = false;
          // Only VRFs and enslaved links can be VRF members; the rest is dropped here.
          if (link.vrf_table || link.master != 0) links->push_back(link);
        },
        &interrupted);
    if (err < 0 || !interrupted || attempt == kDumpAttempts) return err;
  }
}

int InventoryWatch::DumpRules(std::uint8_t family, std::vector<RuleMessage>* rules) {
  for (int attempt = 1;; ++attempt) {
    rules->clear();
    Request request;
    request.Start<fib_rule_hdr>(RTM_GETRULE)->family = family;
    bool interrupted = false;
    RuleMessage rule;
    const int err = dumps_->Dump(
        request.header, [&](const nlmsghdr* header) { if (DecodeRule(header, &rule)) rules->push_back(rule); },
        &interrupted);
    if (MeansEmpty(err)) return 0;
    if (err < 0 || !interrupted || attempt == kDumpAttempts) return err;
  }
}

int InventoryWatch::DumpTable(std::uint8_t family, std::uint32_t table, TableRoutes* routes) {
  for (int attempt = 1;; ++attempt) {
    *routes = TableRoutes{};
    Request request;
    auto* message = request.Start<rtmsg>(RTM_GETROUTE);
    message->rtm_family = family;
    // Strict checking makes the kernel walk this one table only.
    mnl_attr_put_u32(request.header, RTA_TABLE, table);
    bool interrupted = false;
    RouteMessage route;
    const int err = dumps_->Dump(
        request.header,
        [&](const nlmsghdr* header) {
          if (DecodeRoute(header, &route) && route.table == table && route.family == family) routes->Put(route);
        },
        &interrupted);
    if (MeansEmpty(err)) return 0;
    if (err < 0 || !interrupted || attempt == kDumpAttempts) return err;
  }
}

int InventoryWatch::FullSync(InventoryState* into) {
  const auto started = Clock::now();
  std::vector<LinkMessage> links;
  if (int err = DumpLinks(&links); err < 0) return err;
  into->SetLinks(links);
  for (std::uint8_t family : {AF_INET, AF_INET6}) {
    std::vector<RuleMessage> rules;
    if (int err = DumpRules(family, &rules); err < 0) return err;
    into->SetRules(family, std::move(rules));
  }
  for (std::uint32_t table : into->OwnedTables()) {
    for (std::uint8_t family : {AF_INET, AF_INET6}) {
      TableRoutes routes;
      if (int err = DumpTable(family, table, &routes); err < 0) return err;
      into->SetTable({family, table}, std::move(routes));
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.full_syncs++;
  stats_.last_sync_ms = ms;
  return 0;
}

int InventoryWatch::DumpTablesOf(const std::set<int>& vrfs, InventoryState* into) {
  std::vector<std::uint32_t> tables;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tables = into->TablesOf(vrfs);
  }
  for (std::uint32_t table : tables) {
    for (std::uint8_t family : {AF_INET, AF_INET6}) {
      TableRoutes routes;
      if (int err = DumpTable(family, table, &routes); err < 0) return err;
      std::lock_guard<std::mutex> lock(mutex_);
      into->SetTable({family, table}, std::move(routes));
    }
  }
  return 0;
}

// A fresh state from dumps, put in place of the one kept: after notifications
// were lost (overflow), or to check that the kept one still matches (check).
int InventoryWatch::Resync(bool overflow, bool check) {
  InventoryState fresh;
  if (int err = FullSync(&fresh); err < 0) return err;
  bool changed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changed = fresh.Fingerprint() != state_.Fingerprint();
    if (overflow) stats_.overflows++;
    if (check && changed) stats_.drifts++;
    fresh.StartGeneration(state_.generation());
    state_ = std::move(fresh);
  }
  if (changed) Post(Event::kChanged);
  return 0;
}

int InventoryWatch::DrainNotifications() {
  static thread_local std::vector<char> buffer(kNotificationBuffer);
  bool changed = false;
  bool rules_changed[2] = {false, false};
  std::set<int> redump;
  std::set<TableKey> tables;
  for (int reads = 0; reads < kReadsPerBatch; ++reads) {
    const long size = events_->ReadNotifications(&buffer);
    if (size < 0) return static_cast<int>(size);
    if (size == 0) break;
    std::lock_guard<std::mutex> lock(mutex_);
    ForEachMessage(buffer, size, [&](const nlmsghdr* header) {
      stats_.notifications++;
      switch (header->nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK: {
          LinkMessage link;
          if (!DecodeLink(header, &link)) return;
          LinkChange change = state_.ApplyLink(link);
          changed |= change.changed;
          redump.insert(change.redump.begin(), change.redump.end());
          return;
        }
        case RTM_NEWROUTE:
        case RTM_DELROUTE: {
          // Most route changes of a router are here: one look at the table.
          if (!state_.Owns(RouteTableOf(header))) return;
          RouteMessage route;
          if (!DecodeRoute(header, &route)) return;
          switch (state_.ApplyRoute(route)) {
            case InventoryState::RouteChange::kNone: return;
            case InventoryState::RouteChange::kApplied: changed = true; return;
            case InventoryState::RouteChange::kAmbiguous: tables.insert({route.family, route.table}); return;
          }
          return;
        }
        case RTM_NEWRULE:
        case RTM_DELRULE: {
          const auto* rule = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(header));
          rules_changed[rule->family == AF_INET ? 0 : 1] = true;
          return;
        }
        default: return;
      }
    });
  }
  // Rules are few and their notifications carry no position: read them again.
  for (std::uint8_t family : {AF_INET, AF_INET6}) {
    if (!rules_changed[family == AF_INET ? 0 : 1]) continue;
    std::vector<RuleMessage> rules;
    if (int err = DumpRules(family, &rules); err < 0) return err;
    std::lock_guard<std::mutex> lock(mutex_);
    state_.SetRules(family, std::move(rules));
    changed = true;
  }
  if (!redump.empty()) {
    if (int err = DumpTablesOf(redump, &state_); err < 0) return err;
    changed = true;
  }
  for (const TableKey& key : tables) {
    TableRoutes routes;
    if (int err = DumpTable(key.first, key.second, &routes); err < 0) return err;
    std::lock_guard<std::mutex> lock(mutex_);
    state_.SetTable(key, std::move(routes));
    changed = true;
  }
  if (changed) Post(Event::kChanged);
  return 0;
}

void InventoryWatch::Run() {
  // Named for `top -H` and the benchmark, which counts this thread's CPU on its own.
  pthread_setname_np(pthread_self(), "vrf-inventory");
  if (int err = Prepare(); err < 0) {
    Post(Event::kError, err, netns_path_.empty() ? "opening rtnetlink" : "entering " + netns_path_);
    return;
  }
  {
    InventoryState fresh;
    if (int err = FullSync(&fresh); err < 0) {
      Post(Event::kError, err, "the first dump");
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    fresh.StartGeneration(state_.generation());
    state_ = std::move(fresh);
  }
  Post(Event::kReady);

  auto next_check = Clock::now() + kConsistencyCheck;
  auto next_sysctls = Clock::now() + kSysctlPoll;
  // A resync owed (after an overflow or a failure) and when it may run.
  auto next_resync = Clock::time_point::max();
  bool overflowed = false;
  auto retry_delay = kFirstRetry;
  for (;;) {
    const auto wake_at = std::min({next_check, next_sysctls, next_resync});
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - Clock::now()).count();
    pollfd fds[2] = {{events_->fd(), POLLIN, 0}, {wake_.get().get(), POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(std::max<long>(0, wait))) < 0 && errno != EINTR) {
      Post(Event::kError, -errno, "waiting for notifications");
      return;
    }
    if (fds[1].revents != 0) return;
    int err = 0;
    const char* doing = "applying notifications";
    if (fds[0].revents != 0) {
      err = DrainNotifications();
      if (err == -ENOBUFS) {
        // The kernel dropped notifications: what is kept may be wrong now.
        overflowed = true;
        next_resync = Clock::now();
        err = 0;
      }
    }
    if (err == 0 && Clock::now() >= next_sysctls) {
      if (ReadSysctls()) Post(Event::kChanged);
      next_sysctls = Clock::now() + kSysctlPoll;
    }
    const bool owed = Clock::now() >= next_resync;
    if (err == 0 && (owed || Clock::now() >= next_check)) {
      doing = "resynchronising";
      err = Resync(overflowed, !owed);
      if (err == 0) {
        overflowed = false;
        next_check = Clock::now() + kConsistencyCheck;
        next_resync = Clock::time_point::max();
        retry_delay = kFirstRetry;
      }
    }
    if (err < 0) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.errors++;
      }
      Post(Event::kError, err, doing);
      // Whatever failed, a full resync later puts the state right again.
      next_resync = Clock::now() + retry_delay;
      retry_delay = std::min<std::chrono::seconds>(retry_delay * 2, kMaxRetry);
    }
  }
}

}  // namespace vrf_agent
