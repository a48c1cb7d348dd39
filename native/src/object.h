// BpfObject: one ELF object from open through configure and load to close.
// It is the parent of every map, program and link wrapper taken from it.
#ifndef VRF_AGENT_NATIVE_OBJECT_H
#define VRF_AGENT_NATIVE_OBJECT_H

#include <bpf/libbpf.h>
#include <napi.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "env.h"
#include "handles.h"

namespace vrf_agent {

// A wrapper that borrows libbpf pointers from a BpfObject. The parent tells
// it when those pointers are about to die.
class ObjectChild {
 public:
  // Detach (links) or forget the borrowed pointers, and drop the reference
  // to the parent, without calling back into it.
  virtual void ParentClosing() = 0;

 protected:
  ~ObjectChild() = default;
};

// Passed through a JS External to the constructors of child wrappers, which
// JS cannot call meaningfully on its own.
struct ChildInit {
  class BpfObject* parent = nullptr;
  void* handle = nullptr;
};

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

  // Idempotent: links first (they must detach while their programs exist),
  // then maps and programs, then the libbpf object.
  void Close();

  EnvState& state() const { return state_; }
  const std::string& path() const { return path_; }
  bool loaded() const { return loaded_; }
  void Adopt(ObjectChild* child, bool is_link);
  void Release(ObjectChild* child);

 private:
  int Open(const std::optional<std::string>& pin_root, bool pin);
  int Load();
  int SetMaxEntries(bpf_map* map, std::uint32_t entries);
  int ReuseMap(bpf_map* map, int fd);
  // Throws BpfError unless the object is open (and, if asked, not loaded).
  bpf_object* Require(const char* op, bool before_load = false);
  bpf_map* RequireMap(const char* op, const std::string& name, bool before_load);

  Napi::Value JS_setConst(const Napi::CallbackInfo& info);
  Napi::Value JS_setMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value JS_reuseMap(const Napi::CallbackInfo& info);
  Napi::Value JS_load(const Napi::CallbackInfo& info);
  Napi::Value JS_map(const Napi::CallbackInfo& info);
  Napi::Value JS_program(const Napi::CallbackInfo& info);
  Napi::Value JS_mapNames(const Napi::CallbackInfo& info);
  Napi::Value JS_pinnedMapNames(const Napi::CallbackInfo& info);
  Napi::Value JS_pinConflicts(const Napi::CallbackInfo& info);
  Napi::Value JS_programNames(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);
  Napi::Value JS_path(const Napi::CallbackInfo& info);
  Napi::Value JS_loaded(const Napi::CallbackInfo& info);
  Napi::Value JS_closed(const Napi::CallbackInfo& info);

  EnvState& state_;
  std::string path_;
  BpfObjectPtr object_;
  bool loaded_ = false;
  std::set<ObjectChild*> links_;
  std::set<ObjectChild*> handles_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_OBJECT_H
