// `const volatile` globals: found through the object's BTF and written into
// the .rodata map's initial value between open and load.
#ifndef VRF_AGENT_NATIVE_RODATA_H
#define VRF_AGENT_NATIVE_RODATA_H

#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace vrf_agent {

struct RodataVar {
  bpf_map* map = nullptr;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// -ENOENT when the object has no .rodata section or no such variable in it.
int FindRodataVar(bpf_object* object, const std::string& name, RodataVar* out);

// Patches the variable's bytes; size must equal var.size. 0 or -errno.
int WriteRodataVar(const RodataVar& var, const std::uint8_t* data, std::size_t size);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_RODATA_H
