#!/usr/bin/env bash
# Installs what is missing, then runs every check and test in order and ends with one summary line
# "N passed, M failed" that counts tests only: checks (format, lints, the purity gate, the build)
# are reported on a line of their own and benchmark figures are printed, not counted. A check or
# test step that fails without naming failed tests adds one to M. Exits non-zero if anything
# failed. Logs go to target/test-logs/.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
set +e
cd "$ROOT"

need_cargo
ensure_rust_components
ensure_wasm_target
ensure_npm_packages
ensure_wasm_opt_on_path
ensure_wasm_bindgen
ensure_trunk
ensure_chromium

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
PASSED=0
FAILED=0
CHECKS_OK=0
CHECKS_FAILED=0
FAILED_STEPS=()

# Adds up the counts of every "test result:" line (cargo/libtest and wasm-bindgen-test).
count_cargo() {
  local p f
  p=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$6} END {print s+0}')
  echo "$p $f"
}

# $1 = name, $2 = kind (check|cargo|node), rest = command. A check is not a test: it is counted
# on the checks line, and only its failure reaches the summary.
step() {
  local name=$1 kind=$2
  shift 2
  local log="$LOGS/$(echo "$name" | tr ' /' '__').log"
  say "$name"
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  local p=0 f=0
  case $kind in
    check) if [ $rc -eq 0 ]; then CHECKS_OK=$((CHECKS_OK + 1)); else CHECKS_FAILED=$((CHECKS_FAILED + 1)); fi ;;
    cargo) read -r p f < <(count_cargo "$log") ;;
    node)
      p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n1)
      f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n1)
      p=${p:-0}; f=${f:-0} ;;
  esac
  # A step that failed without reporting a failing test (e.g. it did not compile) counts once.
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ $rc -eq 0 ] && [ "$kind" = check ]; then
    printf '    ok (%ss)\n' $((SECONDS - start))
  elif [ $rc -eq 0 ]; then
    printf '    ok: %s passed (%ss)\n' "$p" $((SECONDS - start))
  else
    FAILED_STEPS+=("$name")
    printf '    FAILED (exit %s, %s failed); last lines of %s:\n' "$rc" "$f" "$log"
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
  return 0
}

# The core must stay pure Rust: no browser crates and no OS randomness anywhere in its graph.
core_is_browser_free() {
  local found
  found=$(cargo tree -p raftsim --edges normal,build --prefix none --locked \
    | grep -Eo '^(yew|web-sys|js-sys|wasm-bindgen|gloo[a-z-]*|getrandom) v[^ ]*' | sort -u)
  if [ -n "$found" ]; then
    echo "raftsim depends on browser or OS-randomness crates:"
    echo "$found"
    return 1
  fi
  echo "raftsim's dependency graph has no browser crates and no getrandom"
}

step "core crate is browser-free" check core_is_browser_free
step "cargo fmt --check" check cargo fmt --all --check
step "clippy (host)" check cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)" check cargo clippy -p raft-live --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
rm -f target/tmp/sweep-figures.txt
step "native tests" cargo cargo test --workspace --tests --locked
if [ -f target/tmp/sweep-figures.txt ]; then
  say "seed sweep (figures)"
  sed 's/^/    /' target/tmp/sweep-figures.txt
fi
say "core speed: simulated time per wall second (benchmark figure, not a gate)"
cargo run -q --locked --profile bench-native -p raftsim --example bench -- 20 2>&1 \
  | tee "$LOGS/core-speed.log" || echo "    (the benchmark did not run; see $LOGS/core-speed.log)"
say "time travel: an hour of free play, going back in it, its memory (benchmark figures, not a gate)"
cargo run -q --locked --profile bench-native -p raftsim --example history -- 60 --save target/hour-run.json 2>&1 \
  | tee "$LOGS/history.log" || echo "    (the benchmark did not run; see $LOGS/history.log)"
step "wasm-bindgen-test in headless Chromium" cargo env \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test -p raft-live --tests --locked --target wasm32-unknown-unknown
step "trunk build --release" check trunk build --release
# What a new user types after set-up, with only what a new login shell has on its PATH.
step "plain trunk build --release in a new shell" check \
  env -i HOME="$HOME" TERM=dumb bash -lc "cd '$ROOT' && trunk build --release --dist target/plain-dist"
# A course website: the page under a sub-path (tests/e2e/subpath.test.mjs serves it there).
step "trunk build for a sub-path (/courses/raft/)" check \
  trunk build --release --public-url /courses/raft/ --dist target/subpath-dist
if [ -f dist/index.html ]; then
  say "page size"
  node scripts/page-size.mjs dist | tee "$LOGS/page-size.log"
fi
# The first load may not grow past its budget (bytes, gzip; the goal is 100,000).
step "page weight within its budget (386,000 B gzip)" check node scripts/page-size.mjs dist --budget 386000
step "end-to-end tests in Chromium" node node --test --test-reporter=tap tests/e2e/
if [ -f dist/index.html ]; then
  say "frame times in Chromium (benchmark figures, not a gate)"
  node tests/e2e/bench.mjs 2>&1 | tee "$LOGS/page-bench.log" \
    || echo "    (the benchmark did not run; see $LOGS/page-bench.log)"
fi
say "core speed in Chromium: the core as the page's WebAssembly (benchmark figures, not a gate)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_TIMEOUT=300 cargo test -p raft-live --test core_speed --release --locked \
  --target wasm32-unknown-unknown -- --include-ignored --nocapture >"$LOGS/core-speed-wasm.log" 2>&1
grep '^benchmark:' "$LOGS/core-speed-wasm.log" \
  || echo "    (the benchmark did not run; see $LOGS/core-speed-wasm.log)"

echo
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  echo "failed steps: ${FAILED_STEPS[*]} (logs in target/test-logs/)"
fi
echo "screenshots: target/screenshots/"
echo "checks: $CHECKS_OK ok, $CHECKS_FAILED failed (purity gate, format, lints, release builds)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
