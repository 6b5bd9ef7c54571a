//! Runs many chaos seeds, each twice, checking safety after every step, liveness after healing
//! and determinism between the two runs.
//!
//!     cargo run --release -p raftsim --example soak -- 100000 [first_seed]
//!
//! A failure prints "replay with seed N"; `soak -- 1 N` runs just that seed.

use raftsim::chaos::{run_seed_twice, ChaosOptions};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .map(|a| a.parse().expect("seed count must be a number"))
        .unwrap_or(1_000);
    let first: u64 = args
        .next()
        .map(|a| a.parse().expect("first seed must be a number"))
        .unwrap_or(0);
    let opts = ChaosOptions::default();
    let started = Instant::now();
    let step = (count / 20).clamp(1, 5_000);
    let mut failures = 0u64;
    let mut simulated_us: u64 = 0;
    for seed in first..first + count {
        match run_seed_twice(seed, &opts) {
            Ok(summary) => simulated_us += summary.sim.now(),
            Err(failure) => {
                failures += 1;
                eprintln!("{failure}");
            }
        }
        let done = seed - first + 1;
        if done % step == 0 || done == count {
            println!(
                "{done}/{count} seeds, {failures} failed, {:.1} s wall, {:.0} simulated s",
                started.elapsed().as_secs_f64(),
                simulated_us as f64 / 1e6
            );
        }
    }
    if failures > 0 {
        eprintln!("{failures} of {count} seeds failed");
        std::process::exit(1);
    }
}
