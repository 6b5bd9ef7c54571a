//! What travels on the wire: Raft RPCs between servers (Figure 2) and client traffic.

use crate::command::Command;
use crate::types::{LogIndex, NodeId, Term, Time};
use serde::{Deserialize, Serialize};

/// One log entry (Figure 2: "each entry contains command for state machine, and term when entry
/// was received by leader").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub term: Term,
    pub command: Command,
}

/// A Raft RPC or its reply, exchanged between two servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Rpc {
    /// Figure 2, RequestVote arguments. The sender is the candidate.
    RequestVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    /// Figure 2, RequestVote results.
    RequestVoteReply { term: Term, vote_granted: bool },
    /// Figure 2, AppendEntries arguments. The sender is the leader. Empty `entries` is a heartbeat.
    AppendEntries {
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    },
    /// Figure 2, AppendEntries results. `match_index` is the index of the last entry the follower
    /// now knows matches the leader (prev_log_index + entries on success; 0 on failure); it lets
    /// the leader tell replies to old requests apart, as etcd and raft-rs do.
    AppendEntriesReply {
        term: Term,
        success: bool,
        match_index: LogIndex,
    },
}

impl Rpc {
    /// The term every RPC carries.
    pub fn term(&self) -> Term {
        match self {
            Rpc::RequestVote { term, .. }
            | Rpc::RequestVoteReply { term, .. }
            | Rpc::AppendEntries { term, .. }
            | Rpc::AppendEntriesReply { term, .. } => *term,
        }
    }

    /// A short name for people: "RequestVote", "heartbeat", "AppendEntries", ….
    pub fn name(&self) -> &'static str {
        match self {
            Rpc::RequestVote { .. } => "RequestVote",
            Rpc::RequestVoteReply { .. } => "vote reply",
            Rpc::AppendEntries { entries, .. } if entries.is_empty() => "heartbeat",
            Rpc::AppendEntries { .. } => "AppendEntries",
            Rpc::AppendEntriesReply { .. } => "append reply",
        }
    }
}

/// Identifies one client write from the moment it is typed until it is answered.
pub type ClientWriteId = u64;

/// How a server answered a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientAnswer {
    /// "I am not the leader; try this one" (None when the server knows no leader).
    Redirect { leader: Option<NodeId> },
    /// The write was committed at `index` and applied; the key now holds `value`.
    Committed { index: LogIndex, value: i64 },
}

/// Where a packet comes from or goes to: a server or the client.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Addr {
    Node(NodeId),
    Client,
}

/// What a packet carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    Rpc(Rpc),
    ClientRequest {
        write: ClientWriteId,
        command: Command,
    },
    ClientReply {
        write: ClientWriteId,
        answer: ClientAnswer,
    },
}

/// A unique, increasing number per packet; also the tie-breaker for simultaneous deliveries.
pub type PacketId = u64;

/// A message in flight. Positions on screen are interpolated from `sent_at` and `deliver_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packet {
    pub id: PacketId,
    pub from: Addr,
    pub to: Addr,
    pub sent_at: Time,
    pub deliver_at: Time,
    pub payload: Payload,
}
