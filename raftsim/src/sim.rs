//! The whole simulated world: servers, network, client, one seeded PRNG, one clock, one trace.
//!
//! Everything observable is a function of (config, initial state, actions and the times they were
//! applied). `Sim` is `Clone`, and cloning is cheap enough to keep snapshots for step-back.

use crate::chunks::Chunks;
use crate::command::Command;
use crate::ctx::{Ctx, Timing};
use crate::fnv::Fnv1a;
use crate::invariants::{Checker, Violation};
use crate::lab::{BrokenRules, Protocol};
use crate::message::{Addr, ClientAnswer, ClientWriteId, Packet, PacketId, PacketSummary, Payload};
use crate::network::Network;
use crate::node::Node;
use crate::trace::{rules, DropReason, EventKind, Rule, Timer, Trace};
use crate::types::{fmt_ms, LogIndex, NodeId, Role, Time};

mod action;
mod client;
mod config;
#[cfg(test)]
mod tests;

pub use crate::types::MAX_NODES;
pub use action::{Action, ActionError};
use client::Client;
pub use client::{ClientWrite, WriteStatus, CLIENT_ID, MAX_REDIRECTS};
use config::validate_setup;
pub use config::{Config, ConfigError, NodeSetup, MAX_LATENCY_US, PPM};

/// The PRNG for a seed. A multiplicative PCG needs an odd state, so every seed is mapped to its
/// own odd state: odd seeds are used as they are, even seeds get bit 64 set as well (so seeds 2
/// and 3 no longer share a stream, while every odd seed keeps the stream it always had).
pub(crate) fn rng_for_seed(seed: u64) -> rand_pcg::Pcg64Mcg {
    let even = u128::from(seed & 1 == 0);
    rand_pcg::Pcg64Mcg::new(u128::from(seed | 1) | (even << 64))
}

/// The simulated world.
#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) config: Config,
    pub(crate) now: Time,
    pub(crate) nodes: Vec<Node>,
    pub(crate) network: Network,
    pub(crate) clients: Chunks<ClientWrite>,
    pub(crate) trace: Trace,
    pub(crate) checker: Checker,
    pub(crate) rng: rand_pcg::Pcg64Mcg,
    /// Pinned election timeouts, by `NodeId::index()`.
    pub(crate) pinned_timeout_us: Vec<Option<Time>>,
    /// Every violation the checker reported, oldest first.
    pub(crate) violations: Vec<Violation>,
    /// Logs changed by the step being processed, for the checker. Empty between steps.
    pub(crate) log_changes: Vec<(NodeId, LogIndex)>,
    /// Every server's running timer (`Node::next_timer`), by `NodeId::index()`, and the earliest
    /// of them (ties to the lower id). Servers change only inside `with_node`, which refreshes
    /// both, so finding the next timer costs nothing.
    pub(crate) timers: Vec<Option<(Time, Timer)>>,
    pub(crate) next_timer: Option<(Time, NodeId, Timer)>,
    /// Servers that ran (`with_node`) since the checker last looked: bit `NodeId::index()`.
    pub(crate) touched: u16,
    /// The rules broken on purpose that have changed a decision so far in this run.
    pub(crate) broken_used: BrokenRules,
    /// What the client knows besides its writes: the leader it last heard of, its retry timer.
    pub(crate) client: Client,
}

impl Sim {
    /// A fresh cluster: every server a follower in term 0 with an empty log.
    pub fn new(config: Config) -> Result<Sim, ConfigError> {
        Sim::with_setup(config, Vec::new())
    }

    /// A cluster that starts mid-story: `setup[i]` is the starting state of server S(i+1);
    /// servers without an entry start fresh.
    pub fn with_setup(config: Config, setup: Vec<NodeSetup>) -> Result<Sim, ConfigError> {
        config.validate()?;
        if setup.len() > config.nodes {
            return Err(ConfigError::Initial {
                node: NodeId::from_index(config.nodes.min(MAX_NODES - 1)),
                problem: format!(
                    "{} starting states given for a cluster of {}",
                    setup.len(),
                    config.nodes
                ),
            });
        }
        let mut nodes = Vec::with_capacity(config.nodes);
        let mut pinned = Vec::with_capacity(config.nodes);
        for i in 0..config.nodes {
            let id = NodeId::from_index(i);
            let s = setup.get(i).cloned().unwrap_or_default();
            validate_setup(id, &s, &config)?;
            pinned.push(s.election_timeout_us);
            nodes.push(Node::new(
                id,
                config.nodes,
                s.current_term,
                s.voted_for,
                s.log,
            ));
        }
        let mut sim = Sim {
            network: Network::new(
                config.nodes,
                (config.latency_min_us, config.latency_max_us),
                config.loss_ppm,
                config.duplicate_ppm,
            ),
            rng: rng_for_seed(config.seed),
            config,
            now: 0,
            nodes,
            clients: Chunks::new(),
            trace: Trace::default(),
            checker: Checker::new(),
            pinned_timeout_us: pinned,
            violations: Vec::new(),
            log_changes: Vec::new(),
            timers: Vec::new(),
            next_timer: None,
            touched: 0,
            broken_used: BrokenRules::NONE,
            client: Client::default(),
        };
        sim.network.set_harsh(
            (sim.config.slow_ppm, sim.config.slow_max_us),
            sim.config.client_loss,
            sim.config.max_in_flight,
        );
        sim.timers = sim.nodes.iter().map(Node::next_timer).collect();
        sim.next_timer = sim.earliest_timer();
        sim.start();
        Ok(sim)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        if id.0 == 0 {
            return None;
        }
        self.nodes.get(id.index())
    }

    /// Packets in flight, ordered by `(deliver_at, id)`.
    pub fn in_flight(&self) -> impl Iterator<Item = &Packet> + '_ {
        self.network.in_flight()
    }

    pub fn packet(&self, id: PacketId) -> Option<&Packet> {
        self.network.packet(id)
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn clients(&self) -> &Chunks<ClientWrite> {
        &self.clients
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Bounds the trace's memory: keep at least the latest `at_most` events and let older ones
    /// go (`None`: keep everything, the default). The simulation itself is unaffected; only
    /// what can be read back from the trace (and `trace_hash`, which covers the events kept) is.
    pub fn keep_trace(&mut self, at_most: Option<usize>) {
        self.trace.keep_at_most(at_most);
    }

    /// The rules broken on purpose that have changed a decision so far in this run (a subset
    /// of `config().broken_rules`).
    pub fn broken_rules_used(&self) -> BrokenRules {
        self.broken_used
    }

    /// Breaks or restores rules from now on. Not an [`Action`]: a run that must replay (time
    /// travel, saved files, links) sets them in the `Config` or scenario it starts from.
    pub fn set_broken_rules(&mut self, rules: BrokenRules) {
        self.config.broken_rules = rules;
    }

    /// Turns protocol options on or off from now on. Not an [`Action`]: a run that must replay
    /// sets them in the `Config` or scenario it starts from.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.config.protocol = protocol;
    }

    /// Every safety violation the checker has seen; empty while Raft holds.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The live (not crashed) leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        // Servers are in id order, so on equal terms the first one found (the lower id) stays.
        let mut best: Option<&Node> = None;
        for n in &self.nodes {
            if !n.crashed
                && n.role == Role::Leader
                && best.is_none_or(|b| n.current_term > b.current_term)
            {
                best = Some(n);
            }
        }
        best.map(|n| n.id)
    }

    /// The election timeout pinned for a server, if any.
    pub fn pinned_timeout(&self, id: NodeId) -> Option<Time> {
        self.pinned_timeout_us.get(id.index()).copied().flatten()
    }

    /// The earliest timer of a live server: `(time, server, which timer)`; ties go to the lower id.
    fn next_timer(&self) -> Option<(Time, NodeId, Timer)> {
        self.next_timer
    }

    /// Works out `next_timer` from `timers`.
    fn earliest_timer(&self) -> Option<(Time, NodeId, Timer)> {
        let mut best: Option<(Time, NodeId, Timer)> = None;
        for (i, next) in self.timers.iter().enumerate() {
            if let Some((t, timer)) = *next {
                if best.is_none_or(|(bt, _, _)| t < bt) {
                    best = Some((t, NodeId::from_index(i), timer));
                }
            }
        }
        best
    }

    /// When the next thing happens: the earliest packet delivery or timer of a live server.
    /// Nothing happens any more once the cap on packets in flight was reached
    /// (`Network::runaway`).
    pub fn next_event_at(&self) -> Option<Time> {
        if self.network.runaway().is_some() {
            return None;
        }
        let packet = self.network.next_delivery();
        let timer = self.next_timer().map(|(t, _, _)| t);
        let retry = self.client.retry_due.map(|(t, _)| t);
        [packet, timer, retry].into_iter().flatten().min()
    }

    /// Processes everything scheduled at the earliest pending time, in order (packets by id
    /// first, then timers by server id), including what those events schedule for the same
    /// instant. Sets the clock to that time and returns it.
    pub fn step_next_event(&mut self) -> Option<Time> {
        let t = self.next_event_at()?;
        self.step_at(t);
        Some(t)
    }

    /// `step_next_event` once the earliest pending time `t` is known.
    fn step_at(&mut self, t: Time) {
        self.now = self.now.max(t);
        while self.network.runaway().is_none() {
            if let Some((packet, doomed)) = self.network.pop_due(t) {
                self.deliver(packet, doomed);
            } else if let Some((_, id, timer)) = self.next_timer().filter(|&(at, _, _)| at <= t) {
                self.fire_timer(id, timer);
            } else if self.client.retry_due.is_some_and(|(at, _)| at <= t) {
                self.retry_due_write();
            } else {
                break;
            }
            self.after_step();
        }
    }

    /// Processes every event due at or before `t`, in order, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: Time) {
        if t <= self.now {
            return;
        }
        while let Some(next) = self.next_event_at() {
            if next > t {
                break;
            }
            self.step_at(next);
        }
        self.now = t;
    }

    pub fn advance_by(&mut self, dt: Time) {
        self.advance_to(self.now.saturating_add(dt));
    }

    /// Does an action now. On error the world is unchanged; on success it is in the trace.
    pub fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        match action {
            Action::Timeout { node } => {
                let n = self.live_node(node)?;
                if n.role == Role::Leader {
                    return Err(ActionError::BadValue(format!(
                        "{node} is the leader; a leader runs no election timer"
                    )));
                }
                self.with_node(node, |n, ctx| n.tick_election(ctx, rules::BY_HAND));
            }
            Action::Crash { node } => {
                self.live_node(node)?;
                self.with_node(node, |n, ctx| n.crash(ctx));
            }
            Action::Restart { node } => {
                if !self.known_node(node)?.crashed {
                    return Err(ActionError::NotCrashed(node));
                }
                self.with_node(node, |n, ctx| n.restart(ctx));
            }
            Action::Write { node, command } => {
                self.submit_write(node, command)?;
                return Ok(());
            }
            Action::Retry { write, node } => return self.retry_write(write, node),
            Action::Partition { groups } => {
                let full = self
                    .network
                    .complete_partition(&groups)
                    .map_err(ActionError::BadPartition)?;
                let description = if full.len() <= 1 {
                    "Partition with a single group: every server can reach every other".to_string()
                } else {
                    let parts: Vec<String> = full
                        .iter()
                        .map(|g| {
                            let names: Vec<String> = g.iter().map(|id| id.to_string()).collect();
                            format!("{{{}}}", names.join(", "))
                        })
                        .collect();
                    format!(
                        "The network split into {}: messages between groups are lost",
                        parts.join(" | ")
                    )
                };
                self.network.set_partition(full);
                self.record_network(description);
            }
            Action::Heal => {
                self.network.heal();
                self.record_network(
                    "The network healed: every partition and cut link is gone".to_string(),
                );
            }
            Action::Cut { from, to, both } | Action::Restore { from, to, both } => {
                let down = matches!(action, Action::Cut { .. });
                self.check_link(from, to)?;
                self.network.set_cut(from, to, down);
                if both {
                    self.network.set_cut(to, from, down);
                }
                let arrow = if both { "↔" } else { "→" };
                let what = if down { "was cut" } else { "is back up" };
                self.record_network(format!("The link {from} {arrow} {to} {what}"));
            }
            Action::Drop { packet } => {
                let dropped = self
                    .network
                    .remove(packet)
                    .ok_or(ActionError::NoSuchPacket(packet))?;
                self.record(
                    None,
                    EventKind::MessageDropped {
                        packet,
                        reason: DropReason::DroppedByUser,
                        summary: PacketSummary::of(&dropped.payload),
                    },
                    rules::BY_HAND,
                );
            }
            Action::Loss { ppm } => {
                if ppm > PPM {
                    return Err(ActionError::BadValue(format!(
                        "loss: {ppm} parts per million is more than {PPM}"
                    )));
                }
                self.network.set_loss(ppm);
                self.record_network(format!(
                    "The network now loses {}.{:04}% of packets",
                    ppm / 10_000,
                    ppm % 10_000
                ));
            }
            Action::Duplicate { ppm } => {
                if ppm > PPM {
                    return Err(ActionError::BadValue(format!(
                        "duplicate: {ppm} parts per million is more than {PPM}"
                    )));
                }
                self.network.set_duplicate(ppm);
                self.record_network(format!(
                    "The network now delivers {}.{:04}% of packets twice",
                    ppm / 10_000,
                    ppm % 10_000
                ));
            }
            Action::LinkLatency {
                from,
                to,
                both,
                min_us,
                max_us,
            } => {
                self.check_link(from, to)?;
                if min_us > max_us || max_us > MAX_LATENCY_US {
                    return Err(ActionError::BadValue(format!(
                        "latency: min ({min_us} µs) must be at most max ({max_us} µs), and max at most 10 s"
                    )));
                }
                self.network.set_link_latency(from, to, (min_us, max_us));
                if both {
                    self.network.set_link_latency(to, from, (min_us, max_us));
                }
                let arrow = if both { "↔" } else { "→" };
                self.record_network(format!(
                    "The link {from} {arrow} {to} now takes {} to {}",
                    fmt_ms(min_us),
                    fmt_ms(max_us)
                ));
            }
            Action::PinTimeout { node, timeout_us } => {
                self.known_node(node)?;
                if timeout_us == Some(0) {
                    return Err(ActionError::BadValue(
                        "a pinned election timeout must be positive".to_string(),
                    ));
                }
                self.pinned_timeout_us[node.index()] = timeout_us;
                self.record(
                    Some(node),
                    EventKind::TimeoutPinned { timeout_us },
                    rules::BY_HAND,
                );
            }
        }
        self.after_step();
        Ok(())
    }

    /// The client sends a write to `node`.
    pub fn submit_write(
        &mut self,
        node: NodeId,
        command: Command,
    ) -> Result<ClientWriteId, ActionError> {
        self.live_node(node)?;
        let id = self.clients.len() as ClientWriteId + 1;
        self.clients.push(ClientWrite {
            id,
            client: CLIENT_ID,
            seq: id,
            command: command.clone(),
            submitted_at: self.now,
            sent_to: vec![node],
            status: WriteStatus::Pending,
            retries: 0,
            hops: 0,
            last_sent_at: self.now,
            duplicate: false,
        });
        self.client.pending.push(id);
        self.refresh_retry();
        self.record(
            Some(node),
            EventKind::ClientWriteSubmitted {
                write: id,
                command: command.clone(),
            },
            rules::CLIENT,
        );
        self.client_send(node, id, command);
        self.after_step();
        Ok(id)
    }

    /// FNV-1a over the JSON of every trace event kept: equal hashes, equal histories.
    pub fn trace_hash(&self) -> u64 {
        let mut hasher = Fnv1a::new();
        for event in self.trace.iter() {
            serde_json::to_writer(&mut hasher, event).expect("events always serialize");
        }
        hasher.finish()
    }

    // ----- inside the world -----

    fn known_node(&self, id: NodeId) -> Result<&Node, ActionError> {
        self.node(id)
            .ok_or(ActionError::UnknownNode(id, self.config.nodes))
    }

    fn live_node(&self, id: NodeId) -> Result<&Node, ActionError> {
        let node = self.known_node(id)?;
        if node.crashed {
            return Err(ActionError::Crashed(id));
        }
        Ok(node)
    }

    fn check_link(&self, from: NodeId, to: NodeId) -> Result<(), ActionError> {
        self.known_node(from)?;
        self.known_node(to)?;
        if from == to {
            return Err(ActionError::SelfLink(from));
        }
        Ok(())
    }

    fn timing(&self) -> Timing {
        Timing {
            election_min_us: self.config.election_timeout_min_us,
            election_max_us: self.config.election_timeout_max_us,
            heartbeat_us: self.config.heartbeat_interval_us,
            broken: self.config.broken_rules,
            protocol: self.config.protocol,
        }
    }

    /// Runs `f` on one server with a context onto the rest of the world.
    fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut Node, &mut Ctx) -> R) -> R {
        let timing = self.timing();
        let mut ctx = Ctx {
            now: self.now,
            rng: &mut self.rng,
            net: &mut self.network,
            trace: &mut self.trace,
            timing,
            pinned_timeout: self.pinned_timeout_us[id.index()],
            log_changes: &mut self.log_changes,
            broken_used: BrokenRules::NONE,
        };
        self.touched |= 1 << id.index();
        let node = &mut self.nodes[id.index()];
        let result = f(node, &mut ctx);
        self.broken_used = self.broken_used.union(ctx.broken_used);
        let next = node.next_timer();
        if self.timers[id.index()] != next {
            self.timers[id.index()] = next;
            self.next_timer = self.earliest_timer();
        }
        result
    }

    /// A context for the world outside any server (the client, network events).
    fn with_world<R>(&mut self, f: impl FnOnce(&mut Ctx) -> R) -> R {
        let timing = self.timing();
        let mut ctx = Ctx {
            now: self.now,
            rng: &mut self.rng,
            net: &mut self.network,
            trace: &mut self.trace,
            timing,
            pinned_timeout: None,
            log_changes: &mut self.log_changes,
            broken_used: BrokenRules::NONE,
        };
        f(&mut ctx)
    }

    fn record(&mut self, node: Option<NodeId>, kind: EventKind, rule: &'static Rule) {
        self.with_world(|ctx| ctx.record(node, kind, rule));
    }

    fn record_network(&mut self, description: String) {
        self.record(
            None,
            EventKind::NetworkChanged { description },
            rules::NETWORK,
        );
    }

    /// Starts every server's election timer, in id order.
    fn start(&mut self) {
        for i in 0..self.nodes.len() {
            self.with_node(NodeId::from_index(i), |n, ctx| n.reset_election_timer(ctx));
        }
        if self.config.check_invariants {
            let found = self.checker.observe(self.now, &self.nodes);
            self.violations.extend(found);
            self.touched = 0;
        }
        self.log_changes.clear();
    }

    fn fire_timer(&mut self, id: NodeId, timer: Timer) {
        match timer {
            Timer::Election => {
                self.with_node(id, |n, ctx| n.tick_election(ctx, rules::ELECTION_TIMEOUT))
            }
            Timer::Heartbeat => self.with_node(id, |n, ctx| n.tick_heartbeat(ctx)),
        }
    }

    fn deliver(&mut self, packet: Packet, doomed: bool) {
        let Packet {
            id,
            from,
            to,
            payload,
            ..
        } = packet;
        let summary = PacketSummary::of(&payload);
        let drop = match to {
            Addr::Node(n) if self.nodes[n.index()].crashed => {
                Some((DropReason::ReceiverCrashed, rules::RECEIVER_CRASHED))
            }
            _ if !self.network.path_up(from, to) => Some((DropReason::LinkDown, rules::LINK_DOWN)),
            _ if doomed => Some((DropReason::Lost, rules::LOST)),
            _ => None,
        };
        let receiver = match to {
            Addr::Node(n) => Some(n),
            Addr::Client => None,
        };
        if let Some((reason, rule)) = drop {
            self.record(
                receiver,
                EventKind::MessageDropped {
                    packet: id,
                    reason,
                    summary,
                },
                rule,
            );
            return;
        }
        self.record(
            receiver,
            EventKind::MessageDelivered {
                packet: id,
                from,
                summary,
            },
            rules::DELIVER,
        );
        match to {
            Addr::Node(n) => self.with_node(n, |node, ctx| node.handle_message(ctx, from, payload)),
            Addr::Client => {
                if let (Addr::Node(n), Payload::ClientReply { write, answer }) = (from, payload) {
                    self.client_receive(n, write, answer);
                }
            }
        }
    }

    /// The client gets an answer: done, or try the named leader (at most `MAX_REDIRECTS` times).
    fn client_receive(&mut self, from: NodeId, write: ClientWriteId, answer: ClientAnswer) {
        let (now, follow) = (self.now, self.config.client_follows_redirects);
        let Some(w) = self.clients.get_mut((write as usize).wrapping_sub(1)) else {
            return;
        };
        let Some((rule, resend)) = w.take_answer(&answer, now, follow) else {
            return;
        };
        if w.status != WriteStatus::Pending {
            self.settled(write);
        }
        self.client.leader = match answer {
            ClientAnswer::Committed { .. } => Some(from),
            ClientAnswer::Redirect { leader } => leader.or(self.client.leader),
        };
        self.refresh_retry();
        self.record(None, EventKind::ClientAnswered { write, answer }, rule);
        if let Some((leader, command)) = resend {
            self.client_send(leader, write, command);
        }
    }

    /// Runs the invariant checker on what the last step changed.
    fn after_step(&mut self) {
        if self.config.check_invariants {
            let found =
                self.checker
                    .observe_step(self.now, &self.nodes, &self.log_changes, self.touched);
            let used = self.broken_used;
            self.violations.extend(found.into_iter().map(|mut v| {
                v.broken_rules = used;
                v
            }));
            self.touched = 0;
        }
        self.log_changes.clear();
    }
}
