#!/usr/bin/env bash
# Mutation testing of the core's Raft rules and its checker: cargo-mutants changes one thing at a
# time in raftsim/src/node.rs (vote, append, commit, restart handling) and raftsim/src/invariants.rs
# (the safety checker), and runs the tests against each change. A change no test notices is a
# "missed" mutant: a hole in the tests, or a change that does not alter behaviour (docs/mutants.md
# says which). Hours of builds on two cores, so it is not part of the test command.
#
#   scripts/mutants.sh node         # raftsim/src/node.rs, every test of the core
#   scripts/mutants.sh invariants   # raftsim/src/invariants.rs, the tests that exercise the checker
#
# Results go to target/mutants-<which>/mutants.out/ (caught.txt, missed.txt, timeout.txt, …).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
# Smaller sweeps than the test command's (each mutant runs them) and no debug info (faster links).
export RAFTSIM_SEEDS=${RAFTSIM_SEEDS:-200} RAFTSIM_OPTION_SEEDS=${RAFTSIM_OPTION_SEEDS:-30}
export CARGO_PROFILE_DEV_DEBUG=0
case ${1:-} in
  node)
    cargo mutants -p raftsim -f raftsim/src/node.rs --timeout 90 --no-shuffle \
      -o target/mutants-node ;;
  invariants)
    # Names and wording of properties are left out: they change messages, not what is checked.
    cargo mutants -p raftsim -f raftsim/src/invariants.rs --timeout 60 --no-shuffle \
      -E 'Invariant::name|Invariant::in_figure_3|fmt' -o target/mutants-invariants \
      -- --lib --test lab --test paper --test scenarios --test sweep ;;
  *)
    echo "usage: scripts/mutants.sh node|invariants" >&2
    exit 2 ;;
esac
