#include "btf_enums.h"

#include <bpf/btf.h>

#include <cerrno>

#include "args.h"
#include "env.h"
#include "error.h"
#include "handles.h"

namespace vrf_agent {

namespace {

KernelEnum ReadEnum(const btf* types, const btf_type* type, const char* name) {
  KernelEnum result{name, {}};
  const bool is_signed = btf_kflag(type);
  const std::uint16_t count = btf_vlen(type);
  if (btf_is_enum(type)) {
    // "struct": the function of the same name hides the type in C++.
    const struct btf_enum* member = btf_enum(type);
    for (std::uint16_t i = 0; i < count; ++i, ++member) {
      const double value = is_signed ? static_cast<double>(member->val)
                                     : static_cast<double>(static_cast<std::uint32_t>(member->val));
      result.members.emplace_back(btf__name_by_offset(types, member->name_off), value);
    }
  } else {
    const struct btf_enum64* member = btf_enum64(type);
    for (std::uint16_t i = 0; i < count; ++i, ++member) {
      const std::uint64_t raw = btf_enum64_value(member);
      const double value =
          is_signed ? static_cast<double>(static_cast<std::int64_t>(raw)) : static_cast<double>(raw);
      result.members.emplace_back(btf__name_by_offset(types, member->name_off), value);
    }
  }
  return result;
}

}  // namespace

int FindKernelEnums(const std::string& fragment, std::vector<KernelEnum>* out) {
  BtfPtr types(btf__load_vmlinux_btf());
  if (!types) return -errno;
  const std::uint32_t count = btf__type_cnt(types.get());
  for (std::uint32_t id = 1; id < count; ++id) {
    const btf_type* type = btf__type_by_id(types.get(), id);
    if (type == nullptr || !btf_is_any_enum(type)) continue;
    const char* name = btf__name_by_offset(types.get(), type->name_off);
    if (name == nullptr || *name == '\0' || std::string(name).find(fragment) == std::string::npos) continue;
    out->push_back(ReadEnum(types.get(), type, name));
  }
  return 0;
}

Napi::Value BtfEnumsJs(const Napi::CallbackInfo& info) {
  const std::string fragment = ArgString(info, 0, "nameContains");
  Napi::Env env = info.Env();
  LibbpfCall call(StateOf(env).log);
  std::vector<KernelEnum> enums;
  if (const int err = FindKernelEnums(fragment, &enums); err < 0) {
    ThrowBpfError(env, "read kernel btf", err, "/sys/kernel/btf/vmlinux");
  }
  Napi::Object result = Napi::Object::New(env);
  for (const KernelEnum& kernel_enum : enums) {
    Napi::Array members = Napi::Array::New(env, kernel_enum.members.size());
    for (std::size_t i = 0; i < kernel_enum.members.size(); ++i) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, kernel_enum.members[i].first);
      pair.Set(1u, kernel_enum.members[i].second);
      members.Set(static_cast<std::uint32_t>(i), pair);
    }
    result.Set(kernel_enum.name, members);
  }
  return result;
}

}  // namespace vrf_agent
