//! Random faults for seed sweeps and soak runs: one seed picks a cluster, a network, and a timed
//! stream of crashes, restarts, partitions, cut links, loss, duplication and client writes. Then
//! everything heals and the run checks that the cluster recovers (liveness) and kept every
//! promise (safety).
//!
//! The network of a chaos run is harsher than an ordinary one: some packets are held back for
//! up to a few election timeouts, so messages from old terms arrive after the terms changed;
//! random loss also takes client requests and replies; and packets in flight are capped, so a
//! bug that multiplies messages fails its seed with a reason instead of eating memory.
//!
//! The sweep test and the `soak` example both call [`run_seed`], so a failing seed printed by one
//! replays in the other.

use crate::command::Command;
use crate::lab::Protocol;
use crate::sim::{Action, Config, Sim, WriteStatus};
use crate::types::{NodeId, Role, Time, US_PER_MS};
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::fmt;

/// How long and how rough a chaos run is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaosOptions {
    /// Simulated time during which faults and writes happen.
    pub fault_time_us: Time,
    /// Average gap between two faults or writes.
    pub mean_gap_us: Time,
    /// After healing, the cluster must elect a leader, commit a write and bring every server up
    /// to date within this much simulated time.
    pub recovery_limit_us: Time,
    /// Largest cluster to draw.
    pub max_nodes: usize,
    /// Protocol options every run has on (none by default).
    pub protocol: Protocol,
    /// Most packets in flight at once; a run that goes past it fails as a runaway.
    pub max_in_flight: usize,
}

impl Default for ChaosOptions {
    fn default() -> ChaosOptions {
        ChaosOptions {
            fault_time_us: 3_000 * US_PER_MS,
            mean_gap_us: 40 * US_PER_MS,
            recovery_limit_us: 20_000 * US_PER_MS,
            max_nodes: 7,
            protocol: Protocol::default(),
            max_in_flight: 2_000,
        }
    }
}

/// What a successful run looked like.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub seed: u64,
    pub nodes: usize,
    pub faults: usize,
    pub writes_committed: usize,
    /// Simulated time from the heal until the cluster was whole again.
    pub recovery_us: Time,
    /// The world at the end, for further checks.
    pub sim: Sim,
}

impl RunSummary {
    /// The hash of the run's trace (`Sim::trace_hash`): equal hashes, equal histories.
    pub fn trace_hash(&self) -> u64 {
        self.sim.trace_hash()
    }
}

/// Why a run failed. Its `Display` ends with "replay with seed N".
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    pub at: Time,
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} failed at {} µs: {}\nreplay with seed {}",
            self.seed, self.at, self.reason, self.seed
        )
    }
}

/// Draws faults for one seed. Its PRNG is separate from the simulation's (derived from the same
/// seed), so the faults do not shift when the protocol draws differently, and vice versa.
pub struct Chaos {
    rng: Pcg64Mcg,
    writes: u64,
}

impl Chaos {
    pub fn new(seed: u64) -> Chaos {
        Chaos {
            rng: Pcg64Mcg::seed_from_u64(seed ^ 0x6368_616f_735f_7631),
            writes: 0,
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len() as u64) as usize])
        }
    }

    /// A random cluster and network for this seed.
    pub fn config(&mut self, seed: u64, opts: &ChaosOptions) -> Config {
        const SIZES: [usize; 10] = [1, 2, 3, 3, 3, 4, 5, 5, 5, 7];
        let nodes = self.pick(&SIZES).unwrap_or(3).min(opts.max_nodes).max(1);
        let latency_min = self.range(1, 15) * US_PER_MS;
        let latency_max = latency_min + self.range(0, 20) * US_PER_MS;
        let loss_ppm = [0, 0, 10_000, 50_000][self.below(4) as usize];
        let duplicate_ppm = [0, 0, 10_000, 50_000][self.below(4) as usize];
        // Held-back packets: none, rare or common, up to one to six election timeouts late
        // (ordinary latencies stay far below one).
        let slow_ppm = [0, 2_000, 10_000, 40_000][self.below(4) as usize];
        let slow_max_us = self.range(150, 900) * US_PER_MS;
        Config {
            nodes,
            seed,
            latency_min_us: latency_min,
            latency_max_us: latency_max,
            loss_ppm,
            duplicate_ppm,
            slow_ppm,
            slow_max_us,
            client_loss: true,
            max_in_flight: Some(opts.max_in_flight),
            client_follows_redirects: self.below(4) != 0,
            check_invariants: true,
            protocol: opts.protocol,
            ..Config::default()
        }
    }

    /// A fresh client command; every one differs, so writes can be found in logs.
    pub fn command(&mut self) -> Command {
        self.writes += 1;
        let key: std::sync::Arc<str> = format!("k{}", self.below(3)).into();
        if self.below(2) == 0 {
            Command::Set {
                key,
                value: self.writes as i64,
            }
        } else {
            Command::Add {
                key,
                n: self.writes as i64,
            }
        }
    }

    /// Gap until the next fault or write.
    pub fn gap(&mut self, opts: &ChaosOptions) -> Time {
        self.range(1, 2 * opts.mean_gap_us.max(1))
    }

    /// A fault or write that makes sense in the current world (always a valid action).
    pub fn next_action(&mut self, sim: &Sim) -> Action {
        let n = sim.config().nodes;
        let ids: Vec<NodeId> = (0..n).map(NodeId::from_index).collect();
        let live: Vec<NodeId> = sim
            .nodes()
            .iter()
            .filter(|x| !x.crashed)
            .map(|x| x.id)
            .collect();
        let crashed: Vec<NodeId> = sim
            .nodes()
            .iter()
            .filter(|x| x.crashed)
            .map(|x| x.id)
            .collect();
        loop {
            let roll = self.below(106);
            let action = match roll {
                0..=39 => self.pick(&live).map(|node| Action::Write {
                    node,
                    command: self.command(),
                }),
                40..=47 => self.pick(&live).map(|node| Action::Crash { node }),
                48..=59 => self.pick(&crashed).map(|node| Action::Restart { node }),
                60..=66 if n > 1 => {
                    let groups = self.below(2) + 2;
                    let mut parts: Vec<Vec<NodeId>> = vec![Vec::new(); groups as usize];
                    for &id in &ids {
                        let g = self.below(groups) as usize;
                        parts[g].push(id);
                    }
                    parts.retain(|g| !g.is_empty());
                    Some(Action::Partition { groups: parts })
                }
                67..=74 => Some(Action::Heal),
                75..=81 if n > 1 => {
                    let from = ids[self.below(n as u64) as usize];
                    let to = ids[self.below(n as u64) as usize];
                    let both = self.below(2) == 0;
                    (from != to).then_some(Action::Cut { from, to, both })
                }
                82..=85 => {
                    let cuts: Vec<(NodeId, NodeId)> = sim.network().cut_links().collect();
                    self.pick(&cuts).map(|(from, to)| Action::Restore {
                        from,
                        to,
                        both: false,
                    })
                }
                86..=89 => Some(Action::Loss {
                    ppm: [0, 0, 20_000, 100_000, 300_000][self.below(5) as usize],
                }),
                90..=95 => {
                    let count = sim.network().in_flight_len() as u64;
                    if count == 0 {
                        None
                    } else {
                        let k = self.below(count) as usize;
                        sim.in_flight()
                            .nth(k)
                            .map(|p| Action::Drop { packet: p.id })
                    }
                }
                96..=97 if n > 1 => {
                    let from = ids[self.below(n as u64) as usize];
                    let to = ids[self.below(n as u64) as usize];
                    let min_us = self.range(0, 40) * US_PER_MS;
                    let max_us = min_us + self.range(0, 20) * US_PER_MS;
                    let both = self.below(2) == 0;
                    (from != to).then_some(Action::LinkLatency {
                        from,
                        to,
                        both,
                        min_us,
                        max_us,
                    })
                }
                100..=101 => Some(Action::Duplicate {
                    ppm: [0, 0, 20_000, 100_000, 300_000][self.below(5) as usize],
                }),
                98..=99 => {
                    let node = ids[self.below(n as u64) as usize];
                    let timeout_us = match self.below(3) {
                        0 => None,
                        _ => Some(self.range(150, 400) * US_PER_MS),
                    };
                    Some(Action::PinTimeout { node, timeout_us })
                }
                _ => {
                    let candidates: Vec<NodeId> = sim
                        .nodes()
                        .iter()
                        .filter(|x| !x.crashed && x.role != Role::Leader)
                        .map(|x| x.id)
                        .collect();
                    self.pick(&candidates).map(|node| Action::Timeout { node })
                }
            };
            if let Some(a) = action {
                return a;
            }
        }
    }
}

/// Runs one seed: faults, then heal and recovery, checking safety after every step and
/// liveness at the end.
pub fn run_seed(seed: u64, opts: &ChaosOptions) -> Result<RunSummary, Failure> {
    let mut chaos = Chaos::new(seed);
    let config = chaos.config(seed, opts);
    let nodes = config.nodes;
    let fail = |sim: &Sim, reason: String| Failure {
        seed,
        at: sim.now(),
        reason,
    };
    let mut sim = Sim::new(config).map_err(|e| Failure {
        seed,
        at: 0,
        reason: format!("config refused: {e}"),
    })?;
    let check = |sim: &Sim| -> Result<(), Failure> {
        if let Some((at, count)) = sim.network().runaway() {
            return Err(Failure {
                seed,
                at,
                reason: format!(
                    "runaway: {count} packets were in flight at once, the most a run allows \
                     ({}), so the run stopped",
                    opts.max_in_flight
                ),
            });
        }
        match sim.violations().first() {
            Some(v) => Err(fail(sim, format!("invariant broken: {v}"))),
            None => Ok(()),
        }
    };

    // Faults.
    let mut faults = 0;
    let mut t = chaos.gap(opts);
    while t < opts.fault_time_us {
        sim.advance_to(t);
        check(&sim)?;
        let action = chaos.next_action(&sim);
        let shown = format!("{action:?}");
        sim.apply(action)
            .map_err(|e| fail(&sim, format!("chaos action {shown} refused: {e}")))?;
        check(&sim)?;
        faults += 1;
        t += chaos.gap(opts);
    }
    sim.advance_to(opts.fault_time_us);
    check(&sim)?;

    // Heal everything.
    let healed_at = sim.now();
    // Loss goes; duplication goes back to what the run started with.
    let mut heal = vec![
        Action::Heal,
        Action::Loss { ppm: 0 },
        Action::Duplicate {
            ppm: sim.config().duplicate_ppm,
        },
    ];
    let (lo, hi) = sim.network().default_latency();
    for n in sim.nodes() {
        if n.crashed {
            heal.push(Action::Restart { node: n.id });
        }
        // Pinned timeouts could be equal and split votes forever; latencies go back to normal.
        heal.push(Action::PinTimeout {
            node: n.id,
            timeout_us: None,
        });
        for m in sim.nodes() {
            if m.id != n.id && sim.network().link_latency(n.id, m.id) != (lo, hi) {
                heal.push(Action::LinkLatency {
                    from: n.id,
                    to: m.id,
                    both: false,
                    min_us: lo,
                    max_us: hi,
                });
            }
        }
    }
    for a in heal {
        sim.apply(a)
            .map_err(|e| fail(&sim, format!("heal refused: {e}")))?;
    }
    check(&sim)?;

    // Recovery: a leader, a probe write committed in its term (a leader commits older entries
    // only along with one of its own, §5.4.2), and every server caught up.
    let deadline = healed_at + opts.recovery_limit_us;
    // The last probe: (write id, leader, term, sent at).
    let mut probe: Option<(u64, NodeId, u64, Time)> = None;
    loop {
        if sim.now() >= deadline {
            return Err(fail(
                &sim,
                format!(
                    "liveness: the cluster did not recover within {} ms of healing (leader {:?}, probe {:?}, commit indexes {:?})",
                    opts.recovery_limit_us / US_PER_MS,
                    sim.leader(),
                    probe.map(|(id, ..)| sim.clients()[id as usize - 1].status.clone()),
                    sim.nodes().iter().map(|n| n.commit_index).collect::<Vec<_>>()
                ),
            ));
        }
        sim.advance_by(10 * US_PER_MS);
        check(&sim)?;
        let Some(leader) = sim.leader() else {
            continue;
        };
        let l = sim.node(leader).expect("the leader exists");
        let term = l.current_term;
        let probe_status = probe
            .filter(|&(_, pl, pt, _)| pl == leader && pt == term)
            .map(|(id, _, _, at)| (sim.clients()[id as usize - 1].status.clone(), at));
        match probe_status {
            Some((WriteStatus::Committed { .. }, _)) => {}
            Some((WriteStatus::Pending, at)) if sim.now() < at + 1_000 * US_PER_MS => continue,
            _ => {
                // No probe for this leader yet, or it was lost: send one.
                let id = sim
                    .submit_write(leader, chaos.command())
                    .map_err(|e| fail(&sim, format!("probe write refused: {e}")))?;
                probe = Some((id, leader, term, sim.now()));
                continue;
            }
        }
        let target = l.commit_index;
        let caught_up = l.last_log_index() == target
            && l.last_log_term() == term
            && sim.nodes().iter().all(|n| n.last_applied == target);
        if caught_up {
            break;
        }
    }
    let recovery_us = sim.now() - healed_at;

    // Every acknowledged write is in every log, at the index it was acknowledged at.
    let mut writes_committed = 0;
    for w in sim.clients() {
        if let WriteStatus::Committed { index, .. } = w.status {
            writes_committed += 1;
            for n in sim.nodes() {
                let found = n.log.get(index as usize - 1).map(|e| &e.command);
                if found != Some(&w.command) {
                    return Err(fail(
                        &sim,
                        format!(
                            "acknowledged write #{} ({}) at index {index} is missing from {}'s log (found {:?})",
                            w.id, w.command, n.id, found
                        ),
                    ));
                }
            }
        }
    }
    // Every state machine agrees, and so does every committed log.
    let first = &sim.nodes()[0];
    let committed = first.commit_index as usize;
    for n in sim.nodes() {
        if n.kv != first.kv || !n.log.range(0..committed).eq(first.log.range(0..committed)) {
            return Err(fail(
                &sim,
                format!(
                    "{} and {} disagree after catching up: {:?} vs {:?}",
                    first.id, n.id, first.kv.values, n.kv.values
                ),
            ));
        }
    }
    Ok(RunSummary {
        seed,
        nodes,
        faults,
        writes_committed,
        recovery_us,
        sim,
    })
}

/// Runs a seed twice and checks both runs tell the same story: the same trace, event for
/// event, and the same servers at the end. (Comparing the traces directly costs far less than
/// hashing them.)
pub fn run_seed_twice(seed: u64, opts: &ChaosOptions) -> Result<RunSummary, Failure> {
    let first = run_seed(seed, opts)?;
    let second = run_seed(seed, opts)?;
    let (a, b) = (first.sim.trace(), second.sim.trace());
    let differ = |reason: String| Failure {
        seed,
        at: first.sim.now(),
        reason: format!("nondeterminism: {reason}"),
    };
    if let Some((x, y)) = a.iter().zip(b.iter()).find(|(x, y)| x != y) {
        return Err(differ(format!(
            "the two runs differ first at event {}: {x:?} and {y:?}",
            x.seq
        )));
    }
    if a.len() != b.len() {
        return Err(differ(format!(
            "one run has {} events, the other {}",
            a.len(),
            b.len()
        )));
    }
    if first.sim.nodes() != second.sim.nodes() || first.sim.now() != second.sim.now() {
        return Err(differ("the servers differ at the end".to_string()));
    }
    Ok(first)
}
