#include "map_ops.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "uapi_shim.h"

namespace vrf_agent {

namespace {

bool BatchUnsupported(int err) { return err == -EINVAL || err == -uapi::kEnotsupp || err == -EOPNOTSUPP; }

// Returns the number of entries read, or -errno. An array's keys are its
// indexes; the kernel returns them in order, but the keys are used anyway.
int SumBatch(const MapShape& shape, SumAllScratch* scratch, std::uint64_t* out) {
  const std::size_t value_size = shape.full_value_size();
  scratch->keys.resize(static_cast<std::size_t>(shape.max_entries) * sizeof(std::uint32_t));
  scratch->values.resize(static_cast<std::size_t>(shape.max_entries) * value_size);
  std::uint32_t token = 0;
  std::uint32_t done = 0;
  bool first = true;
  while (done < shape.max_entries) {
    std::uint32_t count = shape.max_entries - done;
    const int err = bpf_map_lookup_batch(shape.fd, first ? nullptr : &token, &token,
                                         scratch->keys.data() + done * sizeof(std::uint32_t),
                                         scratch->values.data() + done * value_size, &count, nullptr);
    if (err < 0 && err != -ENOENT) return err;
    done += count;
    first = false;
    // ENOENT: the walk reached the end of the map.
    if (err == -ENOENT) break;
  }
  for (std::uint32_t i = 0; i < done; ++i) {
    std::uint32_t key;
    std::memcpy(&key, scratch->keys.data() + i * sizeof(key), sizeof(key));
    if (key >= shape.max_entries) continue;
    AddSlotsAsU64(shape, scratch->values.data() + i * value_size, out + key * shape.words());
  }
  return 0;
}

int SumPerKey(const MapShape& shape, SumAllScratch* scratch, std::uint64_t* out) {
  scratch->values.resize(shape.full_value_size());
  for (std::uint32_t key = 0; key < shape.max_entries; ++key) {
    if (bpf_map_lookup_elem(shape.fd, &key, scratch->values.data()) < 0) {
      if (errno == ENOENT) continue;
      return -errno;
    }
    AddSlotsAsU64(shape, scratch->values.data(), out + key * shape.words());
  }
  return 0;
}

}  // namespace

bool IsPerCpuMapType(std::uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

int LookupValue(const MapShape& shape, const void* key, std::vector<std::uint8_t>* value) {
  value->resize(shape.full_value_size());
  if (bpf_map_lookup_elem(shape.fd, key, value->data()) < 0) return -errno;
  return 0;
}

int UpdateValue(const MapShape& shape, const void* key, const void* value, std::uint32_t flags) {
  if (bpf_map_update_elem(shape.fd, key, value, flags) < 0) return -errno;
  return 0;
}

int DeleteKey(const MapShape& shape, const void* key) {
  if (bpf_map_delete_elem(shape.fd, key) < 0) return -errno;
  return 0;
}

int ListKeys(const MapShape& shape, std::vector<std::uint8_t>* keys, std::size_t* count) {
  *count = 0;
  keys->clear();
  std::vector<std::uint8_t> next(shape.key_size);
  // Deleting during the walk can restart it from the first key; the cap
  // keeps a busy hash map from turning that into an endless loop.
  while (*count < shape.max_entries) {
    const void* previous = *count == 0 ? nullptr : keys->data() + (*count - 1) * shape.key_size;
    if (bpf_map_get_next_key(shape.fd, previous, next.data()) < 0) {
      if (errno == ENOENT) break;
      return -errno;
    }
    keys->insert(keys->end(), next.begin(), next.end());
    ++*count;
  }
  return 0;
}

void AddSlotsAsU64(const MapShape& shape, const std::uint8_t* value, std::uint64_t* out) {
  const std::size_t words = shape.words();
  for (std::size_t slot = 0; slot < shape.slots(); ++slot) {
    const std::uint8_t* base = value + slot * shape.slot_size();
    for (std::size_t word = 0; word < words; ++word) {
      std::uint64_t number;
      std::memcpy(&number, base + word * sizeof(number), sizeof(number));
      out[word] += number;
    }
  }
}

int SumAllU64(const MapShape& shape, bool allow_batch, SumAllScratch* scratch, std::uint64_t* out) {
  std::fill(out, out + static_cast<std::size_t>(shape.max_entries) * shape.words(), 0);
  if (allow_batch && !scratch->batch_unsupported) {
    const int err = SumBatch(shape, scratch, out);
    if (!BatchUnsupported(err)) return err;
    scratch->batch_unsupported = true;
    std::fill(out, out + static_cast<std::size_t>(shape.max_entries) * shape.words(), 0);
  }
  return SumPerKey(shape, scratch, out);
}

}  // namespace vrf_agent
