# The compile-from-source fallback of an installed package, run from this
# folder: `npx --yes node-gyp rebuild` (or the pnpm/yarn/bun equivalent).
# It builds native/build/Release/sockbuf.node and copies it to
# build/Release/sockbuf.node at the package's top level, where the loader
# looks. The package keeps no binding.gyp at its top level: pnpm and yarn
# treat one as an install script to run (ignoring "gypfile": false).
{
  "includes": ["sockbuf.gypi"],
  "target_defaults": {
    "defines": ["SOCKBUF_VERSION=\"<!(node -p \"require('../package.json').version\")\""]
  },
  "targets": [
    {
      "target_name": "copy_to_package_build",
      "type": "none",
      "dependencies": ["sockbuf"],
      "copies": [
        {
          "destination": "<(module_root_dir)/../build/Release",
          "files": ["<(PRODUCT_DIR)/sockbuf.node"]
        }
      ]
    }
  ]
}
