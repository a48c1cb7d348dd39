#include "env.h"

#include <vector>

#include "object.h"

namespace vrf_agent {

namespace {

void CloseEverything(EnvState* state) {
  const std::vector<BpfObject*> open(state->objects.begin(), state->objects.end());
  for (BpfObject* object : open) object->Close();
  state->log.DetachFromThisThread();
}

}  // namespace

EnvState& SetUpEnvState(Napi::Env env) {
  auto* state = new EnvState(env);
  env.SetInstanceData(state);
  state->log.AttachToThisThread();
  // Registered after N-API's own teardown hook, so it runs before the
  // finalizers of still-reachable wrappers: their destructors then find
  // everything closed and their parents' child lists empty.
  env.AddCleanupHook(CloseEverything, state);
  return *state;
}

EnvState& StateOf(Napi::Env env) { return *env.GetInstanceData<EnvState>(); }

Napi::Value TcxSupportedJs(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TcxSupported(StateOf(info.Env()).tc));
}

Napi::Value SetLoggerJs(const Napi::CallbackInfo& info) {
  LibbpfLog& log = StateOf(info.Env()).log;
  if (info[0].IsNull() || info[0].IsUndefined()) {
    log.ClearLogger();
  } else if (info[0].IsFunction()) {
    log.SetLogger(info[0].As<Napi::Function>());
  } else {
    throw Napi::TypeError::New(info.Env(), "logger must be a function or null");
  }
  return info.Env().Undefined();
}

}  // namespace vrf_agent
