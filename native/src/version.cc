#include "version.h"

#include <bpf/libbpf.h>

#include <string>

namespace vrf_agent {

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  // The runtime getters are used instead of the LIBBPF_*_VERSION macros
  // because the macros describe the headers, not the shared object loaded.
  const std::string version = std::to_string(libbpf_major_version()) + "." +
                              std::to_string(libbpf_minor_version());
  return Napi::String::New(info.Env(), version);
}

}  // namespace vrf_agent
