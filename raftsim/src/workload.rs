//! The benchmark workload, shared by the native benchmark (`examples/bench.rs`) and the one in
//! Chromium (`tests/core_speed.rs` of the app), so both measure the same thing: 5 servers, a
//! client write to the leader every 10 ms of simulated time. Timing is the caller's: wall clocks
//! differ between a native process and a page.

use crate::{Command, Config, Sim, US_PER_MS};

/// Plays `seconds` of the workload with the invariant checker on or off, keeping the whole
/// trace (`keep` None) or its latest `keep` events, and returns the world at the end.
pub fn run(check_invariants: bool, keep: Option<usize>, seconds: u64) -> Sim {
    let config = Config {
        nodes: 5,
        seed: 42,
        check_invariants,
        ..Config::default()
    };
    let mut sim = Sim::new(config).expect("the default configuration is valid");
    sim.keep_trace(keep);
    let end = seconds * 1_000 * US_PER_MS;
    let mut n: i64 = 0;
    while sim.now() < end {
        sim.advance_by(10 * US_PER_MS);
        if let Some(leader) = sim.leader() {
            n += 1;
            let command = Command::Add {
                key: format!("k{}", n % 8).into(),
                n,
            };
            sim.submit_write(leader, command)
                .expect("the leader is live");
        }
    }
    sim
}

/// How many writes were answered as committed.
pub fn committed(sim: &Sim) -> usize {
    sim.clients()
        .iter()
        .filter(|w| matches!(w.status, crate::WriteStatus::Committed { .. }))
        .count()
}
