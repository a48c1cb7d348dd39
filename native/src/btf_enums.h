// Enums of the running kernel's BTF, for numbering that differs between
// kernels (drop reasons): user space reads names instead of compiling them in.
#ifndef VRF_AGENT_NATIVE_BTF_ENUMS_H
#define VRF_AGENT_NATIVE_BTF_ENUMS_H

#include <napi.h>

#include <string>
#include <utility>
#include <vector>

namespace vrf_agent {

struct KernelEnum {
  std::string name;
  // JS numbers: exact for every 32-bit enum; an enum64 beyond 2^53 rounds.
  std::vector<std::pair<std::string, double>> members;
};

// Named enums (enum and enum64) of /sys/kernel/btf/vmlinux whose name
// contains `fragment`. Returns 0 or -errno.
int FindKernelEnums(const std::string& fragment, std::vector<KernelEnum>* out);

Napi::Value BtfEnumsJs(const Napi::CallbackInfo& info);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_BTF_ENUMS_H
