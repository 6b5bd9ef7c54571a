//! Comparing the end of a run with what the file's `expect` block says.

use super::{Expect, ExpectedEntry, WriteOutcome};
use crate::chunks::Chunks;
use crate::message::Entry;
use crate::sim::Sim;
use crate::types::NodeId;

impl Expect {
    /// Compares the end of a run with what the file expects. Each failure names the field of
    /// `expect` it comes from; an empty list means every expectation holds.
    pub fn check(&self, sim: &Sim) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(want) = self.leader {
            let found = sim.leader();
            if found != want {
                failures.push(format!(
                    "expect.leader: expected {}, found {}",
                    leader_name(want),
                    leader_name(found)
                ));
            }
        }
        if let Some(want) = self.logs_agree {
            let live: Vec<_> = sim.nodes().iter().filter(|n| !n.crashed).collect();
            let differ = live
                .windows(2)
                .find(|pair| pair[0].log != pair[1].log)
                .map(|pair| (pair[0], pair[1]));
            match (want, differ) {
                (true, Some((a, b))) => failures.push(format!(
                    "expect.logs_agree: {}'s log {} differs from {}'s log {}",
                    a.id,
                    terms_of(&a.log),
                    b.id,
                    terms_of(&b.log)
                )),
                (false, None) => failures.push(
                    "expect.logs_agree: expected some live servers' logs to differ, but all agree"
                        .to_string(),
                ),
                _ => {}
            }
        }
        if let Some(want) = &self.writes {
            let found: Vec<WriteOutcome> = sim
                .clients()
                .iter()
                .map(|w| WriteOutcome::of(&w.status))
                .collect();
            if found.len() != want.len() {
                failures.push(format!(
                    "expect.writes: expected {} write(s), found {}",
                    want.len(),
                    found.len()
                ));
            }
            for (i, (w, f)) in want.iter().zip(&found).enumerate() {
                if w != f {
                    failures.push(format!("expect.writes[{i}]: expected {}, found {}", w, f));
                }
            }
        }
        for (id, want) in &self.nodes {
            let Some(node) = sim.node(*id) else {
                failures.push(format!("expect.nodes.{id}: no such server"));
                continue;
            };
            let path = format!("expect.nodes.{id}");
            let mut differ = |field: &str, want: String, found: String| {
                if want != found {
                    failures.push(format!("{path}.{field}: expected {want}, found {found}"));
                }
            };
            if let Some(role) = want.role {
                differ("role", role.to_string(), node.shown_role().to_string());
            }
            if let Some(term) = want.term {
                differ("term", term.to_string(), node.current_term.to_string());
            }
            if let Some(v) = want.voted_for {
                differ("voted_for", leader_name(v), leader_name(node.voted_for));
            }
            if let Some(c) = want.commit_index {
                differ("commit_index", c.to_string(), node.commit_index.to_string());
            }
            if let Some(crashed) = want.crashed {
                differ("crashed", crashed.to_string(), node.crashed.to_string());
            }
            if let Some(state) = &want.state {
                differ(
                    "state",
                    format!("{state:?}"),
                    format!("{:?}", node.kv.values),
                );
            }
            if let Some(log) = &want.log {
                if let Some(problem) = log_mismatch(log, &node.log) {
                    failures.push(format!("{path}.log{problem}"));
                }
            }
        }
        failures
    }
}

fn leader_name(id: Option<NodeId>) -> String {
    id.map_or_else(|| "none".to_string(), |id| id.to_string())
}

/// A log as its terms, e.g. `[1, 1, 4]`.
pub fn terms_of(log: &Chunks<Entry>) -> String {
    let terms: Vec<String> = log.iter().map(|e| e.term.to_string()).collect();
    format!("[{}]", terms.join(", "))
}

fn log_mismatch(want: &[ExpectedEntry], found: &Chunks<Entry>) -> Option<String> {
    for (i, (w, f)) in want.iter().zip(found.iter()).enumerate() {
        if w.term != f.term {
            return Some(format!(
                "[{i}]: expected term {}, found term {} (the log is {})",
                w.term,
                f.term,
                terms_of(found)
            ));
        }
        if let Some(command) = &w.command {
            if *command != f.command {
                return Some(format!(
                    "[{i}]: expected command \"{command}\", found \"{}\"",
                    f.command
                ));
            }
        }
    }
    if want.len() != found.len() {
        return Some(format!(
            ": expected {} entries, found {} (the log is {})",
            want.len(),
            found.len(),
            terms_of(found)
        ));
    }
    None
}
