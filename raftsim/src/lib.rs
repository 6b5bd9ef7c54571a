//! A deterministic, seeded simulation of the Raft consensus protocol (Ongaro & Ousterhout,
//! "In Search of an Understandable Consensus Algorithm") and of the network between its servers.
//!
//! Pure Rust: no browser, no clock, no OS randomness. One `u64` seed drives every random choice,
//! time is an integer number of microseconds, and every container is ordered, so the same seed,
//! parameters and actions give the same trace byte for byte.

pub mod chaos;
pub mod command;
pub mod invariants;
mod json;
pub mod lesson;
pub mod message;
pub mod network;
pub mod node;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod types;

pub use command::{Command, CommandError, KvStore};
pub use invariants::{Checker, Invariant, Violation};
pub use message::{
    Addr, ClientAnswer, ClientWriteId, Entry, Packet, PacketId, PacketKind, PacketSummary, Payload,
    Rpc,
};
pub use network::Network;
pub use node::Node;
pub use sim::{
    Action, ActionError, ClientWrite, Config, ConfigError, NodeSetup, Sim, WriteStatus, MAX_NODES,
};
pub use trace::{DropReason, Event, EventKind, Rule, Timer, Trace, VoteDenial};
pub use types::{fmt_ms, LogIndex, NodeId, Role, Term, Time, US_PER_MS};
