#include "log.h"

#include <cstdarg>
#include <cstdio>
#include <utility>

namespace vrf_agent {

namespace {

// A verifier log can run to thousands of lines; error messages quote only
// the tail, so older lines are dropped as they arrive.
constexpr std::size_t kKeptLines = 400;

thread_local LibbpfLog* t_log = nullptr;

std::string Format(const char* format, va_list args) {
  va_list sizing;
  va_copy(sizing, args);
  const int length = std::vsnprintf(nullptr, 0, format, sizing);
  va_end(sizing);
  if (length <= 0) return {};
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.resize(static_cast<std::size_t>(length));
  return text;
}

int RouteLibbpfPrint(libbpf_print_level level, const char* format, va_list args) {
  LibbpfLog* log = t_log;
  if (log != nullptr) log->Receive(level, Format(format, args));
  return 0;
}

const char* LevelName(libbpf_print_level level) {
  switch (level) {
    case LIBBPF_WARN: return "warn";
    case LIBBPF_INFO: return "info";
    default: return "debug";
  }
}

}  // namespace

void LibbpfLog::AttachToThisThread() {
  t_log = this;
  // Idempotent: every environment installs the same hook.
  libbpf_set_print(RouteLibbpfPrint);
}

void LibbpfLog::DetachFromThisThread() {
  if (t_log == this) t_log = nullptr;
}

void LibbpfLog::SetLogger(Napi::Function logger) { logger_ = Napi::Persistent(logger); }

void LibbpfLog::ClearLogger() { logger_.Reset(); }

void LibbpfLog::Receive(libbpf_print_level level, std::string message) {
  if (call_depth_ == 0) return;
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (level != LIBBPF_DEBUG) {
    std::size_t start = 0;
    while (start <= message.size()) {
      std::size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      lines_.push_back(message.substr(start, end - start));
      if (lines_.size() > kKeptLines) lines_.pop_front();
      start = end + 1;
    }
  }
  // A logger that itself calls the addon would recurse into libbpf; its
  // messages are still captured above, just not forwarded again.
  if (logger_.IsEmpty() || forwarding_) return;
  forwarding_ = true;
  try {
    logger_.Call({Napi::String::New(env_, LevelName(level)), Napi::String::New(env_, message)});
  } catch (const Napi::Error&) {
    // An exception must not unwind through libbpf's C frames, and a broken
    // logger must not fail the BPF operation it was only observing.
  }
  forwarding_ = false;
}

LibbpfCall::LibbpfCall(LibbpfLog& log) : log_(log) {
  if (log_.call_depth_++ == 0) log_.lines_.clear();
}

LibbpfCall::~LibbpfCall() { --log_.call_depth_; }

std::string LibbpfCall::Tail(std::size_t count) const {
  const auto& lines = log_.lines_;
  const std::size_t first = lines.size() > count ? lines.size() - count : 0;
  std::string tail;
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (!tail.empty()) tail += '\n';
    tail += lines[i];
  }
  return tail;
}

}  // namespace vrf_agent
