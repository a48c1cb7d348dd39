# Built by scripts/build-native.sh, which pins the Node 24 headers.
{
  "targets": [
    {
      "target_name": "vrf_agent_native",
      "sources": [
        "src/addon.cc",
        "src/args.cc",
        "src/btf_enums.cc",
        "src/env.cc",
        "src/error.cc",
        "src/inventory_state.cc",
        "src/inventory_watch.cc",
        "src/link.cc",
        "src/listen_socket.cc",
        "src/log.cc",
        "src/map.cc",
        "src/map_ops.cc",
        "src/netlink.cc",
        "src/object.cc",
        "src/pin_fs.cc",
        "src/program.cc",
        "src/rodata.cc",
        "src/rtnl_decode.cc",
        "src/rtnl_socket.cc",
        "src/tc.cc",
        "src/test_run.cc",
        "src/version.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_CPP_EXCEPTIONS",
        # Keep napi.h from pulling in APIs that are already deprecated.
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      # Node's common.gypi forces -fno-exceptions and gnu++20, and silences
      # unused-parameter warnings. The addon reports libbpf failures as JS
      # exceptions, targets C++17, and wants the full -Wextra set.
      "cflags!": ["-fno-exceptions", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-Werror",
        "<!@(pkg-config --cflags libbpf libmnl)"
      ],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "libraries": ["<!@(pkg-config --libs libbpf libmnl)"]
    }
  ]
}
