// Export registration only: each libbpf object kind gets its own wrapped
// class in its own file, and this entry point just wires them up.
#include <napi.h>

#include "btf_enums.h"
#include "env.h"
#include "inventory_watch.h"
#include "link.h"
#include "listen_socket.h"
#include "map.h"
#include "object.h"
#include "pin_fs.h"
#include "program.h"
#include "version.h"

namespace {

using namespace vrf_agent;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  EnvState& state = SetUpEnvState(env);
  state.map_class = Napi::Persistent(BpfMap::DefineClass(env));
  state.program_class = Napi::Persistent(BpfProgram::DefineClass(env));
  state.link_class = Napi::Persistent(BpfLink::DefineClass(env));

  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion, "libbpfVersion"));
  exports.Set("tcxSupported", Napi::Function::New(env, TcxSupportedJs, "tcxSupported"));
  exports.Set("setLogger", Napi::Function::New(env, SetLoggerJs, "setLogger"));
  exports.Set("btfEnums", Napi::Function::New(env, BtfEnumsJs, "btfEnums"));
  exports.Set("mountBpffs", Napi::Function::New(env, MountBpffsJs, "mountBpffs"));
  exports.Set("listenOnDevice", Napi::Function::New(env, ListenOnDeviceJs, "listenOnDevice"));
  exports.Set("tryLock", Napi::Function::New(env, TryLockJs, "tryLock"));
  exports.Set("BpfObject", BpfObject::DefineClass(env));
  exports.Set("InventoryWatch", InventoryWatch::DefineClass(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(vrf_agent_native, Init)
