#include "listen_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "args.h"
#include "error.h"
#include "handles.h"

namespace vrf_agent {

namespace {

// Node's own default backlog.
constexpr int kBacklog = 511;

struct Address {
  sockaddr_storage storage{};
  socklen_t size = 0;
  int family = AF_INET6;
};

bool ParseAddress(const std::string& host, std::uint16_t port, Address* out) {
  std::memset(&out->storage, 0, sizeof(out->storage));
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  if (host.empty()) {
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_any;
    v6->sin6_port = htons(port);
    out->size = sizeof(*v6);
    out->family = AF_INET6;
    return true;
  }
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out->size = sizeof(*v4);
    out->family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out->size = sizeof(*v6);
    out->family = AF_INET6;
    return true;
  }
  return false;
}

}  // namespace

Napi::Value ListenOnDeviceJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string host = ArgString(info, 0, "host");
  const std::uint32_t port = ArgUint32(info, 1, "port");
  const std::string device = ArgString(info, 2, "device");
  Address address;
  if (port > 65535 || !ParseAddress(host, static_cast<std::uint16_t>(port), &address)) {
    ThrowBpfState(env, "listen on device", EINVAL, "'" + host + "' is not an IP address");
  }
  UniqueFd fd = AdoptFd(socket(address.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) ThrowBpfError(env, "listen on device: socket", errno);
  const int on = 1;
  const int off = 0;
  // As Node and Go listen: a restart binds again at once, and "any" takes both families.
  if (setsockopt(fd.get().get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
    ThrowBpfError(env, "listen on device: SO_REUSEADDR", errno);
  }
  if (address.family == AF_INET6 && host.empty() &&
      setsockopt(fd.get().get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) != 0) {
    ThrowBpfError(env, "listen on device: IPV6_V6ONLY", errno);
  }
  if (setsockopt(fd.get().get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                 static_cast<socklen_t>(device.size())) != 0) {
    ThrowBpfError(env, "listen on device: SO_BINDTODEVICE", errno, device);
  }
  if (bind(fd.get().get(), reinterpret_cast<const sockaddr*>(&address.storage), address.size) != 0) {
    ThrowBpfError(env, "listen on device: bind", errno, (host.empty() ? "*" : host) + ":" + std::to_string(port));
  }
  if (listen(fd.get().get(), kBacklog) != 0) ThrowBpfError(env, "listen on device: listen", errno);
  return Napi::Number::New(env, fd.release().get());
}

}  // namespace vrf_agent
