// tc attachment: the one place that picks tcx or legacy clsact/cls_bpf, and
// the two mechanisms behind it. No N-API here; errors are -errno.
#ifndef VRF_AGENT_NATIVE_TC_H
#define VRF_AGENT_NATIVE_TC_H

#include <cstdint>
#include <map>
#include <optional>

#include "handles.h"

namespace vrf_agent {

enum class TcMode { kAuto, kTcx, kLegacy };
enum class TcDirection { kIngress, kEgress };

// This environment's legacy filters on one device, and whether the clsact
// qdisc they hang from is one it created (and so may remove again).
struct LegacyDevice {
  int filters = 0;
  bool created_clsact = false;
};

// Per environment: the probe result and the legacy devices in use.
struct TcState {
  std::optional<bool> tcx_supported;
  std::map<int, LegacyDevice> legacy;
};

// Probes once with BPF_PROG_QUERY for BPF_TCX_INGRESS on lo: kernels before
// 6.6 reject the attach type with EINVAL, and the query has no side effects
// (unlike attaching a probe program to a live device).
bool TcxSupported(TcState& state);

// The attach-mode decision: "auto" means tcx where the kernel has it.
TcMode ResolveTcMode(TcState& state, TcMode requested);

struct TcAttachment {
  TcMode mode = TcMode::kLegacy;
  int ifindex = 0;
  TcDirection direction = TcDirection::kIngress;
  UniqueFd tcx_link;           // tcx: closing it detaches
  std::uint32_t handle = 0;    // legacy: the filter's identity, as the
  std::uint32_t priority = 0;  // kernel assigned or confirmed it
};

// `mode` must be resolved (kTcx or kLegacy). tcx goes to the head of the
// hook's program list; legacy uses `priority` (0 = the kernel picks one).
// On failure returns -errno and names the failed step in *step.
int AttachTc(TcState& state, int prog_fd, int ifindex, TcDirection direction, TcMode mode,
             std::uint32_t priority, TcAttachment* out, const char** step);

// Detaches; a device or filter that is already gone counts as detached.
// When the last of this environment's legacy filters on a device goes, the
// clsact qdisc goes too, but only if this environment created it and no
// one else's filter hangs from it. Otherwise it is left, for good, to
// whoever else uses it: a qdisc that existed before us is never removed.
int DetachTc(TcState& state, TcAttachment& attachment);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_TC_H
