#include "args.h"

#include <cmath>

namespace vrf_agent {

namespace {

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

std::uint32_t ToUint32(Napi::Value value, const std::string& name) {
  if (!value.IsNumber()) ThrowType(value.Env(), name + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= 0 && number <= 4294967295.0) || std::floor(number) != number) {
    ThrowType(value.Env(), name + " must be an integer from 0 to 2^32-1");
  }
  return static_cast<std::uint32_t>(number);
}

}  // namespace

std::string ArgString(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  if (!info[index].IsString()) ThrowType(info.Env(), std::string(name) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

std::uint32_t ArgUint32(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  return ToUint32(info[index], name);
}

ByteView BytesOf(Napi::Value value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowType(value.Env(), std::string(name) + " must be a Buffer");
  }
  auto bytes = value.As<Napi::Uint8Array>();
  return {bytes.Data(), bytes.ByteLength()};
}

ByteView ArgBytes(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  return BytesOf(info[index], name);
}

std::optional<Napi::Object> ArgOptions(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  if (info[index].IsUndefined()) return std::nullopt;
  if (!info[index].IsObject()) ThrowType(info.Env(), std::string(name) + " must be an object");
  return info[index].As<Napi::Object>();
}

std::optional<std::string> OptionString(Napi::Object options, const char* key) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return std::nullopt;
  if (!value.IsString()) ThrowType(options.Env(), std::string(key) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::optional<std::uint32_t> OptionUint32(Napi::Object options, const char* key) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return std::nullopt;
  return ToUint32(value, key);
}

std::optional<bool> OptionBool(Napi::Object options, const char* key) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return std::nullopt;
  if (!value.IsBoolean()) ThrowType(options.Env(), std::string(key) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::optional<ByteView> OptionBytes(Napi::Object options, const char* key) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return std::nullopt;
  return BytesOf(value, key);
}

}  // namespace vrf_agent
