//! How fast the simulation runs: 5 servers, a client write every 10 ms, 60 simulated seconds,
//! with the invariant checker off and on, keeping the whole trace or, as the page does, only
//! its latest 20,000 events.
//!
//!     cargo run --release -p raftsim --example bench [-- simulated_seconds]

use raftsim::{Command, Config, Sim, US_PER_MS};
use std::time::Instant;

fn run(check_invariants: bool, keep: Option<usize>, seconds: u64) -> (f64, Sim) {
    let config = Config {
        nodes: 5,
        seed: 42,
        check_invariants,
        ..Config::default()
    };
    let mut sim = Sim::new(config).expect("valid config");
    sim.keep_trace(keep);
    let end = seconds * 1_000 * US_PER_MS;
    let started = Instant::now();
    let mut n: i64 = 0;
    while sim.now() < end {
        sim.advance_by(10 * US_PER_MS);
        if let Some(leader) = sim.leader() {
            n += 1;
            let command = Command::Add {
                key: format!("k{}", n % 8).into(),
                n,
            };
            sim.submit_write(leader, command).expect("leader is live");
        }
    }
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
        let committed = sim
            .clients()
            .iter()
            .filter(|w| matches!(w.status, raftsim::WriteStatus::Committed { .. }))
            .count();
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
