#include "rodata.h"

#include <bpf/btf.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vrf_agent {

namespace {

// libbpf gives each internal map its DATASEC as BTF value type, which is a
// sturdier match than the map's name: that is the object name truncated to
// fit BPF_OBJ_NAME_LEN, plus ".rodata".
bpf_map* MapOfDatasec(bpf_object* object, std::uint32_t datasec_id) {
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__is_internal(map) && bpf_map__btf_value_type_id(map) == datasec_id) return map;
  }
  return nullptr;
}

}  // namespace

int FindRodataVar(bpf_object* object, const std::string& name, RodataVar* out) {
  const btf* types = bpf_object__btf(object);
  if (types == nullptr) return -ENOENT;
  const int datasec_id = btf__find_by_name_kind(types, ".rodata", BTF_KIND_DATASEC);
  if (datasec_id < 0) return -ENOENT;
  const btf_type* datasec = btf__type_by_id(types, static_cast<std::uint32_t>(datasec_id));
  const btf_var_secinfo* info = btf_var_secinfos(datasec);
  for (std::uint16_t i = 0; i < btf_vlen(datasec); ++i, ++info) {
    const btf_type* var = btf__type_by_id(types, info->type);
    const char* var_name = var == nullptr ? nullptr : btf__name_by_offset(types, var->name_off);
    if (var_name == nullptr || name != var_name) continue;
    out->map = MapOfDatasec(object, static_cast<std::uint32_t>(datasec_id));
    if (out->map == nullptr) return -ENOENT;
    out->offset = info->offset;
    out->size = info->size;
    return 0;
  }
  return -ENOENT;
}

int WriteRodataVar(const RodataVar& var, const std::uint8_t* data, std::size_t size) {
  std::size_t section_size = 0;
  const void* current = bpf_map__initial_value(var.map, &section_size);
  if (current == nullptr || size != var.size || var.offset + size > section_size) return -EINVAL;
  // libbpf 1.1 exposes the initial value read-only; the setter replaces the
  // whole section, so the other variables' defaults are carried over.
  std::vector<std::uint8_t> section(static_cast<const std::uint8_t*>(current),
                                    static_cast<const std::uint8_t*>(current) + section_size);
  std::memcpy(section.data() + var.offset, data, size);
  return bpf_map__set_initial_value(var.map, section.data(), section.size());
}

}  // namespace vrf_agent
