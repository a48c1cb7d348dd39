// A TCP listening socket bound to one network device (SO_BINDTODEVICE), for
// Node to serve on: Node cannot set the option before it binds, and a socket
// bound to a VRF device only accepts connections routed through that VRF.
#ifndef VRF_AGENT_NATIVE_LISTEN_SOCKET_H
#define VRF_AGENT_NATIVE_LISTEN_SOCKET_H

#include <napi.h>

namespace vrf_agent {

// listenOnDevice(host, port, device): the listening socket's fd. host is an
// IPv4 or IPv6 literal, or "" for every address of both families. Throws
// BpfError naming the step that failed.
Napi::Value ListenOnDeviceJs(const Napi::CallbackInfo& info);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_LISTEN_SOCKET_H
