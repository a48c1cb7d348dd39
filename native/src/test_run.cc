#include "test_run.h"

#include <bpf/bpf.h>

#include <cstring>

namespace vrf_agent {

int TestRun(int prog_fd, const TestRunInput& input, TestRunOutput* output) {
  output->data.resize(input.data.size + kTestRunHeadroom);
  bpf_test_run_opts opts;
  std::memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.data_in = input.data.data;
  opts.data_size_in = static_cast<std::uint32_t>(input.data.size);
  opts.data_out = output->data.data();
  opts.data_size_out = static_cast<std::uint32_t>(output->data.size());
  if (input.ctx) {
    output->ctx.resize(input.ctx->size);
    opts.ctx_in = input.ctx->data;
    opts.ctx_size_in = static_cast<std::uint32_t>(input.ctx->size);
    opts.ctx_out = output->ctx.data();
    opts.ctx_size_out = static_cast<std::uint32_t>(output->ctx.size());
  }
  opts.repeat = static_cast<int>(input.repeat);
  const int err = bpf_prog_test_run_opts(prog_fd, &opts);
  if (err < 0) return err;
  output->retval = opts.retval;
  output->duration_ns = opts.duration;
  output->data.resize(opts.data_size_out);
  if (input.ctx) output->ctx.resize(opts.ctx_size_out);
  return 0;
}

}  // namespace vrf_agent
