// BpfMap: a map of a BpfObject, read and written by fd once loaded.
#ifndef VRF_AGENT_NATIVE_MAP_H
#define VRF_AGENT_NATIVE_MAP_H

#include <bpf/libbpf.h>
#include <napi.h>

#include <string>

#include "args.h"
#include "env.h"
#include "map_ops.h"
#include "object.h"

namespace vrf_agent {

class BpfMap : public Napi::ObjectWrap<BpfMap>, public ObjectChild {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object New(Napi::Env env, BpfObject& parent, bpf_map* map);
  // The wrapper behind `value` if it is a BpfMap of this environment.
  static BpfMap* FromValue(EnvState& state, Napi::Value value);

  explicit BpfMap(const Napi::CallbackInfo& info);
  ~BpfMap() override;
  void ParentClosing() override;

  // -1 when closed or not loaded yet.
  int fd() const;

 private:
  void Close();
  // What libbpf says about the map now; the map must be open.
  MapShape ReadShape() const;
  int Pin(const std::string& path);
  int Unpin(const std::string& path);
  // Throws BpfError unless the map is open and loaded.
  MapShape Require(const char* op) const;
  ByteView RequireKey(const Napi::CallbackInfo& info, std::size_t index, const MapShape& shape) const;
  // Throws BpfError unless the value is a whole number of u64s.
  void RequireU64Words(const char* op, const MapShape& shape) const;

  Napi::Value JS_lookup(const Napi::CallbackInfo& info);
  Napi::Value JS_update(const Napi::CallbackInfo& info);
  Napi::Value JS_delete(const Napi::CallbackInfo& info);
  Napi::Value JS_keys(const Napi::CallbackInfo& info);
  Napi::Value JS_sumU64(const Napi::CallbackInfo& info);
  Napi::Value JS_sumAllU64(const Napi::CallbackInfo& info);
  Napi::Value JS_pin(const Napi::CallbackInfo& info);
  Napi::Value JS_unpin(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);
  Napi::Value JS_maxEntries(const Napi::CallbackInfo& info);
  Napi::Value JS_fd(const Napi::CallbackInfo& info);

  BpfObject* parent_ = nullptr;
  Napi::ObjectReference parent_ref_;
  bpf_map* map_ = nullptr;
  std::string name_;
  MapShape shape_;  // as of construction, or of close once closed
  SumAllScratch scratch_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_MAP_H
