// The one error type that crosses into JS: an Error named "BpfError" with
// the failed operation, a positive errno and its symbolic code.
#ifndef VRF_AGENT_NATIVE_ERROR_H
#define VRF_AGENT_NATIVE_ERROR_H

#include <napi.h>

#include <string>

namespace vrf_agent {

// Symbolic name of an errno ("ENOENT"), including kernel-internal ENOTSUPP
// and libbpf's own LIBBPF_ERRNO__* codes; "E<number>" when unknown.
std::string ErrnoName(int err);

// "<op>: <strerror> (<context>)", then the libbpf log tail on its own lines
// when there is one. err may be negative, as libbpf returns it.
[[noreturn]] void ThrowBpfError(Napi::Env env, const std::string& op, int err,
                                const std::string& context = {}, const std::string& log_tail = {});

// For failures that are about the handle's state rather than a syscall
// (closed, not loaded yet): "<op>: <what>", still carrying errno and code.
[[noreturn]] void ThrowBpfState(Napi::Env env, const std::string& op, int err, const std::string& what);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_ERROR_H
