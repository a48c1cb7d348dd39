// BpfLink: one attachment of a program, tcx, legacy tc or tracing.
// Closing it detaches, unless a pin keeps a tcx or tracing link alive.
#ifndef VRF_AGENT_NATIVE_LINK_H
#define VRF_AGENT_NATIVE_LINK_H

#include <napi.h>

#include <cstdint>
#include <string>

#include "handles.h"
#include "object.h"
#include "tc.h"

namespace vrf_agent {

class BpfLink : public Napi::ObjectWrap<BpfLink>, public ObjectChild {
 public:
  enum class Kind { kTcx, kLegacyTc, kTracing };

  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object NewTc(Napi::Env env, BpfObject& parent, TcAttachment attachment);
  static Napi::Object NewTracing(Napi::Env env, BpfObject& parent, BpfLinkPtr link);

  explicit BpfLink(const Napi::CallbackInfo& info);
  ~BpfLink() override;
  void ParentClosing() override;

 private:
  // Idempotent; returns the detach error, if any, as -errno.
  int Close();
  int fd() const;
  // The kernel's link id; 0 for legacy filters, which are not links.
  std::uint32_t Id() const;
  int Pin(const std::string& path) const;
  void DescribeOn(Napi::Object self);

  Napi::Value JS_pin(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);
  Napi::Value JS_closed(const Napi::CallbackInfo& info);

  EnvState& state_;
  BpfObject* parent_ = nullptr;
  Napi::ObjectReference parent_ref_;
  Kind kind_ = Kind::kTracing;
  bool open_ = false;
  TcAttachment tc_;
  BpfLinkPtr tracing_;
};

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_LINK_H
