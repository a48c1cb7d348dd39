#include "link.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "args.h"
#include "error.h"

namespace vrf_agent {

namespace {

struct LinkInit {
  BpfObject* parent = nullptr;
  BpfLink::Kind kind = BpfLink::Kind::kTracing;
  TcAttachment* tc = nullptr;
  BpfLinkPtr* tracing = nullptr;
};

const char* KindName(BpfLink::Kind kind) {
  switch (kind) {
    case BpfLink::Kind::kTcx: return "tcx";
    case BpfLink::Kind::kLegacyTc: return "legacy-tc";
    default: return "tracing";
  }
}

Napi::Object Construct(Napi::Env env, BpfObject& parent, LinkInit& init) {
  return StateOf(env).link_class.New({Napi::External<LinkInit>::New(env, &init), parent.Value()});
}

}  // namespace

Napi::Function BpfLink::DefineClass(Napi::Env env) {
  return ObjectWrap<BpfLink>::DefineClass(env, "BpfLink",
                                          {
                                              InstanceMethod<&BpfLink::JS_pin>("pin"),
                                              InstanceMethod<&BpfLink::JS_close>("close"),
                                              InstanceAccessor<&BpfLink::JS_closed>("closed"),
                                          });
}

Napi::Object BpfLink::NewTc(Napi::Env env, BpfObject& parent, TcAttachment attachment) {
  LinkInit init;
  init.parent = &parent;
  init.kind = attachment.mode == TcMode::kTcx ? Kind::kTcx : Kind::kLegacyTc;
  init.tc = &attachment;
  return Construct(env, parent, init);
}

Napi::Object BpfLink::NewTracing(Napi::Env env, BpfObject& parent, BpfLinkPtr link) {
  LinkInit init;
  init.parent = &parent;
  init.kind = Kind::kTracing;
  init.tracing = &link;
  return Construct(env, parent, init);
}

BpfLink::BpfLink(const Napi::CallbackInfo& info) : ObjectWrap<BpfLink>(info), state_(StateOf(info.Env())) {
  if (!info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "a BpfLink comes from BpfProgram.attachTc() or attachTracing()");
  }
  LinkInit& init = *info[0].As<Napi::External<LinkInit>>().Data();
  kind_ = init.kind;
  if (init.tc != nullptr) tc_ = std::move(*init.tc);
  if (init.tracing != nullptr) tracing_ = std::move(*init.tracing);
  open_ = true;
  parent_ = init.parent;
  parent_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
  parent_->Adopt(this, true);
  DescribeOn(info.This().As<Napi::Object>());
}

void BpfLink::DescribeOn(Napi::Object self) {
  Napi::Env env = self.Env();
  const auto value = [](const char* name, Napi::Value v) {
    return Napi::PropertyDescriptor::Value(name, v, napi_enumerable);
  };
  self.DefineProperty(value("kind", Napi::String::New(env, KindName(kind_))));
  if (kind_ != Kind::kTracing) {
    self.DefineProperty(value("ifindex", Napi::Number::New(env, tc_.ifindex)));
    self.DefineProperty(
        value("direction", Napi::String::New(env, tc_.direction == TcDirection::kIngress ? "ingress" : "egress")));
  }
  if (kind_ == Kind::kLegacyTc) {
    self.DefineProperty(value("handle", Napi::Number::New(env, tc_.handle)));
    self.DefineProperty(value("priority", Napi::Number::New(env, tc_.priority)));
    return;
  }
  if (const std::uint32_t id = Id(); id != 0) self.DefineProperty(value("id", Napi::Number::New(env, id)));
}

std::uint32_t BpfLink::Id() const {
  bpf_link_info link_info;
  std::memset(&link_info, 0, sizeof(link_info));
  std::uint32_t length = sizeof(link_info);
  if (bpf_obj_get_info_by_fd(fd(), &link_info, &length) < 0) return 0;
  return link_info.id;
}

int BpfLink::Pin(const std::string& path) const {
  if (bpf_obj_pin(fd(), path.c_str()) < 0) return -errno;
  return 0;
}

BpfLink::~BpfLink() { Close(); }

void BpfLink::ParentClosing() {
  parent_ = nullptr;
  Close();
}

int BpfLink::Close() {
  if (!open_) return 0;
  open_ = false;
  int err = 0;
  if (kind_ == Kind::kTracing) {
    tracing_.reset();
  } else {
    err = DetachTc(state_.tc, tc_);
  }
  if (parent_ != nullptr) parent_->Release(this);
  parent_ = nullptr;
  parent_ref_.Reset();
  return err;
}

int BpfLink::fd() const {
  if (!open_) return -1;
  if (kind_ == Kind::kTracing) return bpf_link__fd(tracing_.get());
  if (kind_ == Kind::kTcx) return tc_.tcx_link.get().get();
  return -1;
}

Napi::Value BpfLink::JS_pin(const Napi::CallbackInfo& info) {
  const std::string path = ArgString(info, 0, "path");
  if (!open_) ThrowBpfState(info.Env(), "link pin", EBADF, "BpfLink is closed");
  if (kind_ == Kind::kLegacyTc) {
    ThrowBpfState(info.Env(), "link pin", EOPNOTSUPP, "a legacy tc filter is not a BPF link and cannot be pinned");
  }
  if (const int err = Pin(path); err < 0) ThrowBpfError(info.Env(), "link pin", err, path);
  return info.Env().Undefined();
}

Napi::Value BpfLink::JS_close(const Napi::CallbackInfo& info) {
  LibbpfCall call(state_.log);
  const bool legacy = kind_ == Kind::kLegacyTc;
  const int ifindex = tc_.ifindex;
  if (const int err = Close(); err < 0) {
    ThrowBpfError(info.Env(), legacy ? "detach legacy tc" : "detach", err, "ifindex " + std::to_string(ifindex));
  }
  return info.Env().Undefined();
}

Napi::Value BpfLink::JS_closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !open_); }

}  // namespace vrf_agent
