//! What people (or a scenario script, or the tour) can do to the world: `Action`, and why one
//! may be refused (`ActionError`). `Sim::apply` does them.

use crate::command::Command;
use crate::types::{NodeId, Time};
use thiserror::Error;

/// Something a person (or a scenario script, or the tour) does to the world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Fire this server's election timer now (§5.2).
    Timeout { node: NodeId },
    /// Stop a server: it does nothing and loses what is sent to it.
    Crash { node: NodeId },
    /// Start a crashed server again with its persistent state (term, vote, log).
    Restart { node: NodeId },
    /// The client sends a write to this server.
    Write { node: NodeId, command: Command },
    /// The client sends pending write `write` (1-based, in the order writes were made) again
    /// to this server, with the same sequence number (§8).
    Retry { write: u64, node: NodeId },
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
    /// Random duplication rate of packets between servers from now on, in parts per million.
    Duplicate { ppm: u32 },
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
    #[error("unknown write #{write}: {}", made_writes(*.made))]
    UnknownWrite { write: u64, made: usize },
    #[error("write #{0} {1}")]
    WriteSettled(u64, String),
}

/// "the client has made writes #1 to #3", for a refused `retry`.
fn made_writes(n: usize) -> String {
    match n {
        0 => "the client has made no writes yet".to_string(),
        1 => "the client has made only write #1".to_string(),
        n => format!("the client has made writes #1 to #{n}"),
    }
}
