//! Helpers shared by the integration tests.
#![allow(dead_code)]

use raftsim::node::{Ctx, Timing};
use raftsim::*;
use rand_core::SeedableRng;

pub fn ms(x: u64) -> Time {
    x * US_PER_MS
}

pub fn s(n: u8) -> NodeId {
    NodeId(n)
}

/// A cluster with fixed 10 ms latency, so tests can reason about exact times.
pub fn cfg(nodes: usize) -> Config {
    Config {
        nodes,
        seed: 7,
        latency_min_us: ms(10),
        latency_max_us: ms(10),
        check_invariants: true,
        ..Config::default()
    }
}

/// Log entries with the given terms; entry i says `SET e<i> <i>`.
pub fn entries(terms: &[Term]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, &term)| {
            Entry::new(
                term,
                Command::Set {
                    key: format!("e{}", i + 1).into(),
                    value: i as i64 + 1,
                },
            )
        })
        .collect()
}

/// A starting state. `timeout_ms` pins the election timeout.
pub fn setup(term: Term, voted: Option<u8>, log: &[Term], timeout_ms: Option<u64>) -> NodeSetup {
    NodeSetup {
        current_term: term,
        voted_for: voted.map(NodeId),
        log: entries(log),
        election_timeout_us: timeout_ms.map(ms),
    }
}

/// Everyone fresh with a long pinned election timeout: nothing happens unless a test says so.
pub fn quiet(nodes: usize) -> Vec<NodeSetup> {
    (0..nodes)
        .map(|_| setup(0, None, &[], Some(10_000)))
        .collect()
}

pub fn cmd(text: &str) -> Command {
    Command::parse(text).unwrap()
}

pub fn assert_safe(sim: &Sim) {
    assert!(
        sim.violations().is_empty(),
        "invariants broken: {:#?}",
        sim.violations()
    );
}

/// Events that happened on one server, oldest first.
pub fn events_on(sim: &Sim, node: NodeId) -> Vec<&Event> {
    sim.trace()
        .iter()
        .filter(|e| e.node == Some(node))
        .collect()
}

/// Advances in 1 ms steps until `done` holds or `limit_ms` passes; returns whether it held.
pub fn run_until(sim: &mut Sim, limit_ms: u64, mut done: impl FnMut(&Sim) -> bool) -> bool {
    let end = sim.now() + ms(limit_ms);
    while sim.now() < end {
        if done(sim) {
            return true;
        }
        sim.advance_by(ms(1));
    }
    done(sim)
}

/// Fires `id`'s election timer and runs until it leads.
pub fn elect(sim: &mut Sim, id: NodeId) {
    sim.apply(Action::Timeout { node: id }).unwrap();
    assert!(
        run_until(sim, 1_000, |sim| sim.leader() == Some(id)),
        "{id} did not become leader"
    );
}

/// The pieces a server handler needs, for testing one server on its own.
pub struct Bench {
    pub rng: rand_pcg::Pcg64Mcg,
    pub net: Network,
    pub trace: Trace,
    pub changes: Vec<(NodeId, LogIndex)>,
    pub now: Time,
}

impl Bench {
    pub fn new(nodes: usize) -> Bench {
        Bench {
            rng: rand_pcg::Pcg64Mcg::seed_from_u64(1),
            net: Network::new(nodes, (ms(10), ms(10)), 0, 0),
            trace: Trace::default(),
            changes: Vec::new(),
            now: 0,
        }
    }

    pub fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            now: self.now,
            rng: &mut self.rng,
            net: &mut self.net,
            trace: &mut self.trace,
            timing: Timing {
                election_min_us: ms(150),
                election_max_us: ms(300),
                heartbeat_us: ms(50),
                ..Timing::default()
            },
            pinned_timeout: None,
            log_changes: &mut self.changes,
            broken_used: Default::default(),
        }
    }

    /// The payloads sent so far, in order.
    pub fn sent(&self) -> Vec<&Packet> {
        let mut v: Vec<&Packet> = self.net.in_flight().collect();
        v.sort_by_key(|p| p.id);
        v
    }
}

/// A free-play-like run: a fresh cluster of `nodes` with `seed`; each op plays on by its first
/// number of microseconds (so instants fall between milliseconds too) and then tries an action
/// chosen by the other two. Actions the world refuses are left out, as the page does.
pub fn acted_run(
    seed: u64,
    nodes: usize,
    ops: &[(u64, u8, u8)],
) -> (raftsim::history::History, raftsim::history::Place) {
    use raftsim::history::{fresh, History};
    let config = Config {
        seed,
        nodes,
        ..Config::default()
    };
    let (mut h, mut place) = History::new(fresh(config)).expect("a fresh cluster");
    for &(wait_us, kind, which) in ops {
        let to = place.sim.now() + wait_us;
        h.play(&mut place, to).expect("plays");
        let n = NodeId(which % nodes as u8 + 1);
        let m = NodeId((which / 16) % nodes as u8 + 1);
        let action = match kind % 13 {
            0 => Action::Crash { node: n },
            1 => Action::Restart { node: n },
            2 => Action::Timeout { node: n },
            3 => Action::Write {
                node: n,
                command: Command::Set {
                    key: "x".into(),
                    value: i64::from(which),
                },
            },
            4 => Action::Partition {
                groups: vec![vec![n]],
            },
            5 => Action::Heal,
            6 => Action::Cut {
                from: n,
                to: m,
                both: which % 2 == 0,
            },
            7 => Action::Restore {
                from: n,
                to: m,
                both: which % 3 == 0,
            },
            8 => Action::Loss {
                ppm: u32::from(which) * 1_000,
            },
            9 => Action::LinkLatency {
                from: n,
                to: m,
                both: true,
                min_us: ms(5),
                max_us: ms(5 + u64::from(which % 30)),
            },
            10 => Action::PinTimeout {
                node: n,
                timeout_us: (which % 2 == 0).then(|| ms(200 + u64::from(which))),
            },
            11 => match place.sim.in_flight().map(|p| p.id).min() {
                Some(packet) => Action::Drop { packet },
                None => Action::Heal,
            },
            _ => Action::Write {
                node: n,
                command: Command::Add {
                    key: "y".into(),
                    n: 2,
                },
            },
        };
        let _ = h.act(&mut place, action);
    }
    (h, place)
}
