// BpfProgram: a program of a BpfObject; test runs and attachments.
#ifndef VRF_AGENT_NATIVE_PROGRAM_H
#define VRF_AGENT_NATIVE_PROGRAM_H

#include <bpf/libbpf.h>
#include <napi.h>

#include <cstdint>
#include <string>

#include "handles.h"
#include "object.h"

namespace vrf_agent {

class BpfProgram : public Napi::ObjectWrap<BpfProgram>, public ObjectChild {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object New(Napi::Env env, BpfObject& parent, bpf_program* program);

  explicit BpfProgram(const Napi::CallbackInfo& info);
  ~BpfProgram() override;
  void ParentClosing() override;

 private:
  void Close();
  // -1 when closed or not loaded yet.
  int fd() const;
  // The kernel's program id; 0 when closed or not loaded yet.
  std::uint32_t Id() const;
  int AttachTracing(BpfLinkPtr* out);
  // Throws BpfError unless the program is open and loaded; returns its fd.
  int Require(const char* op) const;

  Napi::Value JS_testRun(const Napi::CallbackInfo& info);
  Napi::Value JS_attachTc(const Napi::CallbackInfo& info);
  Napi::Value JS_attachTracing(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);
  Napi::Value JS_fd(const Napi::CallbackInfo& info);
  Napi::Value JS_id(const Napi::CallbackInfo& info);

  BpfObject* parent_ = nullptr;
  Napi::ObjectReference parent_ref_;
  bpf_program* program_ = nullptr;
  std::string name_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_PROGRAM_H
