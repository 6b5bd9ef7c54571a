//! What a simulation is set up with: its parameters (`Config`), why a set of them is refused
//! (`ConfigError`), and the starting state of servers that begin mid-story (`NodeSetup`).

use crate::lab::{BrokenRules, Protocol};
use crate::message::Entry;
use crate::types::{NodeId, Term, Time, MAX_NODES, US_PER_MS};
use serde::Serialize;
use thiserror::Error;

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
    /// Harsher faults for chaos runs (all off by default): packets held back for longer than
    /// an election timeout, and loss that also takes client requests and replies.
    pub slow_ppm: u32,
    /// A held-back packet arrives up to this much later than its drawn latency.
    pub slow_max_us: Time,
    /// Whether random loss also takes packets to and from the client.
    pub client_loss: bool,
    /// Most packets that may be in flight at once (None: no limit). A run that would put more
    /// on the wire stops there and says so (`Sim::runaway`): a runaway fails instead of
    /// eating memory.
    pub max_in_flight: Option<usize>,
    /// Whether the client re-sends a write to the leader named in a redirect.
    pub client_follows_redirects: bool,
    /// How long the client waits for an answer before it sends a pending write again (§8).
    pub client_retry_us: Time,
    /// Whether the invariant checker runs after every step.
    pub check_invariants: bool,
    /// Rules of the paper broken on purpose (none by default): see `lab.rs`.
    pub broken_rules: BrokenRules,
    /// Protocol options beyond the paper (all off by default): see `lab.rs`.
    pub protocol: Protocol,
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
            slow_ppm: 0,
            slow_max_us: 0,
            client_loss: false,
            max_in_flight: None,
            client_follows_redirects: true,
            client_retry_us: DEFAULT_CLIENT_RETRY_MS * US_PER_MS,
            check_invariants: true,
            broken_rules: BrokenRules::NONE,
            protocol: Protocol::default(),
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
    #[error("slow_max_us: a packet may be held back at most 10 s more, not {0} µs")]
    Slow(Time),
    #[error("client retry: {0} µs is not a wait; it must be positive and at most 60 s")]
    ClientRetry(Time),
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

impl Config {
    /// Checks every parameter; `Sim::new` refuses a configuration this refuses.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(ConfigError::NodeCount(self.nodes));
        }
        if self.election_timeout_min_us == 0
            || self.election_timeout_min_us > self.election_timeout_max_us
        {
            return Err(ConfigError::ElectionTimeout {
                min_us: self.election_timeout_min_us,
                max_us: self.election_timeout_max_us,
            });
        }
        if self.heartbeat_interval_us == 0
            || self.heartbeat_interval_us >= self.election_timeout_min_us
        {
            return Err(ConfigError::Heartbeat {
                heartbeat_us: self.heartbeat_interval_us,
                election_min_us: self.election_timeout_min_us,
            });
        }
        if self.latency_min_us > self.latency_max_us || self.latency_max_us > MAX_LATENCY_US {
            return Err(ConfigError::Latency {
                min_us: self.latency_min_us,
                max_us: self.latency_max_us,
            });
        }
        if self.slow_max_us > MAX_LATENCY_US {
            return Err(ConfigError::Slow(self.slow_max_us));
        }
        if self.client_retry_us == 0 || self.client_retry_us > 60_000 * US_PER_MS {
            return Err(ConfigError::ClientRetry(self.client_retry_us));
        }
        for (field, value) in [
            ("loss_ppm", self.loss_ppm),
            ("duplicate_ppm", self.duplicate_ppm),
            ("slow_ppm", self.slow_ppm),
        ] {
            if value > PPM {
                return Err(ConfigError::Rate { field, value });
            }
        }
        Ok(())
    }
}

/// How long the client waits for an answer before sending a write again, unless a scenario says
/// (`timing.client_retry_ms`): a few election timeouts, so a new leader is likely there by then.
pub const DEFAULT_CLIENT_RETRY_MS: Time = 1_000;

/// Longest one-way latency a link may have: 10 s.
pub const MAX_LATENCY_US: Time = 10_000_000;
/// One million: rates are in parts per million.
pub const PPM: u32 = 1_000_000;

/// Checks one server's starting state.
pub(crate) fn validate_setup(
    id: NodeId,
    s: &NodeSetup,
    config: &Config,
) -> Result<(), ConfigError> {
    let bad = |problem: String| ConfigError::Initial { node: id, problem };
    if let Some(v) = s.voted_for {
        if v.0 == 0 || usize::from(v.0) > config.nodes {
            return Err(bad(format!(
                "voted_for names {v}, but this cluster has S1 to S{}",
                config.nodes
            )));
        }
        if s.current_term == 0 {
            return Err(bad("voted_for is set but current_term is 0".to_string()));
        }
    }
    let mut prev = 0;
    for (i, e) in s.log.iter().enumerate() {
        if e.term == 0 {
            return Err(bad(format!(
                "log entry {} has term 0; terms start at 1",
                i + 1
            )));
        }
        if e.term < prev {
            return Err(bad(format!(
                "log entry {} has term {} after term {}: terms in a log never decrease",
                i + 1,
                e.term,
                prev
            )));
        }
        if e.term > s.current_term {
            return Err(bad(format!(
                "log entry {} has term {}, newer than current_term {}",
                i + 1,
                e.term,
                s.current_term
            )));
        }
        prev = e.term;
    }
    if let Some(t) = s.election_timeout_us {
        if t == 0 {
            return Err(bad("a pinned election timeout must be positive".to_string()));
        }
    }
    Ok(())
}
