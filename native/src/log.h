// Routes libbpf's print hook to a JS logger and keeps the recent lines of
// the current call, so a failed load can quote the verifier.
#ifndef VRF_AGENT_NATIVE_LOG_H
#define VRF_AGENT_NATIVE_LOG_H

#include <bpf/libbpf.h>
#include <napi.h>

#include <cstddef>
#include <deque>
#include <string>

namespace vrf_agent {

class LibbpfLog {
 public:
  explicit LibbpfLog(Napi::Env env) : env_(env) {}
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;

  // libbpf_set_print takes no user data, so the hook finds its environment
  // through a per-thread pointer: each Node environment owns one thread, and
  // threads without an environment (none call libbpf today) are dropped.
  void AttachToThisThread();
  void DetachFromThisThread();

  void SetLogger(Napi::Function logger);
  void ClearLogger();

  void Receive(libbpf_print_level level, std::string message);

 private:
  friend class LibbpfCall;

  Napi::Env env_;
  Napi::FunctionReference logger_;
  int call_depth_ = 0;
  bool forwarding_ = false;
  std::deque<std::string> lines_;
};

// Marks a JS-facing method that calls libbpf. Only inside one may the hook
// call into JS: finalizers and cleanup hooks also reach libbpf (closing
// objects) but must not run JS. The outermost call starts a fresh capture.
class LibbpfCall {
 public:
  explicit LibbpfCall(LibbpfLog& log);
  ~LibbpfCall();
  LibbpfCall(const LibbpfCall&) = delete;
  LibbpfCall& operator=(const LibbpfCall&) = delete;

  // The last `count` warn/info lines libbpf printed during this call.
  std::string Tail(std::size_t count) const;

 private:
  LibbpfLog& log_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_LOG_H
