// Per-environment state (N-API instance data) and the module-level
// functions that act on it. Nothing here is static: each worker thread's
// environment gets its own.
#ifndef VRF_AGENT_NATIVE_ENV_H
#define VRF_AGENT_NATIVE_ENV_H

#include <napi.h>

#include <set>

#include "log.h"
#include "tc.h"

namespace vrf_agent {

class BpfObject;

struct EnvState {
  explicit EnvState(Napi::Env env) : log(env) {}

  LibbpfLog log;
  TcState tc;
  // Constructors of the classes only the addon instantiates.
  Napi::FunctionReference map_class;
  Napi::FunctionReference program_class;
  Napi::FunctionReference link_class;
  // Open objects, closed (links first) by the environment cleanup hook.
  std::set<BpfObject*> objects;
};

// Creates the state, routes libbpf's log to it and registers the cleanup
// hook that closes whatever is still open when the environment ends.
EnvState& SetUpEnvState(Napi::Env env);
EnvState& StateOf(Napi::Env env);

Napi::Value TcxSupportedJs(const Napi::CallbackInfo& info);
Napi::Value SetLoggerJs(const Napi::CallbackInfo& info);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_ENV_H
