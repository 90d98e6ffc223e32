# Builds build/Release/sockbuf.node from native/ (the target is in
# native/sockbuf.gypi). The package ships native/binding.gyp instead: see there.
{
  "includes": ["native/sockbuf.gypi"],
  "target_defaults": {
    "defines": ["SOCKBUF_VERSION=\"<!(node -p \"require('./package.json').version\")\""]
  }
}
