// Map reads and writes by fd, sized for per-CPU values, and the u64 summing
// behind the scrape path. No N-API here; errors are -errno.
#ifndef VRF_AGENT_NATIVE_MAP_OPS_H
#define VRF_AGENT_NATIVE_MAP_OPS_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vrf_agent {

struct MapShape {
  int fd = -1;
  std::uint32_t type = 0;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  bool per_cpu = false;
  // libbpf_num_possible_cpus(): the kernel copies one slot per possible
  // CPU, not per online CPU.
  std::uint32_t cpus = 1;

  // The kernel pads each per-CPU slot to 8 bytes.
  std::size_t slot_size() const { return per_cpu ? (value_size + 7u) / 8u * 8u : value_size; }
  std::size_t slots() const { return per_cpu ? cpus : 1; }
  // What one lookup returns and one update takes.
  std::size_t full_value_size() const { return slot_size() * slots(); }
  std::size_t words() const { return value_size / 8; }
};

bool IsPerCpuMapType(std::uint32_t type);

// 0 and the full value, -ENOENT when the key is absent, or -errno.
int LookupValue(const MapShape& shape, const void* key, std::vector<std::uint8_t>* value);

// `value` is a full value (all CPUs' slots for per-CPU maps). 0 or -errno.
int UpdateValue(const MapShape& shape, const void* key, const void* value, std::uint32_t flags);

// 0, -ENOENT when the key was absent, or -errno.
int DeleteKey(const MapShape& shape, const void* key);

// Every key, concatenated, via get_next_key. Returns 0 or -errno.
int ListKeys(const MapShape& shape, std::vector<std::uint8_t>* keys, std::size_t* count);

// Adds the element-wise sum over CPU slots of one full value to `out`
// (shape.words() u64s).
void AddSlotsAsU64(const MapShape& shape, const std::uint8_t* value, std::uint64_t* out);

// Scratch buffers kept by the caller between scrapes so the hot path does
// not allocate; `batch_unsupported` remembers a kernel that said no.
struct SumAllScratch {
  std::vector<std::uint8_t> keys;
  std::vector<std::uint8_t> values;
  bool batch_unsupported = false;
};

// For array maps: writes max_entries * words() u64s, entry after entry, each
// the sum over CPUs. Uses BPF_MAP_LOOKUP_BATCH when allowed and supported,
// per-key lookups otherwise. Returns 0 or -errno.
int SumAllU64(const MapShape& shape, bool allow_batch, SumAllScratch* scratch, std::uint64_t* out);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_MAP_OPS_H
