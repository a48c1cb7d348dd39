#include "object.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "args.h"
#include "error.h"
#include "map.h"
#include "program.h"
#include "rodata.h"

namespace vrf_agent {

namespace {

// Enough of a verifier log to show the rejected instruction and the
// verifier's reason, short enough to read in an error message.
constexpr std::size_t kLoadLogLines = 40;

std::vector<std::string> MapNames(bpf_object* object) {
  std::vector<std::string> names;
  bpf_map* map;
  bpf_object__for_each_map(map, object) names.emplace_back(bpf_map__name(map));
  return names;
}

std::vector<std::string> PinnedMapNames(bpf_object* object) {
  std::vector<std::string> names;
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (bpf_map__pin_path(map) != nullptr) names.emplace_back(bpf_map__name(map));
  }
  return names;
}

// The same test libbpf makes before it reuses a pin (map_is_reuse_compat),
// made ahead so the caller can name the map instead of reading EINVAL.
bool PinMatches(bpf_map* map, int fd) {
  bpf_map_info info;
  std::memset(&info, 0, sizeof(info));
  __u32 size = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0) return false;
  return info.type == static_cast<__u32>(bpf_map__type(map)) && info.key_size == bpf_map__key_size(map) &&
         info.value_size == bpf_map__value_size(map) && info.max_entries == bpf_map__max_entries(map) &&
         info.map_flags == bpf_map__map_flags(map);
}

std::vector<std::string> PinConflicts(bpf_object* object) {
  std::vector<std::string> names;
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    const char* path = bpf_map__pin_path(map);
    if (path == nullptr) continue;
    const int fd = bpf_obj_get(path);
    // Absent (to be created) or not openable: load() tells those apart with its own error.
    if (fd < 0) continue;
    if (!PinMatches(map, fd)) names.emplace_back(bpf_map__name(map));
    close(fd);
  }
  return names;
}

std::vector<std::string> ProgramNames(bpf_object* object) {
  std::vector<std::string> names;
  bpf_program* program;
  bpf_object__for_each_program(program, object) names.emplace_back(bpf_program__name(program));
  return names;
}

Napi::Array ToArray(Napi::Env env, const std::vector<std::string>& names) {
  Napi::Array array = Napi::Array::New(env, names.size());
  for (std::size_t i = 0; i < names.size(); ++i) array.Set(static_cast<std::uint32_t>(i), names[i]);
  return array;
}

}  // namespace

Napi::Function BpfObject::DefineClass(Napi::Env env) {
  return ObjectWrap<BpfObject>::DefineClass(
      env, "BpfObject",
      {
          InstanceMethod<&BpfObject::JS_setConst>("setConst"),
          InstanceMethod<&BpfObject::JS_setMaxEntries>("setMaxEntries"),
          InstanceMethod<&BpfObject::JS_reuseMap>("reuseMap"),
          InstanceMethod<&BpfObject::JS_load>("load"),
          InstanceMethod<&BpfObject::JS_map>("map"),
          InstanceMethod<&BpfObject::JS_program>("program"),
          InstanceMethod<&BpfObject::JS_mapNames>("mapNames"),
          InstanceMethod<&BpfObject::JS_pinnedMapNames>("pinnedMapNames"),
          InstanceMethod<&BpfObject::JS_pinConflicts>("pinConflicts"),
          InstanceMethod<&BpfObject::JS_programNames>("programNames"),
          InstanceMethod<&BpfObject::JS_close>("close"),
          InstanceAccessor<&BpfObject::JS_path>("path"),
          InstanceAccessor<&BpfObject::JS_loaded>("loaded"),
          InstanceAccessor<&BpfObject::JS_closed>("closed"),
      });
}

BpfObject::BpfObject(const Napi::CallbackInfo& info)
    : ObjectWrap<BpfObject>(info), state_(StateOf(info.Env())) {
  path_ = ArgString(info, 0, "path");
  const std::optional<Napi::Object> options = ArgOptions(info, 1, "options");
  const std::optional<std::string> pin_root = options ? OptionString(*options, "pinRoot") : std::nullopt;
  const bool pin = (options ? OptionBool(*options, "pin") : std::nullopt).value_or(true);
  LibbpfCall call(state_.log);
  if (const int err = Open(pin_root, pin); err < 0) ThrowBpfError(info.Env(), "open", err, path_, call.Tail(kLoadLogLines));
  state_.objects.insert(this);
}

BpfObject::~BpfObject() { Close(); }

int BpfObject::Open(const std::optional<std::string>& pin_root, bool pin) {
  bpf_object_open_opts opts;
  std::memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  // libbpf turns this into each LIBBPF_PIN_BY_NAME map's pin path at open.
  if (pin_root) opts.pin_root_path = pin_root->c_str();
  bpf_object* object = bpf_object__open_file(path_.c_str(), &opts);
  if (object == nullptr) return -errno;
  object_.reset(object);
  // A map without a pin path is neither reused from nor pinned to bpffs.
  bpf_map* map;
  if (!pin) bpf_object__for_each_map(map, object) bpf_map__set_pin_path(map, nullptr);
  return 0;
}

void BpfObject::Close() {
  if (!object_) return;
  const std::set<ObjectChild*> links = std::move(links_);
  links_.clear();
  for (ObjectChild* link : links) link->ParentClosing();
  const std::set<ObjectChild*> handles = std::move(handles_);
  handles_.clear();
  for (ObjectChild* handle : handles) handle->ParentClosing();
  object_.reset();
  state_.objects.erase(this);
}

void BpfObject::Adopt(ObjectChild* child, bool is_link) { (is_link ? links_ : handles_).insert(child); }

void BpfObject::Release(ObjectChild* child) {
  links_.erase(child);
  handles_.erase(child);
}

int BpfObject::Load() {
  const int err = bpf_object__load(object_.get());
  if (err == 0) loaded_ = true;
  return err;
}

int BpfObject::SetMaxEntries(bpf_map* map, std::uint32_t entries) { return bpf_map__set_max_entries(map, entries); }

// libbpf dups the fd, so the other map's owner may close it at any time.
int BpfObject::ReuseMap(bpf_map* map, int fd) { return bpf_map__reuse_fd(map, fd); }

bpf_object* BpfObject::Require(const char* op, bool before_load) {
  if (!object_) ThrowBpfState(Env(), op, EBADF, "BpfObject " + path_ + " is closed");
  if (before_load && loaded_) ThrowBpfState(Env(), op, EBUSY, "BpfObject " + path_ + " is already loaded");
  return object_.get();
}

bpf_map* BpfObject::RequireMap(const char* op, const std::string& name, bool before_load) {
  bpf_map* map = bpf_object__find_map_by_name(Require(op, before_load), name.c_str());
  if (map == nullptr) ThrowBpfState(Env(), op, ENOENT, "no map '" + name + "' in " + path_);
  return map;
}

Napi::Value BpfObject::JS_setConst(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "name");
  const ByteView value = ArgBytes(info, 1, "value");
  bpf_object* object = Require("set const", true);
  RodataVar var;
  if (FindRodataVar(object, name, &var) < 0) {
    ThrowBpfState(info.Env(), "set const", ENOENT, "no const volatile '" + name + "' in .rodata of " + path_);
  }
  if (value.size != var.size) {
    ThrowBpfState(info.Env(), "set const", EINVAL,
                  "'" + name + "' is " + std::to_string(var.size) + " bytes, got " + std::to_string(value.size));
  }
  LibbpfCall call(state_.log);
  if (const int err = WriteRodataVar(var, value.data, value.size); err < 0) {
    ThrowBpfError(info.Env(), "set const", err, name);
  }
  return info.Env().Undefined();
}

Napi::Value BpfObject::JS_setMaxEntries(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "mapName");
  const std::uint32_t entries = ArgUint32(info, 1, "maxEntries");
  bpf_map* map = RequireMap("set max entries", name, true);
  LibbpfCall call(state_.log);
  if (const int err = SetMaxEntries(map, entries); err < 0) {
    ThrowBpfError(info.Env(), "set max entries", err, "map '" + name + "'");
  }
  return info.Env().Undefined();
}

Napi::Value BpfObject::JS_reuseMap(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "mapName");
  const BpfMap* other = BpfMap::FromValue(state_, info[1]);
  if (other == nullptr) throw Napi::TypeError::New(info.Env(), "other must be a BpfMap");
  bpf_map* map = RequireMap("reuse map", name, true);
  const int fd = other->fd();
  if (fd < 0) ThrowBpfState(info.Env(), "reuse map", EBADF, "the map to reuse is closed or not loaded");
  LibbpfCall call(state_.log);
  if (const int err = ReuseMap(map, fd); err < 0) {
    ThrowBpfError(info.Env(), "reuse map", err, "map '" + name + "'", call.Tail(kLoadLogLines));
  }
  return info.Env().Undefined();
}

Napi::Value BpfObject::JS_load(const Napi::CallbackInfo& info) {
  Require("load", true);
  LibbpfCall call(state_.log);
  if (const int err = Load(); err < 0) ThrowBpfError(info.Env(), "load", err, path_, call.Tail(kLoadLogLines));
  return info.Env().Undefined();
}

Napi::Value BpfObject::JS_map(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "name");
  return BpfMap::New(info.Env(), *this, RequireMap("map", name, false));
}

Napi::Value BpfObject::JS_program(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "name");
  bpf_program* program = bpf_object__find_program_by_name(Require("program"), name.c_str());
  if (program == nullptr) ThrowBpfState(info.Env(), "program", ENOENT, "no program '" + name + "' in " + path_);
  return BpfProgram::New(info.Env(), *this, program);
}

Napi::Value BpfObject::JS_mapNames(const Napi::CallbackInfo& info) {
  return ToArray(info.Env(), MapNames(Require("map names")));
}

Napi::Value BpfObject::JS_pinConflicts(const Napi::CallbackInfo& info) {
  return ToArray(info.Env(), PinConflicts(Require("pin conflicts")));
}

Napi::Value BpfObject::JS_pinnedMapNames(const Napi::CallbackInfo& info) {
  return ToArray(info.Env(), PinnedMapNames(Require("pinned map names")));
}

Napi::Value BpfObject::JS_programNames(const Napi::CallbackInfo& info) {
  return ToArray(info.Env(), ProgramNames(Require("program names")));
}

Napi::Value BpfObject::JS_close(const Napi::CallbackInfo& info) {
  LibbpfCall call(state_.log);
  Close();
  return info.Env().Undefined();
}

Napi::Value BpfObject::JS_path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }

Napi::Value BpfObject::JS_loaded(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), object_ && loaded_);
}

Napi::Value BpfObject::JS_closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !object_);
}

}  // namespace vrf_agent
