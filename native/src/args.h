// Argument unpacking for the JS-facing methods: each helper checks one
// argument and throws a TypeError naming it, so wrappers stay declarative.
#ifndef VRF_AGENT_NATIVE_ARGS_H
#define VRF_AGENT_NATIVE_ARGS_H

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vrf_agent {

struct ByteView {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

std::string ArgString(const Napi::CallbackInfo& info, std::size_t index, const char* name);
std::uint32_t ArgUint32(const Napi::CallbackInfo& info, std::size_t index, const char* name);
// Accepts a Buffer or any Uint8Array; the view is valid for the call only.
ByteView ArgBytes(const Napi::CallbackInfo& info, std::size_t index, const char* name);
ByteView BytesOf(Napi::Value value, const char* name);
// An options object that may be omitted or undefined.
std::optional<Napi::Object> ArgOptions(const Napi::CallbackInfo& info, std::size_t index, const char* name);

// Optional properties of an options object; undefined counts as absent.
std::optional<std::string> OptionString(Napi::Object options, const char* key);
std::optional<std::uint32_t> OptionUint32(Napi::Object options, const char* key);
std::optional<bool> OptionBool(Napi::Object options, const char* key);
std::optional<ByteView> OptionBytes(Napi::Object options, const char* key);

}  // namespace vrf_agent

#endif  // VRF_AGENT_NATIVE_ARGS_H
