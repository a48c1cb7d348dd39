#include "netlink.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "handles.h"

namespace vrf_agent {

namespace {

struct FilterDumpRequest {
  nlmsghdr header;
  tcmsg message;
};

int SendDump(int fd, int ifindex, std::uint32_t parent, std::uint32_t seq) {
  FilterDumpRequest request;
  std::memset(&request, 0, sizeof(request));
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(tcmsg));
  request.header.nlmsg_type = RTM_GETTFILTER;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  request.message.tcm_family = AF_UNSPEC;
  request.message.tcm_ifindex = ifindex;
  request.message.tcm_parent = parent;
  if (send(fd, &request, request.header.nlmsg_len, 0) < 0) return -errno;
  return 0;
}

// Returns 1 when the dump is complete, 0 to keep reading, or -errno.
int CountBatch(const char* data, std::size_t size, std::uint32_t seq, std::size_t* count) {
  int remaining = static_cast<int>(size);
  for (auto* header = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(header, remaining);
       header = NLMSG_NEXT(header, remaining)) {
    if (header->nlmsg_seq != seq) continue;
    if (header->nlmsg_type == NLMSG_DONE) {
      // A dump that failed midway says so in the DONE message's payload.
      int error = 0;
      if (header->nlmsg_len >= NLMSG_LENGTH(sizeof(error))) std::memcpy(&error, NLMSG_DATA(header), sizeof(error));
      return error < 0 ? error : 1;
    }
    if (header->nlmsg_type == NLMSG_ERROR) {
      const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
      return error->error != 0 ? error->error : 1;
    }
    if (header->nlmsg_type == RTM_NEWTFILTER) ++*count;
  }
  return 0;
}

}  // namespace

int CountTcFilters(int ifindex, std::uint32_t parent, std::size_t* count) {
  *count = 0;
  UniqueFd socket_fd = AdoptFd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!socket_fd) return -errno;
  const int fd = socket_fd.get().get();
  constexpr std::uint32_t kSeq = 1;
  if (int err = SendDump(fd, ifindex, parent, kSeq); err < 0) return err;

  std::vector<char> buffer(32 * 1024);
  for (;;) {
    const ssize_t received = recv(fd, buffer.data(), buffer.size(), 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (received == 0) return -EPROTO;
    const int state = CountBatch(buffer.data(), static_cast<std::size_t>(received), kSeq, count);
    if (state < 0) return state;
    if (state == 1) return 0;
  }
}

}  // namespace vrf_agent
