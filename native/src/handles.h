// Owning handles for libbpf objects and raw descriptors, so every early
// return and exception path releases what it acquired.
#ifndef VRF_AGENT_NATIVE_HANDLES_H
#define VRF_AGENT_NATIVE_HANDLES_H

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <memory>

namespace vrf_agent {

struct BpfObjectDeleter {
  void operator()(bpf_object* object) const { bpf_object__close(object); }
};
using BpfObjectPtr = std::unique_ptr<bpf_object, BpfObjectDeleter>;

struct BtfDeleter {
  void operator()(btf* types) const { btf__free(types); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

struct BpfLinkDeleter {
  // Destroying the link closes its fd; a link that was pinned stays attached
  // until its pin is removed, which is the point of pinning it.
  void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using BpfLinkPtr = std::unique_ptr<bpf_link, BpfLinkDeleter>;

// unique_ptr needs a pointer-like handle; an fd is stored as a small value
// type that compares against -1 instead of nullptr.
class FdHandle {
 public:
  FdHandle() = default;
  FdHandle(std::nullptr_t) {}  // implicit: unique_ptr resets to nullptr
  explicit FdHandle(int fd) : fd_(fd) {}
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  friend bool operator==(FdHandle a, FdHandle b) { return a.fd_ == b.fd_; }
  friend bool operator!=(FdHandle a, FdHandle b) { return a.fd_ != b.fd_; }

 private:
  int fd_ = -1;
};

struct FdCloser {
  using pointer = FdHandle;
  void operator()(FdHandle fd) const { ::close(fd.get()); }
};
using UniqueFd = std::unique_ptr<FdHandle, FdCloser>;

inline UniqueFd AdoptFd(int fd) { return UniqueFd(FdHandle(fd)); }

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_HANDLES_H
