//! What a server may touch while it handles one event: the clock, the one PRNG, the network
//! (to send), the trace (to explain) and a note of which logs changed. `Sim` builds one `Ctx` per
//! event; the server (`node.rs`) only ever sees the world through it.

use crate::lab::{BrokenRule, BrokenRules, Protocol, ProtocolOption};
use crate::message::{Addr, Packet, PacketId, PacketSummary, Payload};
use crate::network::Network;
use crate::trace::{rules, Event, EventKind, Rule, Trace};
use crate::types::{LogIndex, NodeId, Time};
use rand_core::RngCore;
use rand_pcg::Pcg64Mcg;

/// The timing parameters a server needs, copied from the configuration, with the rules broken
/// on purpose and the protocol options (none by default).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub election_min_us: Time,
    pub election_max_us: Time,
    pub heartbeat_us: Time,
    pub broken: BrokenRules,
    pub protocol: Protocol,
}

/// What a server may touch while it handles one event: the clock, the one PRNG, the network (to
/// send), the trace (to explain), and a note of which logs changed (for the invariant checker).
pub struct Ctx<'a> {
    pub now: Time,
    pub rng: &'a mut Pcg64Mcg,
    pub net: &'a mut Network,
    pub trace: &'a mut Trace,
    pub timing: Timing,
    /// The handling server's pinned election timeout, if any.
    pub pinned_timeout: Option<Time>,
    /// `(server, first index)` for every log change made in this step.
    pub log_changes: &'a mut Vec<(NodeId, LogIndex)>,
    /// The broken rules that changed a decision while handling this event.
    pub broken_used: BrokenRules,
}

impl Ctx<'_> {
    /// Whether this run breaks `rule` on purpose.
    pub fn broken(&self, rule: BrokenRule) -> bool {
        self.timing.broken.contains(rule)
    }

    /// Records a decision only a broken rule allowed, citing the rule it breaks.
    pub fn record_broken(&mut self, node: Option<NodeId>, kind: EventKind, rule: BrokenRule) {
        self.broken_used.insert(rule);
        self.record(node, kind, rule.rule());
    }

    /// Whether this run has `option` on.
    pub fn option(&self, option: ProtocolOption) -> bool {
        self.timing.protocol.get(option)
    }

    /// A number drawn uniformly from `[lo, hi]`. Draws nothing when the range is one value.
    pub fn draw(&mut self, lo: Time, hi: Time) -> Time {
        if hi <= lo {
            return lo;
        }
        let span = u128::from(hi - lo) + 1;
        lo + ((u128::from(self.rng.next_u64()) * span) >> 64) as Time
    }

    /// True with probability `ppm` parts per million. Draws nothing when `ppm` is 0.
    pub fn chance(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.rng.next_u64() % 1_000_000 < u64::from(ppm)
    }

    /// Adds an event to the trace.
    pub fn record(&mut self, node: Option<NodeId>, kind: EventKind, rule: &'static Rule) {
        let seq = self.trace.len() as u64;
        self.trace.push(Event {
            seq,
            at: self.now,
            node,
            kind,
            rule,
        });
    }

    /// Puts a packet on the wire. Latency, loss and duplication are drawn here, in that order,
    /// then (in chaos runs only) whether each copy is held back. Client traffic is never
    /// duplicated, and lost only when the configuration says so (`client_loss`).
    ///
    /// Sending happens at once rather than through an outbox emptied after the handler: the
    /// trace then shows each send where the server made it (a leader that applies several
    /// entries answers each client right after applying its entry), and the PRNG draws come in
    /// the order the server acts. An outbox would move those sends after later events and so
    /// change traces.
    pub fn send(&mut self, from: Addr, to: Addr, payload: Payload) -> PacketId {
        let between_servers = matches!((from, to), (Addr::Node(_), Addr::Node(_)));
        let lossy = between_servers || self.net.client_loss();
        let (lo, hi) = self.net.path_latency(from, to);
        let latency = self.draw(lo, hi);
        let doomed = lossy && self.chance(self.net.loss_ppm());
        let twice = between_servers && self.chance(self.net.duplicate_ppm());
        let copy = twice.then(|| payload.clone());
        let latency = latency + self.hold_back();
        let id = self.put(from, to, latency, payload, doomed, false);
        if let Some(payload) = copy {
            let latency = self.draw(lo, hi);
            let doomed = self.chance(self.net.loss_ppm());
            let latency = latency + self.hold_back();
            self.put(from, to, latency, payload, doomed, true);
        }
        id
    }

    /// How much longer than its latency a packet is held back: usually nothing, in chaos runs
    /// sometimes up to a few election timeouts, so that it arrives after terms have changed.
    /// Draws nothing when the network holds nothing back.
    fn hold_back(&mut self) -> Time {
        if self.chance(self.net.slow_ppm()) {
            self.draw(0, self.net.slow_max_us())
        } else {
            0
        }
    }

    fn put(
        &mut self,
        from: Addr,
        to: Addr,
        latency: Time,
        payload: Payload,
        doomed: bool,
        duplicate: bool,
    ) -> PacketId {
        let id = self.net.allocate_id();
        let node = match from {
            Addr::Node(n) => Some(n),
            Addr::Client => None,
        };
        let rule = if duplicate {
            rules::DUPLICATE
        } else {
            rules::SEND
        };
        self.record(
            node,
            EventKind::MessageSent {
                packet: id,
                to,
                summary: PacketSummary::of(&payload),
                duplicate,
            },
            rule,
        );
        self.net.enqueue(
            Packet {
                id,
                from,
                to,
                sent_at: self.now,
                deliver_at: self.now + latency,
                payload,
            },
            doomed,
        );
        id
    }

    /// A fresh election timeout: the pinned one, or one drawn from [min, max].
    pub(crate) fn election_timeout(&mut self) -> Time {
        match self.pinned_timeout {
            Some(t) => t,
            None => self.draw(self.timing.election_min_us, self.timing.election_max_us),
        }
    }
}
