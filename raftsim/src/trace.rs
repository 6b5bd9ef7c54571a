//! The trace: every event a student might want explained, as data, with the rule behind it.
//!
//! The view's event log, the tour, the `raftsim` command and the tests all read this one record.

use crate::command::Command;
use crate::message::{ClientAnswer, ClientWriteId, PacketId};
use crate::types::{LogIndex, NodeId, Role, Term, Time};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The rule of the Raft paper (or of the simulated world) that made an event happen.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Where to read about it, e.g. "§5.2" or "Figure 2". `"sim"` for the simulated world.
    pub section: &'static str,
    /// The rule in a few plain words.
    pub text: &'static str,
}

/// Why a server refused its vote (§5.2, §5.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteDenial {
    /// The candidate's term is older than ours.
    StaleTerm,
    /// We already voted for someone else in this term.
    AlreadyVoted { for_node: NodeId },
    /// The candidate's log is less up to date than ours (§5.4.1).
    LogNotUpToDate,
}

/// Which timer fired.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    Election,
    Heartbeat,
}

/// Why the network lost a packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The receiver was crashed when the packet arrived.
    ReceiverCrashed,
    /// The link was cut or the two ends were in different partitions.
    LinkDown,
    /// Random loss (sweeps) or a loss rate set by the user.
    Lost,
    /// A person dropped this packet by hand.
    DroppedByUser,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RoleChanged {
        from: Role,
        to: Role,
        term: Term,
    },
    TermAdvanced {
        from: Term,
        to: Term,
    },
    TimerFired {
        timer: Timer,
    },
    MessageSent {
        packet: PacketId,
        to: String,
        what: String,
    },
    MessageDelivered {
        packet: PacketId,
        from: String,
        what: String,
    },
    MessageDropped {
        packet: PacketId,
        reason: DropReason,
        what: String,
    },
    VoteGranted {
        candidate: NodeId,
        term: Term,
    },
    VoteDenied {
        candidate: NodeId,
        term: Term,
        reason: VoteDenial,
    },
    VoteReceived {
        from: NodeId,
        granted: bool,
        votes: usize,
        needed: usize,
    },
    EntriesAppended {
        first_index: LogIndex,
        count: usize,
    },
    EntriesTruncated {
        first_index: LogIndex,
        count: usize,
    },
    AppendRejected {
        prev_log_index: LogIndex,
        prev_log_term: Term,
    },
    NextIndexBackedOff {
        follower: NodeId,
        next_index: LogIndex,
    },
    CommitAdvanced {
        from: LogIndex,
        to: LogIndex,
    },
    Applied {
        index: LogIndex,
        command: Command,
        value: i64,
    },
    ClientWriteSubmitted {
        write: ClientWriteId,
        command: Command,
    },
    ClientAnswered {
        write: ClientWriteId,
        answer: ClientAnswer,
    },
    Crashed,
    Restarted,
    NetworkChanged {
        description: String,
    },
}

/// One entry of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Sequence number in the trace, from 0.
    pub seq: u64,
    pub at: Time,
    /// The server it happened on, if any (network and client events may have none).
    pub node: Option<NodeId>,
    pub kind: EventKind,
    pub rule: Rule,
}

const CHUNK: usize = 256;

/// An append-only list of events that clones in O(number of chunks): full chunks are shared
/// behind `Arc`, only the open tail is copied. Step-back snapshots lean on this.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    sealed: Vec<Arc<Vec<Event>>>,
    open: Vec<Event>,
    len: usize,
}

impl Trace {
    pub fn push(&mut self, event: Event) {
        self.open.push(event);
        self.len += 1;
        if self.open.len() == CHUNK {
            let full = std::mem::replace(&mut self.open, Vec::with_capacity(CHUNK));
            self.sealed.push(Arc::new(full));
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All events, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Event> + '_ {
        self.sealed
            .iter()
            .flat_map(|chunk| chunk.iter())
            .chain(self.open.iter())
    }

    /// Events with `seq >= from`, oldest first.
    pub fn since(&self, from: usize) -> impl Iterator<Item = &Event> + '_ {
        let chunk = from / CHUNK;
        self.sealed
            .iter()
            .skip(chunk)
            .flat_map(|c| c.iter())
            .chain(self.open.iter())
            .skip_while(move |e| (e.seq as usize) < from)
    }

    /// The most recent `n` events, newest first.
    pub fn latest(&self, n: usize) -> Vec<&Event> {
        self.iter().rev().take(n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64) -> Event {
        Event {
            seq,
            at: seq,
            node: None,
            kind: EventKind::Crashed,
            rule: Rule {
                section: "sim",
                text: "test",
            },
        }
    }

    #[test]
    fn trace_chunks_share_and_iterate_in_order() {
        let mut t = Trace::default();
        for i in 0..600 {
            t.push(ev(i));
        }
        let copy = t.clone();
        t.push(ev(600));
        assert_eq!(copy.len(), 600);
        assert_eq!(t.len(), 601);
        let seqs: Vec<u64> = t.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..601).collect::<Vec<_>>());
        let tail: Vec<u64> = t.since(590).map(|e| e.seq).collect();
        assert_eq!(tail, (590..601).collect::<Vec<_>>());
        assert_eq!(t.latest(2)[0].seq, 600);
    }
}
