#include "rtnl_socket.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

namespace vrf_agent {

namespace {

// Big enough that the kernel fills each read of a dump with many messages.
constexpr std::size_t kDumpBuffer = 256 * 1024;

struct DumpState {
  const MessageHandler* handler;
  bool interrupted = false;
  // A dump that failed says so in the payload of its NLMSG_DONE, which
  // libmnl's default handler ignores.
  int done_error = 0;
};

int OnDone(const nlmsghdr* header, void* data) {
  auto* state = static_cast<DumpState*>(data);
  if (header->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
    state->done_error = *static_cast<const int*>(mnl_nlmsg_get_payload(header));
  }
  return MNL_CB_STOP;
}

int OnError(const nlmsghdr* header, void*) {
  if (header->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
    errno = EBADMSG;
    return MNL_CB_ERROR;
  }
  const int error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header))->error;
  if (error == 0) return MNL_CB_STOP;
  errno = -error;
  return MNL_CB_ERROR;
}

int OnDumpMessage(const nlmsghdr* header, void* data) {
  auto* state = static_cast<DumpState*>(data);
  if (header->nlmsg_flags & NLM_F_DUMP_INTR) state->interrupted = true;
  (*state->handler)(header);
  return MNL_CB_OK;
}

}  // namespace

std::unique_ptr<RtnlSocket> RtnlSocket::Open(int* err) {
  mnl_socket* socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (socket == nullptr) {
    *err = -errno;
    return nullptr;
  }
  std::unique_ptr<RtnlSocket> opened(new RtnlSocket(socket));
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    *err = -errno;
    return nullptr;
  }
  *err = 0;
  return opened;
}

int RtnlSocket::EnableStrictDumps() {
  int on = 1;
  if (mnl_socket_setsockopt(socket_.get(), NETLINK_GET_STRICT_CHK, &on, sizeof(on)) < 0) return -errno;
  // Error messages from the kernel then say what it did not like.
  mnl_socket_setsockopt(socket_.get(), NETLINK_EXT_ACK, &on, sizeof(on));
  return 0;
}

int RtnlSocket::Join(std::initializer_list<unsigned> groups) {
  for (unsigned group : groups) {
    if (mnl_socket_setsockopt(socket_.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) return -errno;
  }
  return 0;
}

void RtnlSocket::GrowReceiveBuffer(int bytes) {
  if (setsockopt(fd(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0) return;
  setsockopt(fd(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

int RtnlSocket::FilterOutMainAndLocalRoutes() {
  // Classic BPF loads halfwords in network order, so the types are compared
  // byte-swapped; rtm_table is one byte (tables past 255 say RT_TABLE_COMPAT
  // there and pass, to be told apart by RTA_TABLE in user space).
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(nlmsghdr, nlmsg_type)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWROUTE), 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELROUTE), 0, 3),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_LENGTH(0) + offsetof(rtmsg, rtm_table)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RT_TABLE_MAIN, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RT_TABLE_LOCAL, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
  if (setsockopt(fd(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0) return -errno;
  return 0;
}

int RtnlSocket::RemoveFilter() {
  int unused = 0;
  if (setsockopt(fd(), SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof(unused)) < 0 && errno != ENOENT) return -errno;
  return 0;
}

int RtnlSocket::Dump(nlmsghdr* request, const MessageHandler& handler, bool* interrupted) {
  request->nlmsg_seq = ++seq_;
  request->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
  if (mnl_socket_sendto(socket_.get(), request, request->nlmsg_len) < 0) return -errno;
  const unsigned portid = mnl_socket_get_portid(socket_.get());
  std::vector<char>& buffer = dump_buffer_;
  buffer.resize(kDumpBuffer);
  DumpState state{&handler};
  for (;;) {
    const ssize_t received = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    mnl_cb_t control[NLMSG_MIN_TYPE] = {};
    control[NLMSG_DONE] = OnDone;
    control[NLMSG_ERROR] = OnError;
    const int result = mnl_cb_run2(buffer.data(), static_cast<std::size_t>(received), seq_, portid, OnDumpMessage,
                                   &state, control, NLMSG_MIN_TYPE);
    if (result == MNL_CB_STOP) break;
    if (result < 0) return -errno;
  }
  *interrupted = state.interrupted;
  return state.done_error < 0 ? state.done_error : 0;
}

long RtnlSocket::ReadNotifications(std::vector<char>* buffer) {
  for (;;) {
    const ssize_t received = recv(fd(), buffer->data(), buffer->size(), MSG_DONTWAIT);
    if (received >= 0) return received;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -errno;
  }
}

void ForEachMessage(const std::vector<char>& buffer, long size, const MessageHandler& handler) {
  int remaining = static_cast<int>(size);
  for (auto* header = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(header, remaining);
       header = mnl_nlmsg_next(header, &remaining)) {
    handler(header);
  }
}

}  // namespace vrf_agent
