#include "pin_fs.h"

#include <sys/file.h>
#include <sys/mount.h>

#include <cerrno>
#include <string>

#include "args.h"
#include "error.h"

namespace vrf_agent {

Napi::Value MountBpffsJs(const Napi::CallbackInfo& info) {
  const std::string path = ArgString(info, 0, "path");
  // 0700: pins give whoever can open them the agent's maps; only root and the agent.
  if (mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0) {
    ThrowBpfError(info.Env(), "mount bpffs", errno, path);
  }
  return info.Env().Undefined();
}

Napi::Value TryLockJs(const Napi::CallbackInfo& info) {
  const int fd = static_cast<int>(ArgUint32(info, 0, "fd"));
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Boolean::New(info.Env(), true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
  ThrowBpfError(info.Env(), "lock", errno);
}

}  // namespace vrf_agent
