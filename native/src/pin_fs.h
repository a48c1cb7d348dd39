// The file-system side of pinning that Node cannot do itself: mounting a
// bpffs where none is, and an advisory lock on the pin folder, held by the
// running agent and tested by `vrf-agent cleanup`.
#ifndef VRF_AGENT_NATIVE_PIN_FS_H
#define VRF_AGENT_NATIVE_PIN_FS_H

#include <napi.h>

namespace vrf_agent {

// mountBpffs(path): mount -t bpf bpf <path>, mode 0700. Throws BpfError.
Napi::Value MountBpffsJs(const Napi::CallbackInfo& info);

// tryLock(fd): flock(fd, LOCK_EX | LOCK_NB); false when another holder has
// it. The lock lasts as long as the descriptor stays open, so it ends with
// the process however the process ends.
Napi::Value TryLockJs(const Napi::CallbackInfo& info);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_PIN_FS_H
