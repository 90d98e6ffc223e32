# Sourced by scripts that run tools from the npm registry: npm_tool NAME
# PACKAGE@VERSION... installs the packages once into $cache/NAME (through a
# temporary folder renamed into place, so an interrupted download leaves
# nothing half-done) and reuses them after. Needs $cache and a say function.
npm_tool() {
  local dir=$cache/$1 tmp
  shift
  [ -f "$dir/.complete" ] && return 0
  mkdir -p "$cache" || return 1
  say "downloading $* into $dir"
  tmp=$(mktemp -d "$cache/.tmp-tool.XXXXXX") || return 1
  if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    --loglevel=error "$@" >&2; then
    rm -rf "$tmp"
    return 1
  fi
  touch "$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}
