// BPF_PROG_TEST_RUN of a loaded program on caller-supplied data and
// context. No N-API here; errors are -errno.
#ifndef VRF_AGENT_NATIVE_TEST_RUN_H
#define VRF_AGENT_NATIVE_TEST_RUN_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "args.h"

namespace vrf_agent {

struct TestRunInput {
  ByteView data;
  std::optional<ByteView> ctx;
  std::uint32_t repeat = 1;
};

struct TestRunOutput {
  std::uint32_t retval = 0;
  std::uint32_t duration_ns = 0;
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> ctx;
};

// Room the output packet gets beyond the input: enough for encapsulation
// headers a tc program might push. A bigger result fails with -ENOSPC
// rather than being re-run, since a re-run would repeat map side effects.
inline constexpr std::size_t kTestRunHeadroom = 4096;

int TestRun(int prog_fd, const TestRunInput& input, TestRunOutput* output);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_TEST_RUN_H
