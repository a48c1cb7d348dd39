#include "program.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "args.h"
#include "error.h"
#include "link.h"
#include "tc.h"
#include "test_run.h"

namespace vrf_agent {

namespace {

TcDirection ParseDirection(Napi::Value value) {
  const std::string text = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (text == "ingress") return TcDirection::kIngress;
  if (text == "egress") return TcDirection::kEgress;
  throw Napi::TypeError::New(value.Env(), "direction must be \"ingress\" or \"egress\"");
}

TcMode ParseMode(Napi::Env env, const std::optional<std::string>& text) {
  if (!text || *text == "auto") return TcMode::kAuto;
  if (*text == "tcx") return TcMode::kTcx;
  if (*text == "legacy") return TcMode::kLegacy;
  throw Napi::TypeError::New(env, "mode must be \"auto\", \"tcx\" or \"legacy\"");
}

std::string TcContext(const char* step, int ifindex, TcDirection direction, const std::string& program) {
  return std::string(step) + ", ifindex " + std::to_string(ifindex) + " " +
         (direction == TcDirection::kIngress ? "ingress" : "egress") + ", program '" + program + "'";
}

}  // namespace

Napi::Function BpfProgram::DefineClass(Napi::Env env) {
  return ObjectWrap<BpfProgram>::DefineClass(env, "BpfProgram",
                                             {
                                                 InstanceMethod<&BpfProgram::JS_testRun>("testRun"),
                                                 InstanceMethod<&BpfProgram::JS_attachTc>("attachTc"),
                                                 InstanceMethod<&BpfProgram::JS_attachTracing>("attachTracing"),
                                                 InstanceMethod<&BpfProgram::JS_close>("close"),
                                                 InstanceAccessor<&BpfProgram::JS_fd>("fd"),
                                                 InstanceAccessor<&BpfProgram::JS_id>("id"),
                                             });
}

Napi::Object BpfProgram::New(Napi::Env env, BpfObject& parent, bpf_program* program) {
  ChildInit init{&parent, program};
  return StateOf(env).program_class.New({Napi::External<ChildInit>::New(env, &init), parent.Value()});
}

BpfProgram::BpfProgram(const Napi::CallbackInfo& info) : ObjectWrap<BpfProgram>(info) {
  if (!info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "a BpfProgram comes from BpfObject.program()");
  }
  const ChildInit& init = *info[0].As<Napi::External<ChildInit>>().Data();
  parent_ = init.parent;
  parent_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
  program_ = static_cast<bpf_program*>(init.handle);
  name_ = bpf_program__name(program_);
  Napi::Env env = info.Env();
  info.This().As<Napi::Object>().DefineProperties({
      Napi::PropertyDescriptor::Value("name", Napi::String::New(env, name_), napi_enumerable),
      Napi::PropertyDescriptor::Value("type", Napi::Number::New(env, bpf_program__type(program_)),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("section", Napi::String::New(env, bpf_program__section_name(program_)),
                                      napi_enumerable),
  });
  parent_->Adopt(this, false);
}

BpfProgram::~BpfProgram() { Close(); }

void BpfProgram::ParentClosing() {
  parent_ = nullptr;
  Close();
}

void BpfProgram::Close() {
  program_ = nullptr;
  if (parent_ != nullptr) parent_->Release(this);
  parent_ = nullptr;
  parent_ref_.Reset();
}

int BpfProgram::fd() const {
  if (program_ == nullptr) return -1;
  const int fd = bpf_program__fd(program_);
  return fd < 0 ? -1 : fd;
}

std::uint32_t BpfProgram::Id() const {
  const int program_fd = fd();
  bpf_prog_info program_info;
  std::memset(&program_info, 0, sizeof(program_info));
  std::uint32_t length = sizeof(program_info);
  if (program_fd < 0 || bpf_obj_get_info_by_fd(program_fd, &program_info, &length) < 0) return 0;
  return program_info.id;
}

int BpfProgram::AttachTracing(BpfLinkPtr* out) {
  bpf_link* link = bpf_program__attach(program_);
  if (link == nullptr) return -errno;
  out->reset(link);
  return 0;
}

int BpfProgram::Require(const char* op) const {
  if (program_ == nullptr) ThrowBpfState(Env(), op, EBADF, "BpfProgram '" + name_ + "' is closed");
  const int program_fd = fd();
  if (program_fd < 0) ThrowBpfState(Env(), op, EBADF, "BpfProgram '" + name_ + "' is not loaded yet");
  return program_fd;
}

Napi::Value BpfProgram::JS_testRun(const Napi::CallbackInfo& info) {
  const std::optional<Napi::Object> options = ArgOptions(info, 0, "options");
  if (!options) throw Napi::TypeError::New(info.Env(), "testRun needs { data }");
  TestRunInput input;
  const std::optional<ByteView> data = OptionBytes(*options, "data");
  if (!data) throw Napi::TypeError::New(info.Env(), "data must be a Buffer");
  input.data = *data;
  input.ctx = OptionBytes(*options, "ctx");
  input.repeat = OptionUint32(*options, "repeat").value_or(1);
  if (input.repeat > INT_MAX) throw Napi::RangeError::New(info.Env(), "repeat must be at most 2^31-1");
  const int program_fd = Require("test run");

  TestRunOutput output;
  if (const int err = TestRun(program_fd, input, &output); err < 0) {
    ThrowBpfError(info.Env(), "test run", err, "program '" + name_ + "'");
  }
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("retval", Napi::Number::New(env, output.retval));
  result.Set("durationNs", Napi::Number::New(env, output.duration_ns));
  result.Set("dataOut", Napi::Buffer<std::uint8_t>::Copy(env, output.data.data(), output.data.size()));
  if (input.ctx) result.Set("ctxOut", Napi::Buffer<std::uint8_t>::Copy(env, output.ctx.data(), output.ctx.size()));
  return result;
}

Napi::Value BpfProgram::JS_attachTc(const Napi::CallbackInfo& info) {
  const std::uint32_t ifindex = ArgUint32(info, 0, "ifindex");
  if (ifindex > INT_MAX) throw Napi::RangeError::New(info.Env(), "ifindex must be at most 2^31-1");
  const TcDirection direction = ParseDirection(info[1]);
  const std::optional<Napi::Object> options = ArgOptions(info, 2, "options");
  const TcMode requested = ParseMode(info.Env(), options ? OptionString(*options, "mode") : std::nullopt);
  const std::uint32_t priority = options ? OptionUint32(*options, "priority").value_or(0) : 0;
  if (priority > 0xffff) throw Napi::RangeError::New(info.Env(), "priority must be at most 65535");
  const int program_fd = Require("attach tc");

  EnvState& state = parent_->state();
  LibbpfCall call(state.log);
  const TcMode mode = ResolveTcMode(state.tc, requested);
  TcAttachment attachment;
  const char* step = "";
  const int err = AttachTc(state.tc, program_fd, static_cast<int>(ifindex), direction, mode, priority, &attachment,
                           &step);
  if (err < 0) {
    ThrowBpfError(info.Env(), mode == TcMode::kTcx ? "attach tcx" : "attach legacy tc", err,
                  TcContext(step, static_cast<int>(ifindex), direction, name_));
  }
  return BpfLink::NewTc(info.Env(), *parent_, std::move(attachment));
}

Napi::Value BpfProgram::JS_attachTracing(const Napi::CallbackInfo& info) {
  Require("attach tracing");
  LibbpfCall call(parent_->state().log);
  BpfLinkPtr link;
  if (const int err = AttachTracing(&link); err < 0) {
    // libbpf explains a missing attach target (BTF name, kernel function) in its log.
    ThrowBpfError(info.Env(), "attach tracing", err, "program '" + name_ + "'", call.Tail(10));
  }
  return BpfLink::NewTracing(info.Env(), *parent_, std::move(link));
}

Napi::Value BpfProgram::JS_close(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

Napi::Value BpfProgram::JS_fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd()); }

Napi::Value BpfProgram::JS_id(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), Id()); }

}  // namespace vrf_agent
