// An rtnetlink socket opened in the calling thread's network namespace, on
// libmnl: the plumbing (requests, sequence numbers, multipart dumps,
// acknowledgements) that every inventory question shares.
#ifndef VRF_AGENT_NATIVE_RTNL_SOCKET_H
#define VRF_AGENT_NATIVE_RTNL_SOCKET_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

namespace vrf_agent {

struct MnlSocketCloser {
  void operator()(mnl_socket* socket) const { mnl_socket_close(socket); }
};

// Called for each message of a dump or a batch of notifications.
using MessageHandler = std::function<void(const nlmsghdr*)>;

class RtnlSocket {
 public:
  // Opens and binds a NETLINK_ROUTE socket. Returns nullptr with *err set
  // (negative errno) on failure.
  static std::unique_ptr<RtnlSocket> Open(int* err);

  int fd() const { return mnl_socket_get_fd(socket_.get()); }

  // Strict dump checking (Linux 4.20): the kernel honours the filters in a
  // dump request (RTA_TABLE, IFLA_MASTER) instead of ignoring them.
  int EnableStrictDumps();
  // Joins multicast groups (RTNLGRP_*), one setsockopt each, since group
  // numbers past 32 do not fit bind()'s mask.
  int Join(std::initializer_list<unsigned> groups);
  // A receive buffer big enough for a burst; above rmem_max only with
  // CAP_NET_ADMIN (SO_RCVBUFFORCE), else as much as the sysctl allows.
  void GrowReceiveBuffer(int bytes);
  // Drops route notifications of the main and local tables in the kernel,
  // before they are queued: a full Internet table's churn never wakes us.
  int FilterOutMainAndLocalRoutes();
  int RemoveFilter();

  // Sends `request` (a complete message; seq is set here) as a dump and
  // hands every answer to `handler`. *interrupted says whether the kernel
  // flagged the dump as inconsistent (NLM_F_DUMP_INTR): it changed while
  // being dumped and should be read again. Returns 0 or negative errno.
  int Dump(nlmsghdr* request, const MessageHandler& handler, bool* interrupted);

  // One non-blocking read of whatever notifications are queued. Returns the
  // bytes read, 0 when none are queued, or negative errno (-ENOBUFS when
  // the kernel dropped notifications because the buffer was full).
  long ReadNotifications(std::vector<char>* buffer);

 private:
  explicit RtnlSocket(mnl_socket* socket) : socket_(socket) {}

  std::unique_ptr<mnl_socket, MnlSocketCloser> socket_;
  std::uint32_t seq_ = 0;
  // Kept between dumps: a VRF's table is one small dump of thousands.
  std::vector<char> dump_buffer_;
};

// Calls `handler` for every message in a buffer of notifications.
void ForEachMessage(const std::vector<char>& buffer, long size, const MessageHandler& handler);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_RTNL_SOCKET_H
