//! The whole simulated world: servers, network, client, one seeded PRNG, one clock, one trace.
//!
//! Everything observable is a function of (config, initial state, actions and the times they were
//! applied). `Sim` is `Clone`, and cloning is cheap enough to keep snapshots for step-back.

use crate::command::Command;
use crate::invariants::Checker;
use crate::message::{ClientWriteId, Entry, Packet};
use crate::network::Network;
use crate::node::Node;
use crate::trace::Trace;
use crate::types::{LogIndex, NodeId, Term, Time, US_PER_MS};
use serde::Serialize;
use thiserror::Error;

/// Largest cluster the simulation (and the screen) supports.
pub const MAX_NODES: usize = 9;

/// Parameters of a simulation. All times in microseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Config {
    /// Number of servers, 1..=9.
    pub nodes: usize,
    /// Drives every random choice.
    pub seed: u64,
    /// Election timeouts are drawn uniformly from [min, max] on every reset (§5.2).
    pub election_timeout_min_us: Time,
    pub election_timeout_max_us: Time,
    /// A leader sends AppendEntries (heartbeats if empty) at this interval (§5.2).
    pub heartbeat_interval_us: Time,
    /// One-way latency of a link, drawn uniformly from [min, max] per packet.
    pub latency_min_us: Time,
    pub latency_max_us: Time,
    /// Random faults for sweeps, in parts per million of packets sent.
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
    /// Whether the client re-sends a write to the leader named in a redirect.
    pub client_follows_redirects: bool,
    /// Whether the invariant checker runs after every step.
    pub check_invariants: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            nodes: 5,
            seed: 1,
            election_timeout_min_us: 150 * US_PER_MS,
            election_timeout_max_us: 300 * US_PER_MS,
            heartbeat_interval_us: 50 * US_PER_MS,
            latency_min_us: 10 * US_PER_MS,
            latency_max_us: 20 * US_PER_MS,
            loss_ppm: 0,
            duplicate_ppm: 0,
            client_follows_redirects: true,
            check_invariants: true,
        }
    }
}

/// Why a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("nodes: a cluster has 1 to {MAX_NODES} servers, not {0}")]
    NodeCount(usize),
    #[error("election timeout: min ({min_us} µs) must be positive and at most max ({max_us} µs)")]
    ElectionTimeout { min_us: Time, max_us: Time },
    #[error("heartbeat interval ({heartbeat_us} µs) must be positive and below the minimum election timeout ({election_min_us} µs)")]
    Heartbeat {
        heartbeat_us: Time,
        election_min_us: Time,
    },
    #[error("latency: min ({min_us} µs) must be at most max ({max_us} µs), and max at most 10 s")]
    Latency { min_us: Time, max_us: Time },
    #[error("{field}: {value} parts per million is more than 1000000")]
    Rate { field: &'static str, value: u32 },
    #[error("initial state for {node}: {problem}")]
    Initial { node: NodeId, problem: String },
}

/// A server's starting state, for scenarios that begin mid-story (e.g. Figure 7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSetup {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Vec<Entry>,
    /// Pins this server's election timeout to a fixed value instead of drawing it.
    pub election_timeout_us: Option<Time>,
}

/// Something a person (or a scenario script, or the tour) does to the world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Fire this server's election timer now (§5.2).
    Timeout { node: NodeId },
    /// Stop a server: it does nothing and loses what is sent to it.
    Crash { node: NodeId },
    /// Start a crashed server again with its persistent state (term, vote, log).
    Restart { node: NodeId },
    /// The client sends a write to this server.
    Write { node: NodeId, command: Command },
    /// Split the servers into groups; links between groups are down. Servers not named form one
    /// more group of their own.
    Partition { groups: Vec<Vec<NodeId>> },
    /// Remove every partition and restore every cut link.
    Heal,
    /// Take down the link from `from` to `to` (and back, if `both`).
    Cut {
        from: NodeId,
        to: NodeId,
        both: bool,
    },
    /// Bring back the link from `from` to `to` (and back, if `both`).
    Restore {
        from: NodeId,
        to: NodeId,
        both: bool,
    },
    /// Lose one packet in flight.
    Drop { packet: u64 },
    /// Random loss rate from now on, in parts per million.
    Loss { ppm: u32 },
    /// Latency of the link `from` → `to` (both ways if `both`) from now on.
    LinkLatency {
        from: NodeId,
        to: NodeId,
        both: bool,
        min_us: Time,
        max_us: Time,
    },
    /// Pin (Some) or unpin (None) a server's election timeout. Takes effect at its next reset.
    PinTimeout {
        node: NodeId,
        timeout_us: Option<Time>,
    },
}

/// Why an action could not be done. The world is unchanged when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ActionError {
    #[error("unknown node {0}: this cluster has S1 to S{1}")]
    UnknownNode(NodeId, usize),
    #[error("{0} is crashed")]
    Crashed(NodeId),
    #[error("{0} is not crashed")]
    NotCrashed(NodeId),
    #[error("no packet {0} is in flight")]
    NoSuchPacket(u64),
    #[error("a link needs two different servers, not {0} to itself")]
    SelfLink(NodeId),
    #[error("partition: {0}")]
    BadPartition(String),
    #[error("{0}")]
    BadValue(String),
}

/// What became of a client write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WriteStatus {
    /// Sent, not answered yet (it may never be, if its entry is lost).
    Pending,
    /// Answered after commit and apply.
    Committed {
        index: LogIndex,
        value: i64,
        at: Time,
    },
    /// Redirected with no leader known, or redirected when the client does not follow redirects.
    Redirected { leader: Option<NodeId>, at: Time },
}

/// One write the client made, from typing to answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientWrite {
    pub id: ClientWriteId,
    pub command: Command,
    pub submitted_at: Time,
    /// Every server the write was sent to, in order (more than one after redirects).
    pub sent_to: Vec<NodeId>,
    pub status: WriteStatus,
}

/// The simulated world.
#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) config: Config,
    pub(crate) now: Time,
    pub(crate) nodes: Vec<Node>,
    pub(crate) network: Network,
    pub(crate) clients: Vec<ClientWrite>,
    pub(crate) trace: Trace,
    pub(crate) checker: Checker,
    pub(crate) rng: rand_pcg::Pcg64Mcg,
    /// Pinned election timeouts, by `NodeId::index()`.
    pub(crate) pinned_timeout_us: Vec<Option<Time>>,
}
