// InventoryWatch (JS class): one network namespace's inventory, kept by a
// thread of its own that entered the namespace. It dumps links, rules and
// the routes of the tables VRFs own, then applies rtnetlink notifications
// as they come; a notification the kernel had to drop (ENOBUFS) and a slow
// periodic consistency check each start a full resync. JS is told that
// something changed and takes a snapshot when it wants one: the decoding
// never runs on the JS thread.
#ifndef VRF_AGENT_NATIVE_INVENTORY_WATCH_H
#define VRF_AGENT_NATIVE_INVENTORY_WATCH_H

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "handles.h"
#include "inventory_state.h"

namespace vrf_agent {

class RtnlSocket;

struct InventoryStats {
  std::uint64_t full_syncs = 0;
  std::uint64_t overflows = 0;
  std::uint64_t drifts = 0;
  std::uint64_t notifications = 0;
  std::uint64_t errors = 0;
  double last_sync_ms = 0;
};

class InventoryWatch : public Napi::ObjectWrap<InventoryWatch> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  explicit InventoryWatch(const Napi::CallbackInfo& info);
  ~InventoryWatch() override;

 private:
  enum class Event { kReady, kChanged, kError };

  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  void StopJs(const Napi::CallbackInfo& info);
  void Stop();
  static void StopAtExit(void* data);

  // The thread and what only it touches.
  void Run();
  int Prepare();
  int FullSync(InventoryState* into);
  int DumpLinks(std::vector<LinkMessage>* links);
  int DumpLinksOnce(std::vector<LinkMessage>* links, bool vrfs_only, bool* filtered);
  int DumpRules(std::uint8_t family, std::vector<RuleMessage>* rules);
  int DumpTable(std::uint8_t family, std::uint32_t table, TableRoutes* routes);
  int DumpTablesOf(const std::set<int>& vrfs, InventoryState* into);
  int Resync(bool overflow, bool check);
  int DrainNotifications();
  bool ReadSysctls();
  void Post(Event event, int err = 0, std::string message = {});

  std::string netns_path_;
  int receive_buffer_bytes_;
  std::unique_ptr<RtnlSocket> events_;
  std::unique_ptr<RtnlSocket> dumps_;
  UniqueFd sysctl_fds_[3];

  // Shared between the thread and JS, under mutex_.
  std::mutex mutex_;
  InventoryState state_;
  std::int32_t sysctls_[3] = {0, 0, 0};
  InventoryStats stats_;

  std::atomic<bool> change_posted_{false};
  UniqueFd wake_;
  Napi::ThreadSafeFunction notify_;
  std::thread thread_;
  bool stopped_ = false;
  bool stopped_at_exit_ = false;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_INVENTORY_WATCH_H
