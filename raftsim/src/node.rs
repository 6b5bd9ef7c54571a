//! One Raft server as a pure state machine (Figure 2). It reacts to a delivered message or a
//! timer, changes its own state, and pushes packets and trace events into its context. It never
//! sees the network, a clock or a screen.

use crate::command::KvStore;
use crate::message::{ClientWriteId, Entry};
use crate::types::{LogIndex, NodeId, Role, Term, Time};
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything one server holds. Field names follow Figure 2 so that screen and paper match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub id: NodeId,
    /// Number of servers in the cluster, this one included.
    pub cluster_size: usize,

    // Persistent state on all servers (survives a crash).
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    /// Entry `i` of the log is `log[i - 1]`.
    pub log: Vec<Entry>,

    // Volatile state on all servers.
    pub commit_index: LogIndex,
    pub last_applied: LogIndex,
    pub role: Role,
    /// The leader this server last heard from in `current_term`, for client redirects.
    pub leader_id: Option<NodeId>,
    /// The applied contents of the state machine.
    pub kv: KvStore,

    // Volatile state on leaders (reinitialized after election). Indexed by `NodeId::index()`.
    pub next_index: Vec<LogIndex>,
    pub match_index: Vec<LogIndex>,

    // Volatile state on candidates: who granted a vote in `current_term`.
    pub votes_granted: Vec<NodeId>,

    // Timers, as absolute simulated times.
    /// When the current election timer was (re)started.
    pub election_timer_start: Time,
    /// When it fires, unless reset first. Ignored while leader.
    pub election_deadline: Time,
    /// When a leader sends its next round of heartbeats. Ignored unless leader.
    pub heartbeat_due: Time,

    /// Writes this leader owes an answer once the entry at the index is applied.
    pub pending_writes: BTreeMap<LogIndex, ClientWriteId>,

    /// A crashed server does nothing and loses what is sent to it.
    pub crashed: bool,
}

impl Node {
    /// Index of the last log entry (0 if the log is empty).
    pub fn last_log_index(&self) -> LogIndex {
        self.log.len() as LogIndex
    }

    /// Term of the last log entry (0 if the log is empty).
    pub fn last_log_term(&self) -> Term {
        self.log.last().map_or(0, |e| e.term)
    }

    /// Term of the entry at `index` (0 for index 0); None past the end of the log.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == 0 {
            Some(0)
        } else {
            self.log.get(index as usize - 1).map(|e| e.term)
        }
    }

    /// Votes needed to win an election in this cluster.
    pub fn quorum(&self) -> usize {
        self.cluster_size / 2 + 1
    }
}

impl Node {
    /// A server in its starting state: follower, nothing committed, nothing applied.
    pub fn new(
        id: NodeId,
        cluster_size: usize,
        current_term: Term,
        voted_for: Option<NodeId>,
        log: Vec<Entry>,
    ) -> Node {
        Node {
            id,
            cluster_size,
            current_term,
            voted_for,
            log,
            commit_index: 0,
            last_applied: 0,
            role: Role::Follower,
            leader_id: None,
            kv: KvStore::default(),
            next_index: vec![1; cluster_size],
            match_index: vec![0; cluster_size],
            votes_granted: Vec::new(),
            election_timer_start: 0,
            election_deadline: 0,
            heartbeat_due: 0,
            pending_writes: BTreeMap::new(),
            crashed: false,
        }
    }
}
