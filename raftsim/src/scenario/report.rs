//! The outcome of a run, as `raftsim run` prints it: the end state, the client writes, the
//! safety checks, the expectations and every event.

use super::{Scenario, ScenarioError, WriteOutcome};
use crate::command::Command;
use crate::message::Entry;
use crate::sim::{ClientWrite, Sim, WriteStatus};
use crate::types::{LogIndex, NodeId, Role, Term, Time, US_PER_MS};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

impl Scenario {
    /// Runs the scenario and summarizes the end state, the client writes, the invariant
    /// checks, the expectations and every event.
    pub fn run(&self) -> Result<Outcome, ScenarioError> {
        let sim = self.run_sim()?;
        Ok(Outcome::of(self, &sim))
    }
}

/// Everything a run produced, ready to print as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub seed: u64,
    /// The protocol options the run had on (`pre_vote`, …); left out when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocol: Vec<&'static str>,
    /// When the run stopped.
    pub ended_at_ms: f64,
    pub nodes: Vec<NodeReport>,
    pub clients: Vec<ClientReport>,
    pub invariants: InvariantReport,
    /// Present when the scenario has an `expect` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<ExpectReport>,
    pub events: Vec<EventReport>,
}

/// One server at the end of a run.
#[derive(Clone, Debug, Serialize)]
pub struct NodeReport {
    pub id: NodeId,
    /// `Node::shown_role`: a crashed server is reported as a follower, never as a leader.
    pub role: Role,
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub commit_index: LogIndex,
    pub log: Vec<Entry>,
    /// The applied contents of its key-value store.
    pub state: BTreeMap<String, i64>,
    pub crashed: bool,
}

/// One client write and how it ended.
#[derive(Clone, Debug, Serialize)]
pub struct ClientReport {
    pub id: u64,
    pub command: Command,
    /// Every server it was sent to, in order (more than one after a redirect).
    pub sent_to: Vec<NodeId>,
    pub outcome: WriteOutcome,
    /// Where the write landed in the log, when committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<LogIndex>,
    /// The key's value right after the write was applied, when committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// The leader a redirect named, when redirected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<NodeId>,
    pub submitted_at_ms: f64,
    /// None while pending.
    pub answered_at_ms: Option<f64>,
}

/// The safety checks over the whole run.
#[derive(Clone, Debug, Serialize)]
pub struct InvariantReport {
    pub ok: bool,
    pub violations: Vec<ViolationReport>,
    /// The rules the scenario breaks on purpose (`"broken_rules"`); left out when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken_rules: Vec<&'static str>,
}

/// One broken safety property.
#[derive(Clone, Debug, Serialize)]
pub struct ViolationReport {
    /// e.g. `election_safety`.
    pub invariant: crate::invariants::Invariant,
    /// The property in words.
    pub property: String,
    pub at_ms: f64,
    pub detail: String,
    /// The rules broken on purpose that had changed a decision by then: what allowed it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken_rules: Vec<&'static str>,
}

/// The `expect` block, checked.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectReport {
    pub ok: bool,
    pub failures: Vec<String>,
}

/// One trace event, for people and programs.
#[derive(Clone, Debug, Serialize)]
pub struct EventReport {
    pub seq: u64,
    pub at_ms: f64,
    pub node: Option<NodeId>,
    /// The event's kind, e.g. `role_changed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    pub rule: RuleReport,
}

/// The rule behind an event.
#[derive(Clone, Debug, Serialize)]
pub struct RuleReport {
    pub section: String,
    pub text: String,
}

/// A time in microseconds as (possibly fractional) milliseconds.
pub fn ms(t: Time) -> f64 {
    t as f64 / US_PER_MS as f64
}

impl Outcome {
    /// Summarizes a world at the end of a scenario's run.
    pub fn of(scenario: &Scenario, sim: &Sim) -> Outcome {
        let nodes = sim
            .nodes()
            .iter()
            .map(|n| NodeReport {
                id: n.id,
                role: n.shown_role(),
                term: n.current_term,
                voted_for: n.voted_for,
                commit_index: n.commit_index,
                log: n.log.to_vec(),
                state: n.kv.values.clone(),
                crashed: n.crashed,
            })
            .collect();
        let clients = sim.clients().iter().map(client_report).collect();
        let violations: Vec<ViolationReport> = sim
            .violations()
            .iter()
            .map(|v| ViolationReport {
                invariant: v.invariant,
                property: v.invariant.to_string(),
                at_ms: ms(v.at),
                detail: v.detail.clone(),
                broken_rules: v.broken_rules.names(),
            })
            .collect();
        let expect = scenario.expect.as_ref().map(|e| {
            let failures = e.check(sim);
            ExpectReport {
                ok: failures.is_empty(),
                failures,
            }
        });
        let events = sim
            .trace()
            .iter()
            .map(|e| EventReport {
                seq: e.seq,
                at_ms: ms(e.at),
                node: e.node,
                kind: event_type(&e.kind),
                description: e.describe(),
                rule: RuleReport {
                    section: e.rule.section.to_string(),
                    text: e.rule.text.to_string(),
                },
            })
            .collect();
        Outcome {
            description: scenario.description.clone(),
            seed: scenario.config.seed,
            protocol: scenario.config.protocol.iter().map(|o| o.name()).collect(),
            ended_at_ms: ms(sim.now()),
            nodes,
            clients,
            invariants: InvariantReport {
                ok: violations.is_empty(),
                violations,
                broken_rules: scenario.config.broken_rules.names(),
            },
            expect,
            events,
        }
    }

    /// True when no invariant broke and every expectation held.
    pub fn ok(&self) -> bool {
        self.invariants.ok && self.expect.as_ref().is_none_or(|e| e.ok)
    }

    /// The events as text, one line each: time, server, what happened, rule.
    pub fn trace_text(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            out.push_str(&trace_line(e));
            out.push('\n');
        }
        out
    }
}

/// One event as a line of text: `   152.417 ms  S1  <what happened>  [§5.2]`.
pub fn trace_line(e: &EventReport) -> String {
    let node = e.node.map_or_else(|| "--".to_string(), |n| n.to_string());
    format!(
        "{:>11.3} ms  {node:<3} {}  [{}]",
        e.at_ms, e.description, e.rule.section
    )
}

fn client_report(w: &ClientWrite) -> ClientReport {
    let (index, value, redirected_to, answered) = match &w.status {
        WriteStatus::Pending => (None, None, None, None),
        WriteStatus::Committed { index, value, at } => {
            (Some(*index), Some(*value), None, Some(*at))
        }
        WriteStatus::Redirected { leader, at } => (None, None, *leader, Some(*at)),
    };
    ClientReport {
        id: w.id,
        command: w.command.clone(),
        sent_to: w.sent_to.clone(),
        outcome: WriteOutcome::of(&w.status),
        index,
        value,
        redirected_to,
        submitted_at_ms: ms(w.submitted_at),
        answered_at_ms: answered.map(ms),
    }
}

/// The serde tag of an event kind, e.g. `role_changed`.
fn event_type(kind: &crate::trace::EventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}
