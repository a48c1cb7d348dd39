#include "tc.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netlink.h"
#include "uapi_shim.h"

namespace vrf_agent {

namespace {

constexpr std::uint32_t kLoopbackIfindex = 1;

long Bpf(int command, void* attr, unsigned int size) { return syscall(__NR_bpf, command, attr, size); }

bool ProbeTcx(bool* definitive) {
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = kLoopbackIfindex;
  attr.query.attach_type = uapi::kTcxIngress;
  const int err = Bpf(BPF_PROG_QUERY, &attr, sizeof(attr)) < 0 ? errno : 0;
  // Without CAP_NET_ADMIN the kernel refuses before looking at the attach
  // type, so that answer says nothing about tcx.
  *definitive = err != EPERM;
  // ENODEV: the kernel knew the attach type and only missed the device.
  return err == 0 || err == ENODEV;
}

bpf_tc_hook LegacyHook(int ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook hook;
  std::memset(&hook, 0, sizeof(hook));
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = point;
  return hook;
}

bpf_tc_attach_point LegacyPoint(TcDirection direction) {
  return direction == TcDirection::kIngress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

bool ClsactHoldsFilters(int ifindex) {
  for (std::uint32_t minor : {TC_H_MIN_INGRESS, TC_H_MIN_EGRESS}) {
    std::size_t count = 0;
    // When the dump fails we cannot prove the qdisc is unused: keep it.
    if (CountTcFilters(ifindex, TC_H_MAKE(TC_H_CLSACT, minor), &count) < 0 || count > 0) return true;
  }
  return false;
}

// Forgets the device once this environment has no filter left on it,
// removing the clsact qdisc first when that is ours to remove.
void ReleaseDevice(TcState& state, int ifindex) {
  const auto device = state.legacy.find(ifindex);
  if (device == state.legacy.end() || device->second.filters > 0) return;
  if (device->second.created_clsact && !ClsactHoldsFilters(ifindex)) {
    // Both attach points together are libbpf's way of saying "the qdisc".
    bpf_tc_hook hook = LegacyHook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    // A failure most likely means the device is gone; at worst an empty
    // clsact stays behind.
    bpf_tc_hook_destroy(&hook);
  }
  state.legacy.erase(device);
}

int AttachTcx(int prog_fd, int ifindex, TcDirection direction, TcAttachment* out, const char** step) {
  uapi::TcxLinkCreateAttr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_fd = static_cast<std::uint32_t>(prog_fd);
  attr.target_ifindex = static_cast<std::uint32_t>(ifindex);
  attr.attach_type = direction == TcDirection::kIngress ? uapi::kTcxIngress : uapi::kTcxEgress;
  // Observers go first so that a later program's verdict cannot hide
  // packets from them.
  attr.flags = uapi::kFBefore;
  const long fd = Bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
  if (fd < 0) {
    *step = "link create";
    return -errno;
  }
  out->tcx_link = AdoptFd(static_cast<int>(fd));
  return 0;
}

int AttachLegacy(TcState& state, int prog_fd, int ifindex, TcDirection direction, std::uint32_t priority,
                 TcAttachment* out, const char** step) {
  bpf_tc_hook hook = LegacyHook(ifindex, LegacyPoint(direction));
  LegacyDevice& device = state.legacy[ifindex];
  int err = bpf_tc_hook_create(&hook);
  if (err == 0) {
    device.created_clsact = true;
  } else if (err != -EEXIST) {
    *step = "create clsact";
    ReleaseDevice(state, ifindex);
    return err;
  }
  bpf_tc_opts opts;
  std::memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.prog_fd = prog_fd;
  opts.priority = priority;
  err = bpf_tc_attach(&hook, &opts);
  if (err < 0) {
    *step = "attach cls_bpf";
    ReleaseDevice(state, ifindex);
    return err;
  }
  ++device.filters;
  out->handle = opts.handle;
  out->priority = opts.priority;
  return 0;
}

int DetachLegacy(TcState& state, TcAttachment& attachment) {
  bpf_tc_hook hook = LegacyHook(attachment.ifindex, LegacyPoint(attachment.direction));
  bpf_tc_opts opts;
  std::memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.handle = attachment.handle;
  opts.priority = attachment.priority;
  int err = bpf_tc_detach(&hook, &opts);
  if (err == -ENOENT || err == -ENODEV) err = 0;
  const auto device = state.legacy.find(attachment.ifindex);
  if (device != state.legacy.end()) --device->second.filters;
  ReleaseDevice(state, attachment.ifindex);
  return err;
}

}  // namespace

bool TcxSupported(TcState& state) {
  if (state.tcx_supported) return *state.tcx_supported;
  bool definitive = false;
  const bool supported = ProbeTcx(&definitive);
  if (definitive) state.tcx_supported = supported;
  return supported;
}

TcMode ResolveTcMode(TcState& state, TcMode requested) {
  if (requested != TcMode::kAuto) return requested;
  return TcxSupported(state) ? TcMode::kTcx : TcMode::kLegacy;
}

int AttachTc(TcState& state, int prog_fd, int ifindex, TcDirection direction, TcMode mode,
             std::uint32_t priority, TcAttachment* out, const char** step) {
  out->mode = mode;
  out->ifindex = ifindex;
  out->direction = direction;
  if (mode == TcMode::kTcx) return AttachTcx(prog_fd, ifindex, direction, out, step);
  return AttachLegacy(state, prog_fd, ifindex, direction, priority, out, step);
}

int DetachTc(TcState& state, TcAttachment& attachment) {
  if (attachment.mode == TcMode::kTcx) {
    attachment.tcx_link.reset();
    return 0;
  }
  return DetachLegacy(state, attachment);
}

}  // namespace vrf_agent
