#include "map.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>

#include "args.h"
#include "error.h"

namespace vrf_agent {

Napi::Function BpfMap::DefineClass(Napi::Env env) {
  return ObjectWrap<BpfMap>::DefineClass(env, "BpfMap",
                                         {
                                             InstanceMethod<&BpfMap::JS_lookup>("lookup"),
                                             InstanceMethod<&BpfMap::JS_update>("update"),
                                             InstanceMethod<&BpfMap::JS_delete>("delete"),
                                             InstanceMethod<&BpfMap::JS_keys>("keys"),
                                             InstanceMethod<&BpfMap::JS_sumU64>("sumU64"),
                                             InstanceMethod<&BpfMap::JS_sumAllU64>("sumAllU64"),
                                             InstanceMethod<&BpfMap::JS_pin>("pin"),
                                             InstanceMethod<&BpfMap::JS_unpin>("unpin"),
                                             InstanceMethod<&BpfMap::JS_close>("close"),
                                             InstanceAccessor<&BpfMap::JS_maxEntries>("maxEntries"),
                                             InstanceAccessor<&BpfMap::JS_fd>("fd"),
                                         });
}

Napi::Object BpfMap::New(Napi::Env env, BpfObject& parent, bpf_map* map) {
  ChildInit init{&parent, map};
  return StateOf(env).map_class.New({Napi::External<ChildInit>::New(env, &init), parent.Value()});
}

BpfMap* BpfMap::FromValue(EnvState& state, Napi::Value value) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(state.map_class.Value())) return nullptr;
  return Unwrap(value.As<Napi::Object>());
}

BpfMap::BpfMap(const Napi::CallbackInfo& info) : ObjectWrap<BpfMap>(info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "a BpfMap comes from BpfObject.map()");
  const ChildInit& init = *info[0].As<Napi::External<ChildInit>>().Data();
  parent_ = init.parent;
  parent_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
  map_ = static_cast<bpf_map*>(init.handle);
  name_ = bpf_map__name(map_);
  shape_ = ReadShape();
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().DefineProperties({
      Napi::PropertyDescriptor::Value("name", Napi::String::New(env, name_), napi_enumerable),
      Napi::PropertyDescriptor::Value("type", Napi::Number::New(env, shape_.type), napi_enumerable),
      Napi::PropertyDescriptor::Value("keySize", Napi::Number::New(env, shape_.key_size), napi_enumerable),
      Napi::PropertyDescriptor::Value("valueSize", Napi::Number::New(env, shape_.value_size), napi_enumerable),
      Napi::PropertyDescriptor::Value("perCpu", Napi::Boolean::New(env, shape_.per_cpu), napi_enumerable),
  });
  parent_->Adopt(this, false);
}

BpfMap::~BpfMap() { Close(); }

void BpfMap::ParentClosing() {
  parent_ = nullptr;
  Close();
}

MapShape BpfMap::ReadShape() const {
  MapShape shape;
  shape.fd = fd();
  shape.type = bpf_map__type(map_);
  shape.key_size = bpf_map__key_size(map_);
  shape.value_size = bpf_map__value_size(map_);
  shape.max_entries = bpf_map__max_entries(map_);
  shape.per_cpu = IsPerCpuMapType(shape.type);
  if (shape.per_cpu) shape.cpus = static_cast<std::uint32_t>(std::max(1, libbpf_num_possible_cpus()));
  return shape;
}

void BpfMap::Close() {
  if (map_ != nullptr) shape_ = ReadShape();
  map_ = nullptr;
  if (parent_ != nullptr) parent_->Release(this);
  parent_ = nullptr;
  parent_ref_.Reset();
}

int BpfMap::fd() const {
  if (map_ == nullptr) return -1;
  const int fd = bpf_map__fd(map_);
  return fd < 0 ? -1 : fd;
}

MapShape BpfMap::Require(const char* op) const {
  if (map_ == nullptr) ThrowBpfState(Env(), op, EBADF, "BpfMap '" + name_ + "' is closed");
  // Re-read each time: setMaxEntries and reuseMap change what libbpf reports.
  const MapShape shape = ReadShape();
  if (shape.fd < 0) ThrowBpfState(Env(), op, EBADF, "BpfMap '" + name_ + "' is not loaded yet");
  return shape;
}

ByteView BpfMap::RequireKey(const Napi::CallbackInfo& info, std::size_t index, const MapShape& shape) const {
  const ByteView key = ArgBytes(info, index, "key");
  if (key.size != shape.key_size) {
    throw Napi::RangeError::New(info.Env(), "key must be " + std::to_string(shape.key_size) + " bytes for map '" +
                                                name_ + "', got " + std::to_string(key.size));
  }
  return key;
}

void BpfMap::RequireU64Words(const char* op, const MapShape& shape) const {
  if (shape.value_size % 8 != 0) {
    ThrowBpfState(Env(), op, EINVAL,
                  "map '" + name_ + "' has " + std::to_string(shape.value_size) + "-byte values, not u64s");
  }
}

int BpfMap::Pin(const std::string& path) { return bpf_map__pin(map_, path.c_str()); }

int BpfMap::Unpin(const std::string& path) { return bpf_map__unpin(map_, path.c_str()); }

Napi::Value BpfMap::JS_lookup(const Napi::CallbackInfo& info) {
  const MapShape shape = Require("map lookup");
  const ByteView key = RequireKey(info, 0, shape);
  std::vector<std::uint8_t> value;
  const int err = LookupValue(shape, key.data, &value);
  if (err == -ENOENT) return info.Env().Undefined();
  if (err < 0) ThrowBpfError(info.Env(), "map lookup", err, "map '" + name_ + "'");
  return Napi::Buffer<std::uint8_t>::Copy(info.Env(), value.data(), value.size());
}

Napi::Value BpfMap::JS_update(const Napi::CallbackInfo& info) {
  const MapShape shape = Require("map update");
  const ByteView key = RequireKey(info, 0, shape);
  const ByteView value = ArgBytes(info, 1, "value");
  const std::uint32_t flags = info[2].IsUndefined() ? std::uint32_t{BPF_ANY} : ArgUint32(info, 2, "flags");
  if (value.size != shape.full_value_size()) {
    throw Napi::RangeError::New(info.Env(), "value must be " + std::to_string(shape.full_value_size()) +
                                                " bytes for map '" + name_ + "', got " + std::to_string(value.size));
  }
  if (const int err = UpdateValue(shape, key.data, value.data, flags); err < 0) {
    ThrowBpfError(info.Env(), "map update", err, "map '" + name_ + "'");
  }
  return info.Env().Undefined();
}

Napi::Value BpfMap::JS_delete(const Napi::CallbackInfo& info) {
  const MapShape shape = Require("map delete");
  const ByteView key = RequireKey(info, 0, shape);
  const int err = DeleteKey(shape, key.data);
  if (err < 0 && err != -ENOENT) ThrowBpfError(info.Env(), "map delete", err, "map '" + name_ + "'");
  return Napi::Boolean::New(info.Env(), err == 0);
}

Napi::Value BpfMap::JS_keys(const Napi::CallbackInfo& info) {
  const MapShape shape = Require("map keys");
  std::vector<std::uint8_t> keys;
  std::size_t count = 0;
  if (const int err = ListKeys(shape, &keys, &count); err < 0) {
    ThrowBpfError(info.Env(), "map keys", err, "map '" + name_ + "'");
  }
  Napi::Array result = Napi::Array::New(info.Env(), count);
  for (std::size_t i = 0; i < count; ++i) {
    result.Set(static_cast<std::uint32_t>(i),
               Napi::Buffer<std::uint8_t>::Copy(info.Env(), keys.data() + i * shape.key_size, shape.key_size));
  }
  return result;
}

Napi::Value BpfMap::JS_sumU64(const Napi::CallbackInfo& info) {
  const MapShape shape = Require("map sum");
  const ByteView key = RequireKey(info, 0, shape);
  RequireU64Words("map sum", shape);
  std::vector<std::uint8_t> value;
  const int err = LookupValue(shape, key.data, &value);
  if (err == -ENOENT) return info.Env().Undefined();
  if (err < 0) ThrowBpfError(info.Env(), "map sum", err, "map '" + name_ + "'");
  auto sums = Napi::BigUint64Array::New(info.Env(), shape.words());
  std::fill(sums.Data(), sums.Data() + shape.words(), 0);
  AddSlotsAsU64(shape, value.data(), sums.Data());
  return sums;
}

Napi::Value BpfMap::JS_sumAllU64(const Napi::CallbackInfo& info) {
  const std::optional<Napi::Object> options = ArgOptions(info, 0, "options");
  const bool allow_batch = options ? OptionBool(*options, "batch").value_or(true) : true;
  const MapShape shape = Require("map sum all");
  if (shape.type != BPF_MAP_TYPE_ARRAY && shape.type != BPF_MAP_TYPE_PERCPU_ARRAY) {
    ThrowBpfState(info.Env(), "map sum all", EINVAL, "map '" + name_ + "' is not an ARRAY or PERCPU_ARRAY map");
  }
  RequireU64Words("map sum all", shape);
  auto sums = Napi::BigUint64Array::New(info.Env(), static_cast<std::size_t>(shape.max_entries) * shape.words());
  if (const int err = SumAllU64(shape, allow_batch, &scratch_, sums.Data()); err < 0) {
    ThrowBpfError(info.Env(), "map sum all", err, "map '" + name_ + "'");
  }
  return sums;
}

Napi::Value BpfMap::JS_pin(const Napi::CallbackInfo& info) {
  const std::string path = ArgString(info, 0, "path");
  if (map_ == nullptr) ThrowBpfState(info.Env(), "map pin", EBADF, "BpfMap '" + name_ + "' is closed");
  LibbpfCall call(parent_->state().log);
  if (const int err = Pin(path); err < 0) {
    ThrowBpfError(info.Env(), "map pin", err, "map '" + name_ + "' at " + path);
  }
  return info.Env().Undefined();
}

Napi::Value BpfMap::JS_unpin(const Napi::CallbackInfo& info) {
  const std::string path = ArgString(info, 0, "path");
  if (map_ == nullptr) ThrowBpfState(info.Env(), "map unpin", EBADF, "BpfMap '" + name_ + "' is closed");
  LibbpfCall call(parent_->state().log);
  if (const int err = Unpin(path); err < 0) {
    ThrowBpfError(info.Env(), "map unpin", err, "map '" + name_ + "' at " + path);
  }
  return info.Env().Undefined();
}

Napi::Value BpfMap::JS_close(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

Napi::Value BpfMap::JS_maxEntries(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), map_ != nullptr ? bpf_map__max_entries(map_) : shape_.max_entries);
}

Napi::Value BpfMap::JS_fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd()); }

}  // namespace vrf_agent
