#include "error.h"

#include <bpf/libbpf.h>

#include <cstdlib>
#include <cstring>

#include "uapi_shim.h"

namespace vrf_agent {

namespace {

// libbpf's private error space starts at LIBBPF_ERRNO__START (4000); its
// enum is public but has no name table.
const char* LibbpfErrnoName(int err) {
  switch (err) {
    case LIBBPF_ERRNO__LIBELF: return "LIBBPF_ERRNO__LIBELF";
    case LIBBPF_ERRNO__FORMAT: return "LIBBPF_ERRNO__FORMAT";
    case LIBBPF_ERRNO__KVERSION: return "LIBBPF_ERRNO__KVERSION";
    case LIBBPF_ERRNO__ENDIAN: return "LIBBPF_ERRNO__ENDIAN";
    case LIBBPF_ERRNO__INTERNAL: return "LIBBPF_ERRNO__INTERNAL";
    case LIBBPF_ERRNO__RELOC: return "LIBBPF_ERRNO__RELOC";
    case LIBBPF_ERRNO__LOAD: return "LIBBPF_ERRNO__LOAD";
    case LIBBPF_ERRNO__VERIFY: return "LIBBPF_ERRNO__VERIFY";
    case LIBBPF_ERRNO__PROG2BIG: return "LIBBPF_ERRNO__PROG2BIG";
    case LIBBPF_ERRNO__KVER: return "LIBBPF_ERRNO__KVER";
    case LIBBPF_ERRNO__PROGTYPE: return "LIBBPF_ERRNO__PROGTYPE";
    case LIBBPF_ERRNO__WRNGPID: return "LIBBPF_ERRNO__WRNGPID";
    case LIBBPF_ERRNO__INVSEQ: return "LIBBPF_ERRNO__INVSEQ";
    case LIBBPF_ERRNO__NLPARSE: return "LIBBPF_ERRNO__NLPARSE";
    default: return nullptr;
  }
}

std::string Describe(int err) {
  if (err == uapi::kEnotsupp) return "Operation not supported";
  char buf[128];
  // libbpf_strerror knows both the system errnos and libbpf's own codes.
  if (libbpf_strerror(err, buf, sizeof(buf)) == 0) return buf;
  return std::strerror(err);
}

Napi::Error MakeBpfError(Napi::Env env, const std::string& op, int err, const std::string& body) {
  Napi::Error error = Napi::Error::New(env, op + ": " + body);
  Napi::Object object = error.Value();
  object.Set("name", "BpfError");
  object.Set("op", op);
  object.Set("errno", err);
  object.Set("code", ErrnoName(err));
  return error;
}

}  // namespace

std::string ErrnoName(int err) {
  err = std::abs(err);
  if (err == uapi::kEnotsupp) return "ENOTSUPP";
  if (const char* name = LibbpfErrnoName(err)) return name;
  if (const char* name = strerrorname_np(err)) return name;
  return "E" + std::to_string(err);
}

void ThrowBpfError(Napi::Env env, const std::string& op, int err, const std::string& context,
                   const std::string& log_tail) {
  err = std::abs(err);
  std::string body = Describe(err);
  if (!context.empty()) body += " (" + context + ")";
  if (!log_tail.empty()) body += "\n" + log_tail;
  throw MakeBpfError(env, op, err, body);
}

void ThrowBpfState(Napi::Env env, const std::string& op, int err, const std::string& what) {
  throw MakeBpfError(env, op, std::abs(err), what);
}

}  // namespace vrf_agent
