# Shared by serve.sh and test.sh: installs what is missing, skips what is already there at the
# right version. Sourced, not run. Every install comes from a package registry (the Rust package
# registry, npm, Debian), never from a download page, so it works on a machine that reaches only
# registries.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
# The wasm-bindgen CLI must match the wasm-bindgen crate exactly; Cargo.toml pins it with `=`.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$ROOT/Cargo.toml")"

export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

need_cargo() {
  command -v cargo >/dev/null 2>&1 || die "cargo is not installed: install Rust with rustup first"
}

ensure_wasm_target() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return
  fi
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_rust_components() {
  local c
  for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
      say "adding rustup component $c"
      rustup component add "$c"
    fi
  done
}

# $1 = binary, $2 = expected version string in its --version output, $3... = cargo install args
ensure_cargo_tool() {
  local bin=$1 want=$2
  shift 2
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -qF "$want"; then
    return
  fi
  say "installing $bin $want (cargo install $*; this compiles from source and can take minutes)"
  cargo install "$@"
}

ensure_trunk() {
  ensure_cargo_tool trunk "trunk $TRUNK_VERSION" trunk --version "$TRUNK_VERSION" --locked
}

ensure_wasm_bindgen() {
  [ -n "$WASM_BINDGEN_VERSION" ] || die "could not read the pinned wasm-bindgen version from Cargo.toml"
  # No --locked: the CLI's own lockfile names a crate version the registry does not carry.
  ensure_cargo_tool wasm-bindgen "wasm-bindgen $WASM_BINDGEN_VERSION" \
    wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

# wasm-opt (from the binaryen npm package) and the browser test driver.
ensure_npm_packages() {
  command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
  if [ -x "$ROOT/node_modules/.bin/wasm-opt" ] && [ -d "$ROOT/node_modules/playwright-core" ] \
    && [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ]; then
    return
  fi
  say "installing npm packages (binaryen for wasm-opt, playwright-core)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

APT_UPDATED=0
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ $APT_UPDATED -eq 0 ]; then
    say "apt-get update"
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing ${missing[*]} from Debian"
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_chromium() {
  ensure_apt chromium chromium-driver
}

# trunk (offline, see Trunk.toml) looks for wasm-opt on PATH only. The one from npm's binaryen
# package is a single self-contained script run by Node.js; a copy of it goes next to trunk in
# ~/.cargo/bin, which a new shell has on its PATH, so plain `trunk build --release` works in the
# checkout as well as through the scripts.
WASM_OPT_VERSION="$(sed -n 's/^wasm_opt = "version_\([0-9]*\)"/\1/p' "$ROOT/Trunk.toml")"
ensure_wasm_opt_on_path() {
  local target="$HOME/.cargo/bin/wasm-opt"
  if [ -x "$target" ] && "$target" --version 2>/dev/null | grep -q "version $WASM_OPT_VERSION\b"; then
    return
  fi
  [ -f "$ROOT/node_modules/binaryen/bin/wasm-opt" ] || ensure_npm_packages
  say "putting wasm-opt $WASM_OPT_VERSION next to trunk in ~/.cargo/bin"
  mkdir -p "$HOME/.cargo/bin"
  install -m 755 "$ROOT/node_modules/binaryen/bin/wasm-opt" "$target"
}

# Everything `trunk build` / `trunk serve` needs.
ensure_app_tools() {
  need_cargo
  ensure_wasm_target
  ensure_npm_packages
  ensure_wasm_opt_on_path
  ensure_wasm_bindgen
  ensure_trunk
}
