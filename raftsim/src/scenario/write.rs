//! Writing a scenario in its file format: a [`Json`] value built from a [`Scenario`], with the
//! fields in the order `read.rs` lists them (an action's own fields in alphabetical order).
//! Reading what is written gives the same scenario back.
//!
//! Two forms: [`Scenario::to_json`], indented, with every setting spelled out (for a saved
//! file a person may read), and [`Scenario::to_compact_json`], without whitespace and without
//! any field that equals its default (for a page address). Instants are whole milliseconds
//! where they are whole, else milliseconds with up to three decimals (`"at_ms": 1520.5`).
//!
//! The file format holds what a scenario file can say. Settings it has no field for
//! (`Config::loss_ppm`, `duplicate_ppm`, `check_invariants`, and the chaos-only `slow_ppm`,
//! `slow_max_us`, `client_loss`, `max_in_flight`) and durations that are not whole
//! milliseconds (timers, latencies) are written as the file can say them: the defaults, and the
//! whole milliseconds below.
//!
//! The reader's limits still apply to what is written: a run longer than
//! [`MAX_RUN_MS`](super::MAX_RUN_MS) or with more than [`MAX_STEPS`](super::MAX_STEPS) actions is
//! written whole, and reading it back refuses it, naming `run_ms` or `script`.

use super::read::default_run_until;
use super::{placeholder_command, Expect, ExpectedEntry, NodeExpect, Scenario, StepAction};
use crate::json::{Json, Ms};
use crate::message::{Addr, Entry};
use crate::sim::{Action, Config, NodeSetup};
use crate::types::{NodeId, Time, US_PER_MS};

/// How much a written scenario spells out.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Detail {
    /// Every setting, defaults included.
    Full,
    /// Only what differs from the defaults.
    Compact,
}

/// The fields of an object being built; a field given as None is left out.
#[derive(Default)]
struct Fields(Vec<(String, Json)>);

impl Fields {
    fn put(&mut self, key: &str, value: Option<Json>) {
        if let Some(value) = value {
            self.0.push((key.to_string(), value));
        }
    }

    fn object(self) -> Json {
        Json::Object(self.0)
    }
}

impl Scenario {
    /// The scenario as a file: indented by two spaces, every setting written out.
    pub fn to_json(&self) -> String {
        self.file(Detail::Full).write(true)
    }

    /// The scenario as short as the format allows: no whitespace, no field equal to its
    /// default.
    pub fn to_compact_json(&self) -> String {
        self.file(Detail::Compact).write(false)
    }

    fn file(&self, detail: Detail) -> Json {
        let c = &self.config;
        let d = Config::default();
        let full = detail == Detail::Full;
        let given = |differs: bool| full || differs;
        let mut timing = Fields::default();
        timing.put(
            "election_timeout_ms",
            given(
                (c.election_timeout_min_us, c.election_timeout_max_us)
                    != (d.election_timeout_min_us, d.election_timeout_max_us),
            )
            .then(|| range(c.election_timeout_min_us, c.election_timeout_max_us)),
        );
        timing.put(
            "heartbeat_ms",
            given(c.heartbeat_interval_us != d.heartbeat_interval_us)
                .then(|| ms(c.heartbeat_interval_us)),
        );
        timing.put(
            "latency_ms",
            given((c.latency_min_us, c.latency_max_us) != (d.latency_min_us, d.latency_max_us))
                .then(|| range(c.latency_min_us, c.latency_max_us)),
        );
        timing.put(
            "client_retry_ms",
            given(c.client_retry_us != d.client_retry_us).then(|| ms(c.client_retry_us)),
        );
        let initial: Vec<Json> = self
            .initial
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != NodeSetup::default())
            .map(|(i, s)| initial(NodeId::from_index(i), s, detail))
            .collect();
        let script: Vec<Json> = self
            .script
            .iter()
            .map(|step| {
                let (name, mut fields) = match &step.action {
                    StepAction::Act(action) => action_fields(action, detail),
                    StepAction::DropMatching { from, to, nth } => {
                        let mut f = Fields::default();
                        f.put("from", Some(addr(*from)));
                        f.put("to", Some(addr(*to)));
                        f.put("nth", nth.map(|n| Json::Whole(n as u64)));
                        ("drop", f)
                    }
                };
                fields.0.sort_by(|a, b| a.0.cmp(&b.0));
                let mut f = Fields::default();
                f.put("at_ms", Some(instant(Ms::from_us(step.at))));
                f.put("do", Some(Json::Text(name.to_string())));
                f.0.append(&mut fields.0);
                f.object()
            })
            .collect();
        let mut f = Fields::default();
        f.put("description", self.description.clone().map(Json::Text));
        f.put(
            "nodes",
            given(c.nodes != d.nodes).then_some(Json::Whole(c.nodes as u64)),
        );
        f.put(
            "seed",
            given(c.seed != d.seed).then_some(Json::Whole(c.seed)),
        );
        f.put("timing", (!timing.0.is_empty()).then(|| timing.object()));
        f.put(
            "follow_redirects",
            given(c.client_follows_redirects != d.client_follows_redirects)
                .then_some(Json::Bool(c.client_follows_redirects)),
        );
        f.put("broken_rules", super::options::write_broken(c));
        f.put("protocol", super::options::write_protocol(c));
        f.put(
            "initial",
            given(!initial.is_empty()).then_some(Json::List(initial)),
        );
        f.put(
            "script",
            given(!script.is_empty()).then_some(Json::List(script)),
        );
        f.put(
            "run_ms",
            given(self.run_until != default_run_until(&self.script))
                .then(|| instant(Ms::from_us(self.run_until))),
        );
        f.put("expect", self.expect.as_ref().map(expect));
        f.object()
    }
}

/// How a script step names an action (`crash`).
pub fn action_name(action: &Action) -> &'static str {
    action_fields(action, Detail::Compact).0
}

fn ms(us: Time) -> Json {
    Json::Whole(us / US_PER_MS)
}

fn instant(at: Ms) -> Json {
    match at {
        Ms::Whole(n) => Json::Whole(n),
        Ms::Number(x) => Json::Number(x),
    }
}

fn range(min_us: Time, max_us: Time) -> Json {
    Json::List(vec![ms(min_us), ms(max_us)])
}

fn name(id: NodeId) -> Json {
    Json::Text(id.to_string())
}

fn addr(a: Addr) -> Json {
    Json::Text(String::from(a))
}

fn initial(id: NodeId, s: &NodeSetup, detail: Detail) -> Json {
    let full = detail == Detail::Full;
    let mut f = Fields::default();
    f.put("node", Some(name(id)));
    f.put(
        "term",
        (full || s.current_term != 0).then_some(Json::Whole(s.current_term)),
    );
    f.put("voted_for", s.voted_for.map(name));
    f.put("log", (full || !s.log.is_empty()).then(|| log(&s.log)));
    f.put("election_timeout_ms", s.election_timeout_us.map(ms));
    f.object()
}

/// A starting log; an entry holding its placeholder command is written as its bare term.
fn log(entries: &[Entry]) -> Json {
    let entry = |(i, e): (usize, &Entry)| {
        let placeholder = e.command == placeholder_command(i as u64 + 1);
        entry(e.term, (!placeholder).then(|| e.command.to_string()))
    };
    Json::List(entries.iter().enumerate().map(entry).collect())
}

/// A log entry: its bare term, or `{"term": 2, "command": "SET x 5"}`.
fn entry(term: u64, command: Option<String>) -> Json {
    match command {
        None => Json::Whole(term),
        Some(c) => {
            let mut f = Fields::default();
            f.put("term", Some(Json::Whole(term)));
            f.put("command", Some(Json::Text(c)));
            f.object()
        }
    }
}

/// An action's name and its own fields.
fn action_fields(action: &Action, detail: Detail) -> (&'static str, Fields) {
    let both = |both: bool| (detail == Detail::Full || !both).then_some(Json::Bool(both));
    let mut f = Fields::default();
    let name = match action {
        Action::Timeout { node } => {
            f.put("node", Some(name(*node)));
            "timeout"
        }
        Action::Crash { node } => {
            f.put("node", Some(name(*node)));
            "crash"
        }
        Action::Restart { node } => {
            f.put("node", Some(name(*node)));
            "restart"
        }
        Action::Write { node, command } => {
            f.put("node", Some(name(*node)));
            f.put("command", Some(Json::Text(command.to_string())));
            "write"
        }
        Action::Retry { write, node } => {
            f.put("write", Some(Json::Whole(*write)));
            f.put("node", Some(name(*node)));
            "retry"
        }
        Action::Partition { groups } => {
            let group = |g: &Vec<NodeId>| Json::List(g.iter().copied().map(name).collect());
            f.put(
                "groups",
                Some(Json::List(groups.iter().map(group).collect())),
            );
            "partition"
        }
        Action::Heal => "heal",
        Action::Cut { from, to, both: b } | Action::Restore { from, to, both: b } => {
            f.put("from", Some(name(*from)));
            f.put("to", Some(name(*to)));
            f.put("both", both(*b));
            if matches!(action, Action::Cut { .. }) {
                "cut"
            } else {
                "restore"
            }
        }
        Action::Drop { packet } => {
            f.put("packet", Some(Json::Whole(*packet)));
            "drop"
        }
        Action::Loss { ppm } => {
            f.put("ppm", Some(Json::Whole(u64::from(*ppm))));
            "loss"
        }
        Action::Duplicate { ppm } => {
            f.put("ppm", Some(Json::Whole(u64::from(*ppm))));
            "duplicate"
        }
        Action::LinkLatency {
            from,
            to,
            both: b,
            min_us,
            max_us,
        } => {
            f.put("from", Some(name(*from)));
            f.put("to", Some(name(*to)));
            f.put("both", both(*b));
            f.put("ms", Some(range(*min_us, *max_us)));
            "latency"
        }
        Action::PinTimeout { node, timeout_us } => {
            f.put("node", Some(name(*node)));
            f.put("ms", Some(timeout_us.map_or(Json::Null, ms)));
            "pin_timeout"
        }
    };
    (name, f)
}

/// A server that may be named or be no one (`null`).
fn maybe(who: Option<NodeId>) -> Json {
    who.map_or(Json::Null, name)
}

fn expect(e: &Expect) -> Json {
    let mut f = Fields::default();
    f.put("leader", e.leader.map(maybe));
    f.put("logs_agree", e.logs_agree.map(Json::Bool));
    f.put(
        "writes",
        e.writes
            .as_ref()
            .map(|w| Json::List(w.iter().map(|o| Json::Text(o.name().to_string())).collect())),
    );
    if !e.nodes.is_empty() {
        let mut nodes: Vec<(String, Json)> = e
            .nodes
            .iter()
            .map(|(id, n)| (id.to_string(), node_expect(n)))
            .collect();
        nodes.sort_by(|a, b| a.0.cmp(&b.0));
        f.put("nodes", Some(Json::Object(nodes)));
    }
    f.object()
}

fn node_expect(n: &NodeExpect) -> Json {
    let mut f = Fields::default();
    f.put("role", n.role.map(|r| Json::Text(r.name().to_string())));
    f.put("term", n.term.map(Json::Whole));
    f.put("voted_for", n.voted_for.map(maybe));
    f.put(
        "log",
        n.log
            .as_ref()
            .map(|log| Json::List(log.iter().map(expected_entry).collect())),
    );
    f.put("commit_index", n.commit_index.map(Json::Whole));
    f.put(
        "state",
        n.state.as_ref().map(|state| {
            let values = state.iter().map(|(k, v)| (k.clone(), Json::Signed(*v)));
            Json::Object(values.collect())
        }),
    );
    f.put("crashed", n.crashed.map(Json::Bool));
    f.object()
}

fn expected_entry(e: &ExpectedEntry) -> Json {
    entry(e.term, e.command.as_ref().map(|c| c.to_string()))
}
