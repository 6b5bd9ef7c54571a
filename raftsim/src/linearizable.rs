//! Is the client's history linearizable? Every answered write must be explained by one order of
//! all the writes that (a) keeps each write between the instant it was sent and the instant its
//! answer came, and (b) applied one after another to the key-value store, gives each answered
//! write the value it was answered with. A write never answered (pending, or given up after
//! redirects) may have taken effect at any instant after it was sent, or never.
//!
//! This is the search of Wing and Gong (1993), with the memo of Lowe (2017): it tries the writes
//! that may come next, one at a time, and remembers the (writes done, value) pairs already
//! explored. Keys are independent (a store's keys are separate objects, and linearizability is
//! compositional), so each key is searched on its own, which keeps the search small.
//!
//! It checks only what the state machine answered, trusting nothing inside the servers: a write
//! applied twice, a lost committed write, or an answer from a stale state all show up here as
//! an answer no order explains.

use crate::command::Command;
use crate::message::ClientWriteId;
use crate::sim::{ClientWrite, WriteStatus};
use crate::types::{fmt_ms, Time};
use std::collections::{BTreeMap, HashSet};

/// One write as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    pub id: ClientWriteId,
    pub command: Command,
    /// When the client sent it.
    pub sent: Time,
    /// The value it was answered with and when; None if it was never answered.
    pub answer: Option<(i64, Time)>,
}

impl Op {
    /// The client's writes of a run, as operations.
    pub fn from_writes<'a>(writes: impl IntoIterator<Item = &'a ClientWrite>) -> Vec<Op> {
        writes
            .into_iter()
            .map(|w| Op {
                id: w.id,
                command: w.command.clone(),
                sent: w.submitted_at,
                answer: match w.status {
                    WriteStatus::Committed { value, at, .. } => Some((value, at)),
                    _ => None,
                },
            })
            .collect()
    }

    fn describe(&self) -> String {
        match self.answer {
            Some((value, at)) => format!(
                "#{} {} (sent at {}, answered {value} at {})",
                self.id,
                self.command,
                fmt_ms(self.sent),
                fmt_ms(at)
            ),
            None => format!(
                "#{} {} (sent at {}, never answered)",
                self.id,
                self.command,
                fmt_ms(self.sent)
            ),
        }
    }
}

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// One order explains every answer.
    Linearizable,
    /// No order of the writes to `key` explains every answer; `detail` names the first answer
    /// that no order explains.
    Violated { key: String, detail: String },
    /// The search for `key` grew past its budget without an answer (many writes in flight at
    /// once); nothing was found wrong.
    Undecided { key: String },
}

/// The most (writes done, value) states the search of one key may visit.
pub const BUDGET: usize = 1_000_000;

/// Checks a client history (every key).
pub fn check(ops: &[Op]) -> Verdict {
    let mut by_key: BTreeMap<&str, Vec<&Op>> = BTreeMap::new();
    for op in ops {
        by_key.entry(op.command.key()).or_default().push(op);
    }
    for (key, mut ops) in by_key {
        ops.sort_by_key(|o| (o.sent, o.id));
        match search(&ops) {
            Some(true) => {}
            Some(false) => {
                return Verdict::Violated {
                    key: key.to_string(),
                    detail: first_unexplained(&ops),
                }
            }
            None => {
                return Verdict::Undecided {
                    key: key.to_string(),
                }
            }
        }
    }
    Verdict::Linearizable
}

fn apply(command: &Command, value: i64) -> i64 {
    match command {
        Command::Set { value, .. } => *value,
        Command::Add { n, .. } => value.saturating_add(*n),
        Command::Noop => value,
    }
}

/// Whether one order of `ops` (one key's, by sending time) explains every answer; None when
/// the budget ran out.
fn search(ops: &[&Op]) -> Option<bool> {
    let n = ops.len();
    let answered: Vec<usize> = (0..n).filter(|&i| ops[i].answer.is_some()).collect();
    if answered.is_empty() {
        return Some(true);
    }
    let words = n.div_ceil(64);
    let mut seen: HashSet<(Vec<u64>, i64)> = HashSet::new();
    // Depth-first: (writes done, value) states still to explore.
    let mut stack: Vec<(Vec<u64>, i64)> = vec![(vec![0; words], 0)];
    let done = |set: &[u64], i: usize| set[i / 64] >> (i % 64) & 1 == 1;
    while let Some((set, value)) = stack.pop() {
        // The earliest answer among the answered writes not yet placed: nothing sent after it
        // can come before it.
        let deadline = answered
            .iter()
            .filter(|&&i| !done(&set, i))
            .filter_map(|&i| ops[i].answer.map(|(_, at)| at))
            .min();
        let Some(deadline) = deadline else {
            return Some(true);
        };
        for (i, op) in ops.iter().enumerate() {
            if op.sent > deadline {
                break;
            }
            if done(&set, i) {
                continue;
            }
            let next = apply(&op.command, value);
            if op.answer.is_some_and(|(v, _)| v != next) {
                continue;
            }
            let mut placed = set.clone();
            placed[i / 64] |= 1 << (i % 64);
            let state = (placed, next);
            if seen.insert(state.clone()) {
                if seen.len() > BUDGET {
                    return None;
                }
                stack.push(state);
            }
        }
    }
    Some(false)
}

/// The first answer (in answer order) that no order of the writes sent before it explains.
fn first_unexplained(ops: &[&Op]) -> String {
    let mut answers: Vec<(Time, usize)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.answer.map(|(_, at)| (at, i)))
        .collect();
    answers.sort();
    // The writes as known at an answer's instant: the answers given by then, every other
    // write sent by then as never answered.
    let upto = |k: usize| -> Vec<Op> {
        let at = answers[k].0;
        ops.iter()
            .filter(|o| o.sent <= at)
            .map(|o| Op {
                answer: o.answer.filter(|&(_, t)| t <= at),
                ..(*o).clone()
            })
            .collect()
    };
    for k in 0..answers.len() {
        let prefix = upto(k);
        let refs: Vec<&Op> = prefix.iter().collect();
        if search(&refs) == Some(false) {
            let culprit = ops[answers[k].1];
            return format!(
                "no order of the {} writes to this key sent by then explains the answer to {}",
                refs.len(),
                culprit.describe()
            );
        }
    }
    format!("no order of its {} writes explains every answer", ops.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, text: &str, sent: Time, answer: Option<(i64, Time)>) -> Op {
        Op {
            id,
            command: Command::parse(text).unwrap(),
            sent,
            answer,
        }
    }

    #[test]
    fn one_after_another_is_linearizable() {
        let ops = [
            op(1, "SET x 5", 0, Some((5, 10))),
            op(2, "ADD x 2", 20, Some((7, 30))),
            op(3, "ADD y 1", 25, Some((1, 26))),
        ];
        assert_eq!(check(&ops), Verdict::Linearizable);
    }

    #[test]
    fn overlapping_writes_may_be_ordered_either_way() {
        // Sent together: ADD 2 then SET 5 gives 5; the ADD was answered 2, so it came first.
        let ops = [
            op(1, "SET x 5", 0, Some((5, 50))),
            op(2, "ADD x 2", 1, Some((2, 40))),
        ];
        assert_eq!(check(&ops), Verdict::Linearizable);
    }

    #[test]
    fn a_write_applied_twice_is_caught() {
        // §8: ADD x 5 sent once, answered 10: applied twice.
        let ops = [op(1, "ADD x 5", 0, Some((10, 900)))];
        match check(&ops) {
            Verdict::Violated { key, detail } => {
                assert_eq!(key, "x");
                assert!(detail.contains("#1 ADD x 5"), "{detail}");
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn real_time_order_counts() {
        // The SET was answered before the ADD was sent, so the ADD must see 5 and answer 7.
        let ops = [
            op(1, "SET x 5", 0, Some((5, 10))),
            op(2, "ADD x 2", 20, Some((2, 30))),
        ];
        assert!(matches!(check(&ops), Verdict::Violated { .. }));
    }

    #[test]
    fn an_unanswered_write_may_have_happened_or_not() {
        let took_effect = [
            op(1, "ADD x 3", 0, None),
            op(2, "ADD x 1", 50, Some((4, 60))),
        ];
        assert_eq!(check(&took_effect), Verdict::Linearizable);
        let did_not = [
            op(1, "ADD x 3", 0, None),
            op(2, "ADD x 1", 50, Some((1, 60))),
        ];
        assert_eq!(check(&did_not), Verdict::Linearizable);
        let neither = [
            op(1, "ADD x 3", 0, None),
            op(2, "ADD x 1", 50, Some((2, 60))),
        ];
        assert!(matches!(check(&neither), Verdict::Violated { .. }));
    }

    #[test]
    fn the_first_unexplained_answer_is_named() {
        let ops = [
            op(1, "SET x 1", 0, Some((1, 10))),
            op(2, "ADD x 1", 20, Some((2, 30))),
            op(3, "ADD x 1", 40, Some((9, 50))),
            op(4, "ADD x 1", 60, Some((10, 70))),
        ];
        match check(&ops) {
            Verdict::Violated { detail, .. } => assert!(detail.contains("#3"), "{detail}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn many_concurrent_writes_stay_cheap() {
        // Forty writes all in flight at once, answered in an order that fits.
        let ops: Vec<Op> = (1..=40)
            .map(|i| op(i, "ADD x 1", 0, Some((i as i64, 1000 + i))))
            .collect();
        assert_eq!(check(&ops), Verdict::Linearizable);
    }
}
