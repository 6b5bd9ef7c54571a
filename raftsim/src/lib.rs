//! A deterministic, seeded simulation of the Raft consensus protocol (Ongaro & Ousterhout,
//! "In Search of an Understandable Consensus Algorithm") and of the network between its servers.
//!
//! Pure Rust: no browser, no clock, no OS randomness. One `u64` seed drives every random choice,
//! time is an integer number of microseconds, and every container is ordered, so the same seed,
//! parameters and actions give the same trace byte for byte.
//!
//! Where things live, from the small words up (each file imports only files above it):
//!
//! | Module | Holds |
//! |---|---|
//! | [`types`] | node ids, terms, log indexes, time, roles, `MAX_NODES`, [`majority`] |
//! | [`command`] | the replicated state machine: commands and the key-value store |
//! | `fnv` (private) | the FNV-1a hash behind [`Sim::trace_hash`] and the checker's log hashes |
//! | [`message`] | what travels on the wire: RPCs, client traffic, packets, packet kinds |
//! | [`trace`] | every event with the rule behind it |
//! | [`lab`] | rules that can be broken on purpose and protocol options (pre-vote, check-quorum, no-op on election): names, sections, one-line descriptions |
//! | [`network`] | packets in flight, partitions, cut links, latency, loss |
//! | [`ctx`] | what a server may touch while it handles one event (clock, PRNG, network, trace) |
//! | [`node`] | one Raft server as a pure state machine (Figure 2), with `node/options.rs` (the protocol options: no-op on election, pre-vote, check-quorum) |
//! | [`invariants`] | the safety properties, checked after every step |
//! | [`sim`] | the whole world: `Sim`, with `sim/config.rs` (parameters, starting states), `sim/action.rs` (what people do), `sim/client.rs` (the client's writes) |
//! | [`chaos`] | random faults for seed sweeps and soak runs |
//! | [`scenario`], [`lesson`] | the scenario and lesson file formats and how they play |
//! | [`history`] | a run of the page: the scenario it started from, what was done when, the world at any instant, branching and undo |
//! | [`link`] | a whole run and the instant shown in a page address (`v1.…`), and why a link is refused |

pub mod chaos;
pub mod chunks;
pub mod command;
pub mod ctx;
mod fnv;
pub mod history;
pub mod invariants;
mod json;
pub mod lab;
pub mod lesson;
pub mod linearizable;
pub mod link;
pub mod message;
pub mod network;
pub mod node;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod types;
pub mod workload;

pub use command::{Applied, Command, CommandError, KvStore, Session};
pub use invariants::{Checker, Invariant, Violation};
pub use lab::{BrokenRule, BrokenRules, Protocol, ProtocolOption};
pub use message::{
    Addr, ClientAnswer, ClientId, ClientTag, ClientWriteId, Entry, Packet, PacketId, PacketKind,
    PacketSummary, Payload, Rpc, Seq,
};
pub use network::Network;
pub use node::Node;
pub use sim::{Action, ActionError, ClientWrite, Config, ConfigError, NodeSetup, Sim, WriteStatus};
pub use trace::{
    DropReason, Duplicate, Event, EventKind, PreVoteDenial, Rule, Timer, Trace, VoteDenial,
};
pub use types::{fmt_ms, majority, LogIndex, NodeId, Role, Term, Time, MAX_NODES, US_PER_MS};
