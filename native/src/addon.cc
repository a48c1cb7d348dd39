// Export registration only: each libbpf object kind gets its own wrapped
// class in its own file, and this entry point just wires them up.
#include <napi.h>

#include "version.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("libbpfVersion",
              Napi::Function::New(env, vrf_agent::LibbpfVersion, "libbpfVersion"));
  return exports;
}

}  // namespace

NODE_API_MODULE(vrf_agent_native, Init)
