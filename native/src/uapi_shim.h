// Kernel UAPI that this build's headers lack. linux-libc-dev 6.1 describes
// the bpf(2) ABI of Linux 6.1; tcx and the multi-prog attach flags arrived
// later, and ENOTSUPP never was UAPI. Our own names avoid clashing with the
// kernel's enum constants once newer headers do define them.
#ifndef VRF_AGENT_NATIVE_UAPI_SHIM_H
#define VRF_AGENT_NATIVE_UAPI_SHIM_H

#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>

namespace vrf_agent::uapi {

// Linux 6.6, "bpf: Add fd-based tcx multi-prog infra with link support":
// enum bpf_attach_type gained BPF_TCX_INGRESS and BPF_TCX_EGRESS right after
// BPF_STRUCT_OPS (44) and BPF_TRACE_UPROBE_MULTI (45).
inline constexpr std::uint32_t kTcxIngress = 46;
inline constexpr std::uint32_t kTcxEgress = 47;

// Linux 6.6, "bpf: Add generic attach/detach/query API for multi-progs":
// with no relative fd or id, BPF_F_BEFORE means "before everything", the head.
inline constexpr std::uint32_t kFBefore = 1U << 3;

// include/linux/errno.h: kernel-internal, yet bpf(2) returns it for
// unsupported operations (batch ops, test runs on some program types).
inline constexpr int kEnotsupp = 524;

// The BPF_LINK_CREATE view of union bpf_attr with the tcx member of 6.6+.
// The first four fields are the ones 6.1 already has; tcx then shares the
// union that starts with target_btf_id.
struct TcxLinkCreateAttr {
  std::uint32_t prog_fd;
  std::uint32_t target_ifindex;
  std::uint32_t attach_type;
  std::uint32_t flags;
  std::uint32_t relative_fd;  // union with relative_id
  std::uint32_t pad;          // implicit: expected_revision is a naturally aligned u64
  std::uint64_t expected_revision;
};

static_assert(offsetof(TcxLinkCreateAttr, prog_fd) == offsetof(union bpf_attr, link_create.prog_fd));
static_assert(offsetof(TcxLinkCreateAttr, target_ifindex) ==
              offsetof(union bpf_attr, link_create.target_ifindex));
static_assert(offsetof(TcxLinkCreateAttr, attach_type) == offsetof(union bpf_attr, link_create.attach_type));
static_assert(offsetof(TcxLinkCreateAttr, flags) == offsetof(union bpf_attr, link_create.flags));
static_assert(offsetof(TcxLinkCreateAttr, relative_fd) == offsetof(union bpf_attr, link_create.target_btf_id));
static_assert(offsetof(TcxLinkCreateAttr, expected_revision) == 24);
static_assert(sizeof(TcxLinkCreateAttr) == 32);
static_assert(sizeof(TcxLinkCreateAttr) <= sizeof(union bpf_attr));

}  // namespace vrf_agent::uapi

#endif  // VRF_AGENT_NATIVE_UAPI_SHIM_H
