//! How fast the simulation runs: 5 servers, a client write every 10 ms, 60 simulated seconds,
//! with the invariant checker off and on, keeping the whole trace or, as the page does, only
//! its latest 20,000 events.
//!
//!     cargo run --release -p raftsim --example bench [-- simulated_seconds]

use raftsim::{workload, Sim};
use std::time::Instant;

fn run(check_invariants: bool, keep: Option<usize>, seconds: u64) -> (f64, Sim) {
    let started = Instant::now();
    let sim = workload::run(check_invariants, keep, seconds);
    let wall = started.elapsed().as_secs_f64();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    (seconds as f64 / wall, sim)
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("simulated seconds"))
        .unwrap_or(60);
    // One unmeasured run first, so neither measured run pays for the process's first page faults.
    run(false, None, seconds);
    for (check, keep) in [(false, None), (true, None), (true, Some(20_000))] {
        let (speed, sim) = run(check, keep, seconds);
        let committed = workload::committed(&sim);
        println!(
            "invariants {:>3}, {:<13} {:>9.0} simulated seconds per wall second ({} s simulated, {} writes committed, {} trace events)",
            if check { "on" } else { "off" },
            if keep.is_some() { "trace bounded:" } else { "whole trace:" },
            speed,
            seconds,
            committed,
            sim.trace().len()
        );
    }
}
