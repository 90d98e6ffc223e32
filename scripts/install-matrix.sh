#!/usr/bin/env bash
# Installs the packed sockbuf into empty projects with each package manager,
# as a new user would, and checks that every install is silent and complete:
#
#   npm (default), npm --strict-allow-scripts=true, npm --ignore-scripts,
#   pnpm 12.4.2, yarn 4 (nodeLinker: node-modules), bun 1.4
#
# For each: the install exits 0 and prints nothing about sockbuf's scripts or
# builds; the installed package has no build/ folder (nothing compiled);
# require('sockbuf') maps the prebuilt binary of this platform, whose stamped
# version is the package's; a real call works (the receive buffer of a UDP
# socket set and read back, Linux doubling it); the `sockbuf` command runs
# through that manager's runner (npx, pnpm exec, yarn, bunx). Then, with
# prebuilds/ removed, require('sockbuf') throws ERR_SOCKBUF_NO_BINARY and the
# compile command the message prints for that manager, run as printed,
# builds a binary that loads (pnpm, yarn, bun: test/package.test.ts runs the
# npm one; SOCKBUF_MATRIX_COMPILE=0 skips this part).
#
# Two controls prove the checks can fail: the same package with the old
# layout (binding.gyp at the top, no "gypfile": false) must be flagged by npm
# and by pnpm.
#
# usage: scripts/install-matrix.sh
# env:
#   SOCKBUF_CACHE            the managers are installed (once) under
#                            $SOCKBUF_CACHE/managers (default ~/.cache/sockbuf)
#   SOCKBUF_TARBALL          test this tarball instead of packing one
#   SOCKBUF_MATRIX_COMPILE   0: skip the compile-from-source part
# Needs: npm ci done here (prebuildify, node-gyp). Network: the npm registry only.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SOCKBUF_CACHE:-$HOME/.cache/sockbuf}/managers
compile=${SOCKBUF_MATRIX_COMPILE:-1}
started=$SECONDS
version=$(node -p "require('$root/package.json').version")
target="$(node -p 'process.platform + "-" + process.arch')"

say() { echo "[install-matrix] $*"; }
die() {
  echo "[install-matrix] FAILED: $*" >&2
  exit 1
}
failures=()
fail() {
  echo "[install-matrix]   FAIL: $*"
  failures+=("$case_name: $*")
}

# node-gyp (for prebuildify and the compile checks) must use the installed
# Node's headers: there is no network to download them.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
# A user's shell: none of the npm_* settings of an `npm run` that may be
# running this script (but the nodedir above), no NODE_OPTIONS.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do
  [ "$v" = npm_config_nodedir ] || unset "$v"
done
unset NODE_OPTIONS PREBUILDS_ONLY SOCKBUF_PREBUILD
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export YARN_ENABLE_TELEMETRY=0 DO_NOT_TRACK=1

work=$(mktemp -d "${TMPDIR:-/tmp}/sockbuf-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- 1. The managers, cached ---
install_tool() { # dir spec
  local dir="$cache/$1"
  if [ ! -d "$dir/node_modules/.bin" ]; then
    say "installing $2 into $dir" >&2
    npm install --prefix "$dir" --no-save --no-package-lock --loglevel=error "$2" >/dev/null || die "npm install $2"
  fi
  echo "$dir/node_modules/.bin"
}
pnpm_bin=$(install_tool pnpm-12.4.2 pnpm@12.4.2) || exit 1
yarn_bin=$(install_tool yarn-4 @yarnpkg/cli-dist@4) || exit 1
bun_bin=$(install_tool bun-1.4 bun@1.4) || exit 1
export PATH="$pnpm_bin:$yarn_bin:$bun_bin:$PATH"
say "npm $(npm --version), pnpm $(pnpm --version), yarn $(cd "$work" && yarn --version), bun $(bun --version)"

# --- 2. The tarball ---
if [ -n "${SOCKBUF_TARBALL:-}" ]; then
  tarball=$(cd "$(dirname "$SOCKBUF_TARBALL")" && pwd)/$(basename "$SOCKBUF_TARBALL")
else
  # In a scratch copy: prebuildify compiles in place. Prebuilds already in
  # prebuilds/ (the arm64 one of scripts/prebuild-arm64.sh) are packed too.
  mkdir "$work/src"
  (cd "$root" && tar -cf - --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./.git \
    --exclude='./*.tgz' --exclude=./native/build .) | tar -xf - -C "$work/src" || die "copying the package"
  ln -s "$root/node_modules" "$work/src/node_modules"
  say "prebuildify --napi --strip for $target"
  (cd "$work/src" && npx --no prebuildify --napi --strip >"$work/prebuildify.log" 2>&1) ||
    { cat "$work/prebuildify.log"; die "prebuildify"; }
  mkdir "$work/pack"
  (cd "$work/src" && SOCKBUF_PACK_PARTIAL=1 npm pack --pack-destination "$work/pack" >"$work/pack.log" 2>&1) ||
    { cat "$work/pack.log"; die "npm pack"; }
  grep 'check-prebuilds:' "$work/pack.log"
  tarball="$work/pack/sockbuf-$version.tgz"
fi
[ -f "$tarball" ] || die "no tarball $tarball"
say "tarball: $tarball"

# The old layout, for the controls: binding.gyp at the top, no gypfile field.
mkdir "$work/old"
tar -xzf "$tarball" -C "$work/old"
cp "$root/native/sockbuf.gypi" "$work/old/package/native/"
node -e '
  const fs = require("fs"), dir = process.argv[1];
  fs.writeFileSync(dir + "/binding.gyp", JSON.stringify({ includes: ["native/sockbuf.gypi"] }));
  const p = JSON.parse(fs.readFileSync(dir + "/package.json", "utf8"));
  delete p.gypfile;
  fs.writeFileSync(dir + "/package.json", JSON.stringify(p, null, 2));
' "$work/old/package"
(cd "$work/old" && tar -czf "$work/old-layout.tgz" package)

# What a user's program does: load sockbuf, use a real socket, say which
# binary the process mapped.
cat >"$work/use.js" <<'EOF'
const fs = require('node:fs');
const dgram = require('node:dgram');
const s = require('sockbuf');
const dir = fs.realpathSync(require('node:path').dirname(require.resolve('sockbuf/package.json')));
// The binary loads at the first call that needs it, not at the require.
const mapped = () => [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
  .map((l) => l.split(/\s+/).pop()).filter((f) => f.endsWith('.node')))];
const atRequire = mapped();
const udp = dgram.createSocket('udp4');
udp.bind(0, '127.0.0.1', () => {
  const report = s.setRecvBufferSize(udp, 100000);
  const loaded = mapped();
  const stamped = loaded.map((f) => require(f).version);
  const sizes = s.getBufferSizes(udp);
  udp.close();
  console.log(JSON.stringify({ dir, atRequire, loaded, stamped, effective: report.effective, recv: sizes.recv }));
});
EOF
cat >"$work/no-binary.js" <<'EOF'
try { require('sockbuf'); console.log(JSON.stringify({})); }
catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }
EOF

# Lines of an install's output that complain about sockbuf's scripts or builds.
script_warnings() {
  grep -iE 'install-scripts|allowScripts|allow-scripts|approve-builds|IGNORED_BUILDS|build script|pm untrusted|Blocked [0-9]+ (post)?install|YN0004|YN0007|node-gyp|sockbuf.*(lifecycle|script)' "$1"
}

# Checks one installed project: loads, real call, runner, nothing compiled.
check_installed() { # app runner...
  local app=$1
  shift
  local out dir
  if ! out=$(cd "$app" && node use.js 2>"$app/use.err"); then
    fail "require('sockbuf') failed: $(cat "$app/use.err")"
    return
  fi
  [ -s "$app/use.err" ] && fail "require('sockbuf') printed: $(cat "$app/use.err")"
  dir=$(node -p 'JSON.parse(process.argv[1]).dir' "$out")
  [ -e "$dir/build" ] && fail "the installed package has a build/ folder: something compiled"
  [ -e "$dir/native/build" ] && fail "the installed package has a native/build/ folder: something compiled"
  local expected="$dir/prebuilds/$target/sockbuf.node" before=${#failures[@]}
  node -e '
    const r = JSON.parse(process.argv[1]), [expected, version] = process.argv.slice(2);
    const problems = [];
    if (r.atRequire.length !== 0) problems.push(`require mapped ${r.atRequire.join(", ")} before any call`);
    if (JSON.stringify(r.loaded) !== JSON.stringify([expected])) problems.push(`mapped ${r.loaded.join(", ") || "no .node file"}, expected ${expected}`);
    if (r.stamped[0] !== version) problems.push(`the binary says version ${r.stamped[0]}, expected ${version}`);
    if (r.effective !== 200000 || r.recv !== r.effective) problems.push(`setRecvBufferSize(100000) gave ${r.effective}, getBufferSizes ${r.recv}; Linux grants 200000`);
    if (problems.length) { console.log(problems.join("; ")); process.exit(1); }
  ' "$out" "$expected" "$version" >"$app/check.out" || fail "$(cat "$app/check.out")"
  local v
  v=$(cd "$app" && "$@" sockbuf --version 2>&1) || fail "$* sockbuf --version: $v"
  [[ "$v" == *"$version"* ]] || fail "$* sockbuf --version printed '$v'"
  local limits
  limits=$(cd "$app" && "$@" sockbuf limits --json 2>"$app/limits.err") || fail "$* sockbuf limits --json: $(cat "$app/limits.err")"
  [ "$(node -p 'JSON.parse(process.argv[1]).platform' "$limits" 2>/dev/null)" = linux ] ||
    fail "$* sockbuf limits --json printed '${limits:0:200}'"
  [ ${#failures[@]} = "$before" ] || return
  say "  loads $expected (version $version), UDP recv 100000 -> 200000, '$* sockbuf' runs"

  [ "$compile" = 1 ] || return
  # Without a prebuild: the error, then its compile command for this manager.
  rm -rf "$dir/prebuilds"
  local err line
  err=$(cd "$app" && node no-binary.js)
  [ "$(node -p 'JSON.parse(process.argv[1]).code' "$err")" = ERR_SOCKBUF_NO_BINARY ] ||
    { fail "without prebuilds/, require gave $err"; return; }
  line=$(node -p 'JSON.parse(process.argv[1]).message' "$err" | sed -n "s/^ *$manager: *//p")
  [ -n "$line" ] || { fail "the ERR_SOCKBUF_NO_BINARY message has no '$manager:' line"; return; }
  say "  compiling as the error says: $line"
  (cd "$app" && bash -c "$line") >"$app/compile.log" 2>&1 || { fail "'$line' failed: $(tail -5 "$app/compile.log")"; return; }
  grep -q 'warning:' "$app/compile.log" && fail "compiler warnings in '$line'"
  out=$(cd "$app" && node use.js 2>&1) || { fail "after compiling, require failed: $out"; return; }
  node -e '
    const r = JSON.parse(process.argv[1]);
    if (r.loaded[0] !== process.argv[2] || r.stamped[0] !== process.argv[3] || r.recv !== 200000) { console.log(JSON.stringify(r)); process.exit(1); }
  ' "$out" "$dir/build/Release/sockbuf.node" "$version" >"$app/check2.out" || fail "after compiling: $(cat "$app/check2.out")"
  say "  the compiled $dir/build/Release/sockbuf.node loads and works"
}

new_app() { # name -> dir
  local app="$work/apps/$1"
  mkdir -p "$app"
  echo '{ "name": "app", "version": "1.0.0", "private": true }' >"$app/package.json"
  cp "$work/use.js" "$work/no-binary.js" "$app/"
  echo "$app"
}

# install_case name manager install-command... -- runner...
run_case() {
  case_name=$1
  manager=$2
  shift 2
  local install=() runner=()
  while [ "$1" != -- ]; do install+=("$1"); shift; done
  shift
  runner=("$@")
  local t0=$SECONDS app
  app=$(new_app "$case_name")
  [ "$manager" = yarn ] && printf 'nodeLinker: node-modules\n' >"$app/.yarnrc.yml"
  say "$case_name: ${install[*]}"
  local status=0
  (cd "$app" && "${install[@]}") >"$app/install.log" 2>&1 || status=$?
  if [ $status != 0 ]; then
    fail "install exited $status: $(tail -5 "$app/install.log")"
  fi
  local warnings
  if warnings=$(script_warnings "$app/install.log"); then fail "install printed: $warnings"; fi
  [ $status = 0 ] && check_installed "$app" "${runner[@]}"
  say "  $case_name: $((SECONDS - t0)) s"
}

# npm's compile command is run, as printed, by test/package.test.ts: not again here.
compile_others=$compile
compile=0
run_case npm-default npm npm install --no-audit --no-fund "$tarball" -- npx --no --
run_case npm-strict-allow-scripts npm npm install --strict-allow-scripts=true "$tarball" -- npx --no --
run_case npm-ignore-scripts npm npm install --ignore-scripts "$tarball" -- npx --no --
compile=$compile_others
run_case pnpm pnpm pnpm add "$tarball" -- pnpm exec
run_case yarn yarn yarn add "sockbuf@file:$tarball" -- yarn
run_case bun bun bun add "$tarball" -- bunx

# --- Controls: the old layout must be caught by the same checks ---
control() { # name install-command...
  local name=$1 app
  app=$(new_app "control-$name")
  shift
  local status=0
  (cd "$app" && "$@") >"$app/install.log" 2>&1 || status=$?
  local warnings
  warnings=$(script_warnings "$app/install.log")
  if [ $status = 0 ] && [ -z "$warnings" ]; then
    case_name="control $name"
    fail "the old layout (top-level binding.gyp) installed silently: the checks cannot see an install script"
  else
    say "control, old layout with $name: exit $status, flagged: $(echo "$warnings" | head -2 | tr '\n' ' ')"
  fi
}
control npm npm install --no-audit --no-fund "$work/old-layout.tgz"
control pnpm pnpm add "$work/old-layout.tgz"

say "took $((SECONDS - started)) s"
if [ ${#failures[@]} -gt 0 ]; then
  say "${#failures[@]} failure(s):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
say "OK: 6 installs silent, prebuilt binary loaded, commands run through each runner"
