#ifndef VRF_AGENT_NATIVE_VERSION_H
#define VRF_AGENT_NATIVE_VERSION_H

#include <napi.h>

namespace vrf_agent {

// Reports the libbpf the addon was actually linked against at runtime, so
// callers can tell the distro library apart from any vendored copy.
Napi::Value LibbpfVersion(const Napi::CallbackInfo& info);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_VERSION_H
