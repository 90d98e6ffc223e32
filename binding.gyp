{
  "targets": [
    {
      "target_name": "sockbuf",
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/addon.cc", "native/constants.cc", "native/platform_linux.cc", "native/tcpinfo.cc", "native/tcpstates.cc"],
          "cflags_cc": [
            "-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
            "-fvisibility=hidden", "-ffunction-sections", "-fdata-sections"
          ],
          "ldflags": ["-Wl,--gc-sections"]
        }],
        ["OS=='mac'", {
          "sources": ["native/addon.cc", "native/constants.cc", "native/platform_darwin.cc", "native/tcpinfo.cc", "native/tcpstates.cc"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "DEAD_CODE_STRIPPING": "YES",
            "WARNING_CFLAGS": ["-Wall", "-Wextra"]
          }
        }],
        ["OS=='win'", {
          "sources": ["native/unsupported.cc"]
        }]
      ]
    }
  ]
}
