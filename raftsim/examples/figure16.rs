//! Figure 16 of the Raft paper: the time to detect and replace a crashed leader, for each range
//! of election timeouts in the figure, 1000 trials each, beside the paper's numbers.
//!
//!     cargo run --release -p raftsim --example figure16 [-- trials]
//!
//! Each trial follows the paper (§9.3) as closely as the simulator allows: five servers, a
//! one-way latency of 5–10 ms (a broadcast, a request and its reply, takes about 15 ms), a
//! heartbeat interval of half the minimum election timeout. Once the leader is settled, a client
//! write reaches it at a random point of its heartbeat interval; it sends the new entry to its
//! followers at once (the paper's synchronized broadcast before the crash), one or two of those
//! messages are lost (so the servers' logs differ in length and some candidates cannot win), and
//! the leader crashes at that instant. The time measured runs from the crash until a server
//! becomes leader. docs/figure16.md explains the model and the differences from the paper.

use raftsim::message::{Addr, PacketId};
use raftsim::{Action, Command, Config, NodeId, NodeSetup, Sim, Time, US_PER_MS};
use std::time::Instant;

/// The election-timeout ranges of Figure 16 (ms), with what the paper says about each.
const RANGES: [(u64, u64, &str); 11] = [
    (150, 150, ""),
    (150, 151, ""),
    (150, 155, "median 287 ms"),
    (150, 175, ""),
    (150, 200, "worst 513 ms"),
    (150, 300, ""),
    (12, 24, "mean 35 ms, worst 152 ms"),
    (25, 50, ""),
    (50, 100, ""),
    (100, 200, ""),
    (150, 300, ""),
];

/// A trial that has not elected a leader this long after the crash is counted as unfinished.
const GIVE_UP_US: Time = 10_000 * US_PER_MS;

/// A small PRNG for the trial's own choices (where the crash falls, which messages are lost),
/// separate from the simulation's.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }
}

/// One trial: the time from the leader's crash until a new leader, or None if there was none
/// within `GIVE_UP_US`.
fn trial(min_ms: u64, max_ms: u64, latency_us: (Time, Time), seed: u64) -> Option<Time> {
    let min_us = min_ms * US_PER_MS;
    let heartbeat_us = min_us / 2;
    let config = Config {
        nodes: 5,
        seed,
        election_timeout_min_us: min_us,
        election_timeout_max_us: max_ms * US_PER_MS,
        heartbeat_interval_us: heartbeat_us,
        latency_min_us: latency_us.0,
        latency_max_us: latency_us.1,
        check_invariants: false,
        ..Config::default()
    };
    // S1 times out long before the others and becomes the first leader, even when every
    // timeout is the same; then every server draws its timeouts again.
    let pinned = |us: Time| NodeSetup {
        election_timeout_us: Some(us),
        ..NodeSetup::default()
    };
    let mut setup = vec![pinned(min_us + 2 * latency_us.1 + 1)];
    setup.resize(5, pinned(100 * min_us));
    let mut sim = Sim::with_setup(config, setup).expect("a valid configuration");
    // Only the latest events are kept: the trace is not needed here.
    sim.keep_trace(Some(1_000));
    let leader = NodeId(1);
    while sim.leader() != Some(leader) {
        let t = sim.step_next_event().expect("timers run");
        assert!(t < 50 * min_us, "seed {seed}: S1 was not elected first");
    }
    for node in (1..=5).map(NodeId) {
        sim.apply(Action::PinTimeout {
            node,
            timeout_us: None,
        })
        .expect("the server exists");
    }
    let mut rng = SplitMix(seed ^ 0x0066_6967_3136);
    // Settle: a few writes, and several heartbeat intervals with everyone in step.
    for k in 0..3 {
        sim.advance_by(4 * heartbeat_us);
        let command = Command::Set {
            key: "x".into(),
            value: k,
        };
        sim.submit_write(leader, command).expect("S1 is up");
    }
    sim.advance_by(6 * heartbeat_us);
    assert_eq!(sim.leader(), Some(leader), "seed {seed}: S1 leads");
    // A random point in the leader's next heartbeat interval.
    let (next_heartbeat, _) = sim
        .node(leader)
        .and_then(|n| n.next_timer())
        .expect("S1 leads");
    sim.advance_to(next_heartbeat + rng.below(heartbeat_us));
    // A write reaches the leader, which sends the new entry to its followers at once.
    let log_len = |sim: &Sim| sim.nodes()[0].log.len();
    let before = log_len(&sim);
    let command = Command::Set {
        key: "x".into(),
        value: 99,
    };
    sim.submit_write(leader, command).expect("S1 is up");
    while log_len(&sim) == before {
        sim.step_next_event().expect("the write is on its way");
    }
    // One or two of those messages are lost, so logs differ in length; then the leader crashes.
    let mut followers: Vec<NodeId> = (2..=5).map(NodeId).collect();
    let lost = 1 + rng.below(2) as usize;
    for _ in 0..lost {
        let f = followers.remove(rng.below(followers.len() as u64) as usize);
        let doomed: Vec<PacketId> = sim
            .in_flight()
            .filter(|p| p.from == Addr::Node(leader) && p.to == Addr::Node(f))
            .map(|p| p.id)
            .collect();
        for packet in doomed {
            sim.apply(Action::Drop { packet }).expect("in flight");
        }
    }
    let crashed_at = sim.now();
    sim.apply(Action::Crash { node: leader }).expect("S1 is up");
    while sim.leader().is_none() {
        let t = sim.step_next_event().expect("live servers run timers");
        if t > crashed_at + GIVE_UP_US {
            return None;
        }
    }
    Some(sim.now() - crashed_at)
}

fn ms(us: Time) -> String {
    format!("{:.0}", us as f64 / US_PER_MS as f64)
}

fn main() {
    let trials: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("the number of trials"))
        .unwrap_or(1_000);
    let started = Instant::now();
    println!("Figure 16: time from a leader's crash until a new leader is elected");
    println!("5 servers, heartbeat = half the minimum election timeout, {trials} trials per range");
    for (name, latency) in [
        (
            "one-way latency 5–10 ms (a broadcast takes about 15 ms)",
            (5, 10),
        ),
        ("one-way latency 1–2 ms (for comparison)", (1, 2)),
    ] {
        println!("\n{name}\n");
        table(trials, (latency.0 * US_PER_MS, latency.1 * US_PER_MS));
    }
    eprintln!("\n{:.1} s wall", started.elapsed().as_secs_f64());
}

fn table(trials: u64, latency_us: (Time, Time)) {
    println!("| election timeout (ms) | median (ms) | 95th percentile (ms) | worst (ms) | mean (ms) | no leader within 10 s | paper |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (min_ms, max_ms, paper) in RANGES {
        let mut times: Vec<Time> = Vec::with_capacity(trials as usize);
        let mut unfinished = 0;
        for t in 0..trials {
            // Each trial its own seed; the same trial numbers in every range.
            match trial(min_ms, max_ms, latency_us, 1_000_000 + t) {
                Some(us) => times.push(us),
                None => unfinished += 1,
            }
        }
        times.sort_unstable();
        // Trials without a leader after 10 s count as the slowest, so the percentiles are over
        // every trial.
        let at = |q: f64| -> String {
            let k = ((q * trials as f64).ceil() as usize).clamp(1, trials as usize) - 1;
            times.get(k).map_or("> 10000".to_string(), |&t| ms(t))
        };
        let mean = if unfinished == 0 && !times.is_empty() {
            ms(times.iter().sum::<Time>() / times.len() as Time)
        } else {
            "–".to_string()
        };
        println!(
            "| {min_ms}–{max_ms} | {} | {} | {} | {mean} | {unfinished} | {} |",
            at(0.5),
            at(0.95),
            at(1.0),
            if paper.is_empty() { "" } else { paper }
        );
    }
}
