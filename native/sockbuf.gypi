# The addon's one target, shared by the two gyp files that build it: the
# repository's binding.gyp (development, prebuildify) and native/binding.gyp
# (the compile-from-source fallback in an installed package, which keeps no
# binding.gyp at its top level so that package managers see nothing to build).
# Paths here are relative to this file; gyp rebases them for each includer.
# Each includer defines SOCKBUF_VERSION from package.json.
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
          "sources": ["addon.cc", "constants.cc", "platform_linux.cc", "tcpinfo.cc", "tcpstates.cc"],
          "cflags_cc": [
            "-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
            "-fvisibility=hidden", "-ffunction-sections", "-fdata-sections"
          ],
          "ldflags": ["-Wl,--gc-sections"]
        }],
        ["OS=='mac'", {
          "sources": ["addon.cc", "constants.cc", "platform_darwin.cc", "tcpinfo.cc", "tcpstates.cc"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "DEAD_CODE_STRIPPING": "YES",
            "WARNING_CFLAGS": ["-Wall", "-Wextra"]
          }
        }],
        ["OS=='win'", {
          "sources": ["unsupported.cc"]
        }]
      ]
    }
  ]
}
