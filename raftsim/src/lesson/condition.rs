//! Wait conditions and step expectations, judged against a world.

use super::{CommitScope, Condition, PacketKind, StepExpect};
use crate::scenario::terms_of;
use crate::sim::{Sim, WriteStatus};
use crate::trace::EventKind;
use crate::types::{NodeId, Role, Term, Time, US_PER_MS};
use std::collections::BTreeMap;

/// Where a step began: the clock and the length of the trace before its actions.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at: Time,
    pub trace_len: usize,
}

impl Mark {
    /// The mark of a world as it is now.
    pub fn of(sim: &Sim) -> Mark {
        Mark {
            at: sim.now(),
            trace_len: sim.trace().len(),
        }
    }
}

impl Condition {
    /// Whether the condition holds in `sim`, for a step that began at `since`.
    pub fn met(&self, sim: &Sim, since: &Mark) -> bool {
        let live = || sim.nodes().iter().filter(|n| !n.crashed);
        let pick = |node: Option<NodeId>| live().filter(move |n| node.is_none_or(|id| n.id == id));
        match self {
            Condition::Immediately => true,
            Condition::LeaderElected {
                node,
                term,
                min_term,
            } => pick(*node).any(|n| {
                n.role == Role::Leader
                    && term.is_none_or(|t| n.current_term == t)
                    && min_term.is_none_or(|t| n.current_term >= t)
            }),
            Condition::Role { node, role } => pick(*node).any(|n| n.role == *role),
            Condition::TermAtLeast { node, term } => pick(*node).any(|n| n.current_term >= *term),
            Condition::Committed { index, on } => match on {
                CommitScope::All => live().all(|n| n.commit_index >= *index),
                CommitScope::Majority => {
                    let nodes = sim.nodes();
                    let quorum = crate::types::majority(nodes.len());
                    live().filter(|n| n.commit_index >= *index).count() >= quorum
                }
                CommitScope::Node(id) => pick(Some(*id)).any(|n| n.commit_index >= *index),
            },
            Condition::WriteAnswered { write } => {
                let clients = sim.clients();
                let w = match write {
                    Some(k) => usize::try_from(*k)
                        .ok()
                        .and_then(|k| k.checked_sub(1))
                        .and_then(|i| clients.get(i)),
                    None => clients.last(),
                };
                w.is_some_and(|w| w.status != WriteStatus::Pending)
            }
            Condition::PacketsDelivered { kind, count } => {
                delivered_since(sim, since, *kind) >= *count
            }
            Condition::VotesGranted { node, count } => pick(*node)
                .any(|n| n.role != Role::Follower && n.votes_granted.len() as u64 >= *count),
            Condition::Time { after } => sim.now() >= since.at.saturating_add(*after),
            Condition::Quiescent => sim.in_flight().next().is_none(),
            Condition::LogsAgree => {
                let mut logs = live().map(|n| &n.log);
                match logs.next() {
                    None => true,
                    Some(first) => logs.all(|l| l == first),
                }
            }
            Condition::All(list) => list.iter().all(|c| c.met(sim, since)),
        }
    }

    /// The longest `time` this condition waits for, if it has one (µs after the step began).
    pub(crate) fn time_after(&self) -> Option<Time> {
        match self {
            Condition::Time { after } => Some(*after),
            Condition::All(list) => list.iter().filter_map(Condition::time_after).max(),
            _ => None,
        }
    }

    /// The earliest moment after `now` at which a `time` in this condition comes due.
    pub(crate) fn next_time_due(&self, since: &Mark, now: Time) -> Option<Time> {
        match self {
            Condition::Time { after } => {
                let due = since.at.saturating_add(*after);
                (due > now).then_some(due)
            }
            Condition::All(list) => list
                .iter()
                .filter_map(|c| c.next_time_due(since, now))
                .min(),
            _ => None,
        }
    }

    /// The condition in a few words, for messages: "S3 is candidate".
    pub fn describe(&self) -> String {
        let who =
            |n: &Option<NodeId>| n.map_or_else(|| "some server".to_string(), |n| n.to_string());
        match self {
            Condition::Immediately => "nothing".to_string(),
            Condition::LeaderElected {
                node,
                term,
                min_term,
            } => {
                let mut s = format!("{} is leader", who(node));
                if let Some(t) = term {
                    s.push_str(&format!(" of term {t}"));
                }
                if let Some(t) = min_term {
                    s.push_str(&format!(" in term {t} or later"));
                }
                s
            }
            Condition::Role { node, role } => format!("{} is {role}", who(node)),
            Condition::TermAtLeast { node, term } => {
                format!("{} is in term {term} or later", who(node))
            }
            Condition::Committed { index, on } => match on {
                CommitScope::All => format!("entry {index} is committed on every live server"),
                CommitScope::Majority => format!("entry {index} is committed on a majority"),
                CommitScope::Node(n) => format!("entry {index} is committed on {n}"),
            },
            Condition::WriteAnswered { write } => match write {
                Some(w) => format!("write #{w} is answered"),
                None => "the latest write is answered".to_string(),
            },
            Condition::PacketsDelivered { kind, count } => {
                format!("{count} {kind} packet(s) delivered")
            }
            Condition::VotesGranted { node, count } => {
                format!("{} holds {count} votes", who(node))
            }
            Condition::Time { after } => format!("{} ms have passed", after / US_PER_MS),
            Condition::Quiescent => "no packet is in flight".to_string(),
            Condition::LogsAgree => "every live server has the same log".to_string(),
            Condition::All(list) => list
                .iter()
                .map(Condition::describe)
                .collect::<Vec<_>>()
                .join(", and "),
        }
    }
}

/// Packets of `kind` delivered since the step began, from the trace.
fn delivered_since(sim: &Sim, since: &Mark, kind: PacketKind) -> u64 {
    sim.trace()
        .since(since.trace_len)
        .filter(|e| match &e.kind {
            EventKind::MessageDelivered { summary, .. } => summary.kind() == kind,
            _ => false,
        })
        .count() as u64
}

/// Who won each term's election so far, from the trace.
pub fn term_leaders(sim: &Sim) -> BTreeMap<Term, NodeId> {
    let mut out = BTreeMap::new();
    for e in sim.trace().iter() {
        if let (
            EventKind::RoleChanged {
                to: Role::Leader,
                term,
                ..
            },
            Some(node),
        ) = (&e.kind, e.node)
        {
            out.entry(*term).or_insert(node);
        }
    }
    out
}

impl StepExpect {
    /// What does not hold in `sim`, each failure naming its field under `path` (the step's
    /// path); empty when everything holds. Safety invariants are always checked.
    pub fn check(&self, sim: &Sim, path: &str) -> Vec<String> {
        let mut failures: Vec<String> = self
            .world
            .check(sim)
            .into_iter()
            .map(|f| format!("{path}.{f}"))
            .collect();
        for (i, e) in self.entries.iter().enumerate() {
            let epath = format!("{path}.expect.entries[{i}]");
            let Some(node) = sim.node(e.node) else {
                failures.push(format!("{epath}: no server {}", e.node));
                continue;
            };
            let entry = usize::try_from(e.index)
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| node.log.get(i));
            let Some(entry) = entry else {
                if e.present {
                    failures.push(format!(
                        "{epath}: {} has no entry {} (its log is {})",
                        e.node,
                        e.index,
                        terms_of(&node.log)
                    ));
                }
                continue;
            };
            if !e.present {
                failures.push(format!(
                    "{epath}: expected {} to have no entry {}, found one of term {} ({})",
                    e.node, e.index, entry.term, entry.command
                ));
                continue;
            }
            if let Some(term) = e.term {
                if entry.term != term {
                    failures.push(format!(
                        "{epath}.term: expected {term}, found {} at {} index {}",
                        entry.term, e.node, e.index
                    ));
                }
            }
            if let Some(command) = &e.command {
                if entry.command != *command {
                    failures.push(format!(
                        "{epath}.command: expected \"{command}\", found \"{}\" at {} index {}",
                        entry.command, e.node, e.index
                    ));
                }
            }
            if let Some(want) = e.committed {
                let is = e.index <= node.commit_index;
                if is != want {
                    failures.push(format!(
                        "{epath}.committed: expected entry {} on {} to be {}, but its commit \
                         index is {}",
                        e.index,
                        e.node,
                        if want { "committed" } else { "uncommitted" },
                        node.commit_index
                    ));
                }
            }
        }
        if !self.term_leaders.is_empty() {
            let found = term_leaders(sim);
            for (term, want) in &self.term_leaders {
                let got = found.get(term).copied();
                if got != *want {
                    let name =
                        |n: Option<NodeId>| n.map_or("nobody".to_string(), |n| n.to_string());
                    failures.push(format!(
                        "{path}.expect.term_leaders.{term}: expected {} to have led term {term}, \
                         found {}",
                        name(*want),
                        name(got)
                    ));
                }
            }
        }
        // A step whose world breaks a rule on purpose is there to show what that allows; only a
        // violation no broken rule explains is a failure.
        for v in sim
            .violations()
            .iter()
            .filter(|v| v.broken_rules.is_empty())
        {
            failures.push(format!(
                "{path}: safety invariant broken: {} at {}: {}",
                v.invariant,
                crate::types::fmt_ms(v.at),
                v.detail
            ));
        }
        failures
    }
}
