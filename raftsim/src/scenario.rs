//! Scenario files: a cluster's starting state and a timed script of actions, as JSON.
//!
//! A scenario says how big the cluster is, how its clocks and links behave, what each server
//! holds when the story starts (term, vote, log), and what happens when (a timer fires, a server
//! crashes, the network splits, a client writes). Running it gives the same world every time.
//! The full format, with examples, is in `docs/scenarios.md`.
//!
//! Reading a scenario never panics. Every mistake comes back as a [`ScenarioError`] that names
//! the offending field by its path (`script[3].node`, `initial[0].log[2].term`, …) and says what
//! is wrong with it; JSON syntax errors give a line and a column.

use crate::command::Command;
use crate::message::{Addr, Entry, Packet};
use crate::sim::{
    Action, ClientWrite, Config, ConfigError, NodeSetup, Sim, WriteStatus, MAX_NODES,
};
use crate::types::{LogIndex, NodeId, Role, Term, Time, US_PER_MS};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The longest a scenario may run, in simulated milliseconds (ten minutes).
pub const MAX_RUN_MS: u64 = 600_000;
/// The largest term a starting state may hold.
pub const MAX_TERM: Term = 1_000_000;
/// The longest starting log a server may hold.
pub const MAX_LOG_LEN: usize = 1_000;
/// The most steps a script may have.
pub const MAX_STEPS: usize = 10_000;
/// The longest election timeout or heartbeat interval, in milliseconds.
pub const MAX_TIMER_MS: u64 = 60_000;
/// The longest one-way latency of a link, in milliseconds (the simulation's own limit).
pub const MAX_LATENCY_MS: u64 = 10_000;
/// How long a scenario without `run_ms` runs after its last scripted step, in milliseconds.
pub const DEFAULT_TAIL_MS: u64 = 1_000;

/// A scenario that has been read and checked: everything `build` and `run` need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// One or two sentences saying what the scenario shows.
    pub description: Option<String>,
    /// Cluster size, seed, timing.
    pub config: Config,
    /// Starting state of each server, `initial[i]` for S(i+1). Always `config.nodes` long.
    pub initial: Vec<NodeSetup>,
    /// The timed actions, in the order they happen.
    pub script: Vec<Step>,
    /// When the run stops, in microseconds.
    pub run_until: Time,
    /// What the end state should look like, if the file says.
    pub expect: Option<Expect>,
}

/// One scripted action and when it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// When, in microseconds since the start.
    pub at: Time,
    pub action: StepAction,
    /// Where the step is in the file, e.g. `script[3]`, for error messages.
    pub path: String,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepAction {
    /// A simulation action, applied as is.
    Act(Action),
    /// Lose packets in flight from `from` to `to`: all of them, or only the `nth` (1-based,
    /// in the order they were sent).
    DropMatching {
        from: Addr,
        to: Addr,
        nth: Option<usize>,
    },
}

/// What the end of a run should look like. Every field is optional; only given ones are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// The live leader with the highest term (`Some(None)`: no live leader at all).
    pub leader: Option<Option<NodeId>>,
    /// Whether every live server's log is the same, entry for entry.
    pub logs_agree: Option<bool>,
    /// The outcome of each client write, in the order they were made.
    pub writes: Option<Vec<WriteOutcome>>,
    /// Per-server expectations.
    pub nodes: Vec<(NodeId, NodeExpect)>,
}

/// What one server should look like at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeExpect {
    pub role: Option<Role>,
    pub term: Option<Term>,
    pub voted_for: Option<Option<NodeId>>,
    pub log: Option<Vec<ExpectedEntry>>,
    pub commit_index: Option<LogIndex>,
    pub state: Option<BTreeMap<String, i64>>,
    pub crashed: Option<bool>,
}

/// An expected log entry: its term, and its command if the file gives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedEntry {
    pub term: Term,
    pub command: Option<Command>,
}

/// How a client write ended, as a word.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Committed,
    Pending,
    Redirected,
}

impl WriteOutcome {
    pub fn of(status: &WriteStatus) -> WriteOutcome {
        match status {
            WriteStatus::Pending => WriteOutcome::Pending,
            WriteStatus::Committed { .. } => WriteOutcome::Committed,
            WriteStatus::Redirected { .. } => WriteOutcome::Redirected,
        }
    }

    fn name(self) -> &'static str {
        match self {
            WriteOutcome::Committed => "committed",
            WriteOutcome::Pending => "pending",
            WriteOutcome::Redirected => "redirected",
        }
    }
}

/// Why a scenario could not be read or run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The text is not JSON.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is not a valid scenario: `path` names the field, `message` says what is wrong.
    Invalid { path: String, message: String },
    /// A scripted step that the simulation refused when its time came.
    Step {
        path: String,
        at: Time,
        message: String,
    },
}

impl ScenarioError {
    /// The path of the offending field, e.g. `script[3].node` (None for syntax errors).
    pub fn path(&self) -> Option<&str> {
        match self {
            ScenarioError::Syntax { .. } => None,
            ScenarioError::Invalid { path, .. } | ScenarioError::Step { path, .. } => Some(path),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Syntax {
                line,
                column,
                message,
            } => write!(
                f,
                "line {line}, column {column}: this is not valid JSON: {message}"
            ),
            ScenarioError::Invalid { path, message } if path.is_empty() => f.write_str(message),
            ScenarioError::Invalid { path, message } => write!(f, "{path}: {message}"),
            ScenarioError::Step { path, at, message } => {
                write!(f, "{path}: at {}, {message}", crate::types::fmt_ms(*at))
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

type Res<T> = Result<T, ScenarioError>;

pub(crate) fn invalid<T>(path: &str, message: impl Into<String>) -> Res<T> {
    Err(ScenarioError::Invalid {
        path: path.to_string(),
        message: message.into(),
    })
}

/// Refuses a list longer than `max`: "12 steps is more than the 10 a script may have", where
/// `items` is "steps" and `limit` is "a script may have".
pub(crate) fn at_most<T>(list: &[T], max: usize, path: &str, items: &str, limit: &str) -> Res<()> {
    if list.len() > max {
        return invalid(
            path,
            format!("{} {items} is more than the {max} {limit}", list.len()),
        );
    }
    Ok(())
}

/// The command given to a log entry that names only its term: `SET x <index>`, so that after
/// applying the log up to index i a server's `x` is i.
pub fn placeholder_command(index: LogIndex) -> Command {
    Command::Set {
        key: "x".into(),
        value: i64::try_from(index).unwrap_or(i64::MAX),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading.

const TOP_FIELDS: &[&str] = &[
    "description",
    "nodes",
    "seed",
    "timing",
    "follow_redirects",
    "initial",
    "script",
    "run_ms",
    "expect",
];
const TIMING_FIELDS: &[&str] = &["election_timeout_ms", "heartbeat_ms", "latency_ms"];
const INITIAL_FIELDS: &[&str] = &["node", "term", "voted_for", "log", "election_timeout_ms"];
const ENTRY_FIELDS: &[&str] = &["term", "command"];
const ACTIONS: &[&str] = &[
    "timeout",
    "crash",
    "restart",
    "write",
    "partition",
    "heal",
    "cut",
    "restore",
    "drop",
    "loss",
    "latency",
    "pin_timeout",
];
const EXPECT_FIELDS: &[&str] = &["leader", "logs_agree", "writes", "nodes"];
const NODE_EXPECT_FIELDS: &[&str] = &[
    "role",
    "term",
    "voted_for",
    "log",
    "commit_index",
    "state",
    "crashed",
];

impl Scenario {
    /// Reads and checks a scenario. Never panics, whatever the text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let value: Value = serde_json::from_str(text).map_err(syntax_error)?;
        Scenario::from_value(&value)
    }

    /// Checks an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Scenario, ScenarioError> {
        let top = object(value, "", "a scenario", TOP_FIELDS)?;

        let description = match top.get("description") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return invalid(
                    "description",
                    format!("expected text, found {}", kind(other)),
                )
            }
        };

        let nodes = match top.get("nodes") {
            None => 5,
            Some(v) => whole(v, "nodes", 1, MAX_NODES as u64)? as usize,
        };
        let mut config = Config {
            nodes,
            ..Config::default()
        };
        if let Some(v) = top.get("seed") {
            config.seed = whole(v, "seed", 0, u64::MAX)?;
        }
        if let Some(v) = top.get("follow_redirects") {
            config.client_follows_redirects = boolean(v, "follow_redirects")?;
        }
        if let Some(v) = top.get("timing") {
            read_timing(v, &mut config)?;
        }

        let mut initial = vec![NodeSetup::default(); nodes];
        if let Some(v) = top.get("initial") {
            read_initial(v, nodes, &mut initial)?;
        }

        let script = match top.get("script") {
            None => Vec::new(),
            Some(v) => read_script(v, nodes)?,
        };

        let last = script.last().map(|s| (s.at / US_PER_MS, s.path.clone()));
        let run_ms = match top.get("run_ms") {
            Some(v) => {
                let run_ms = whole(v, "run_ms", 0, MAX_RUN_MS)?;
                if let Some((last_ms, path)) = &last {
                    if run_ms < *last_ms {
                        return invalid(
                            "run_ms",
                            format!(
                                "{run_ms} is earlier than {path}.at_ms {last_ms}; the run must \
                                 last until the script's last step"
                            ),
                        );
                    }
                }
                run_ms
            }
            None => last
                .map_or(DEFAULT_TAIL_MS, |(ms, _)| ms + DEFAULT_TAIL_MS)
                .min(MAX_RUN_MS),
        };

        let expect = match top.get("expect") {
            None => None,
            Some(v) => Some(read_expect(v, nodes)?),
        };

        let scenario = Scenario {
            description,
            config,
            initial,
            script,
            run_until: run_ms * US_PER_MS,
            expect,
        };
        // Whatever the checks above missed, the simulation's own checks still catch, here,
        // rather than at `build` time.
        scenario.config.validate().map_err(config_error)?;
        Ok(scenario)
    }

    /// The simulated world at time 0, with the starting state applied and nothing run yet.
    pub fn build(&self) -> Result<Sim, ScenarioError> {
        Sim::with_setup(self.config.clone(), self.initial.clone()).map_err(config_error)
    }

    /// Runs the whole script and then until `run_ms`, and returns the world as it ends.
    pub fn run_sim(&self) -> Result<Sim, ScenarioError> {
        let mut sim = self.build()?;
        for step in &self.script {
            sim.advance_to(step.at);
            apply_step(&mut sim, step)?;
        }
        sim.advance_to(self.run_until);
        Ok(sim)
    }

    /// Runs the scenario and summarizes the end state, the client writes, the invariant
    /// checks, the expectations and every event.
    pub fn run(&self) -> Result<Outcome, ScenarioError> {
        let sim = self.run_sim()?;
        Ok(Outcome::of(self, &sim))
    }
}

/// Applies one scripted step to a world whose clock has reached the step's time. The UI uses
/// this to play a scenario's script step by step.
pub fn apply_step(sim: &mut Sim, step: &Step) -> Result<(), ScenarioError> {
    let refused = |message: String| ScenarioError::Step {
        path: step.path.clone(),
        at: step.at,
        message,
    };
    match &step.action {
        StepAction::Act(action) => sim
            .apply(action.clone())
            .map_err(|e| refused(format!("`{}` could not be done: {e}", action_name(action)))),
        StepAction::DropMatching { from, to, nth } => {
            let mut matching: Vec<&Packet> = sim
                .in_flight()
                .filter(|p| p.from == *from && p.to == *to)
                .collect();
            matching.sort_by_key(|p| p.id);
            let chosen: Vec<u64> = match nth {
                None => matching.iter().map(|p| p.id).collect(),
                Some(n) => n
                    .checked_sub(1)
                    .and_then(|i| matching.get(i))
                    .map(|p| p.id)
                    .into_iter()
                    .collect(),
            };
            if chosen.is_empty() {
                let count = matching.len();
                return Err(refused(match nth {
                    Some(n) if count > 0 => format!(
                        "`drop` found only {count} packet(s) in flight from {} to {}, not a \
                         number {n}",
                        String::from(*from),
                        String::from(*to)
                    ),
                    _ => format!(
                        "`drop` found no packet in flight from {} to {}",
                        String::from(*from),
                        String::from(*to)
                    ),
                }));
            }
            for packet in chosen {
                sim.apply(Action::Drop { packet })
                    .map_err(|e| refused(format!("`drop` could not be done: {e}")))?;
            }
            Ok(())
        }
    }
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Timeout { .. } => "timeout",
        Action::Crash { .. } => "crash",
        Action::Restart { .. } => "restart",
        Action::Write { .. } => "write",
        Action::Partition { .. } => "partition",
        Action::Heal => "heal",
        Action::Cut { .. } => "cut",
        Action::Restore { .. } => "restore",
        Action::Drop { .. } => "drop",
        Action::Loss { .. } => "loss",
        Action::LinkLatency { .. } => "latency",
        Action::PinTimeout { .. } => "pin_timeout",
    }
}

pub(crate) fn syntax_error(e: serde_json::Error) -> ScenarioError {
    let full = e.to_string();
    // serde_json ends its messages with " at line L column C"; the line and column are kept
    // apart instead.
    let message = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_string(),
        None => full,
    };
    ScenarioError::Syntax {
        line: e.line(),
        column: e.column(),
        message,
    }
}

pub(crate) fn config_error(e: ConfigError) -> ScenarioError {
    let path = match &e {
        ConfigError::NodeCount(_) => "nodes".to_string(),
        ConfigError::ElectionTimeout { .. } => "timing.election_timeout_ms".to_string(),
        ConfigError::Heartbeat { .. } => "timing.heartbeat_ms".to_string(),
        ConfigError::Latency { .. } => "timing.latency_ms".to_string(),
        ConfigError::Rate { .. } => String::new(),
        ConfigError::Initial { node, .. } => format!("initial ({node})"),
    };
    ScenarioError::Invalid {
        path,
        message: e.to_string(),
    }
}

fn read_timing(v: &Value, config: &mut Config) -> Res<()> {
    let timing = object(v, "timing", "the timing", TIMING_FIELDS)?;
    if let Some(v) = timing.get("election_timeout_ms") {
        let (min, max) = range_ms(v, "timing.election_timeout_ms", 1, MAX_TIMER_MS)?;
        config.election_timeout_min_us = min * US_PER_MS;
        config.election_timeout_max_us = max * US_PER_MS;
    }
    if let Some(v) = timing.get("heartbeat_ms") {
        config.heartbeat_interval_us =
            whole(v, "timing.heartbeat_ms", 1, MAX_TIMER_MS)? * US_PER_MS;
    }
    if let Some(v) = timing.get("latency_ms") {
        let (min, max) = range_ms(v, "timing.latency_ms", 0, MAX_LATENCY_MS)?;
        config.latency_min_us = min * US_PER_MS;
        config.latency_max_us = max * US_PER_MS;
    }
    if config.heartbeat_interval_us >= config.election_timeout_min_us {
        let path = if timing.contains_key("heartbeat_ms") {
            "timing.heartbeat_ms"
        } else {
            "timing.election_timeout_ms"
        };
        return invalid(
            path,
            format!(
                "the heartbeat interval ({} ms) must be shorter than the smallest election \
                 timeout ({} ms), or followers would start elections between heartbeats",
                config.heartbeat_interval_us / US_PER_MS,
                config.election_timeout_min_us / US_PER_MS
            ),
        );
    }
    Ok(())
}

fn read_initial(v: &Value, nodes: usize, initial: &mut [NodeSetup]) -> Res<()> {
    let list = array(v, "initial", "a list of starting states, one per server")?;
    let mut seen: Vec<Option<usize>> = vec![None; nodes];
    let mut logs: Vec<(String, NodeId)> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let path = format!("initial[{i}]");
        let obj = object(item, &path, "a server's starting state", INITIAL_FIELDS)?;
        let node_path = format!("{path}.node");
        let id = match obj.get("node") {
            Some(v) => node(v, &node_path, nodes)?,
            None => {
                return invalid(
                    &node_path,
                    "missing: say which server this is, e.g. \"node\": \"S1\"",
                )
            }
        };
        if let Some(first) = seen[id.index()] {
            return invalid(
                &node_path,
                format!("{id} already has a starting state at initial[{first}]"),
            );
        }
        seen[id.index()] = Some(i);

        let setup = &mut initial[id.index()];
        if let Some(v) = obj.get("term") {
            setup.current_term = whole(v, &format!("{path}.term"), 0, MAX_TERM)?;
        }
        if let Some(v) = obj.get("voted_for") {
            let vpath = format!("{path}.voted_for");
            setup.voted_for = match v {
                Value::Null => None,
                v => Some(node(v, &vpath, nodes)?),
            };
            if setup.voted_for.is_some() && setup.current_term == 0 {
                return invalid(
                    &vpath,
                    "a server in term 0 has not voted; give it a \"term\" of 1 or more",
                );
            }
        }
        if let Some(v) = obj.get("log") {
            setup.log = read_log(v, &format!("{path}.log"), setup.current_term)?;
        }
        if let Some(v) = obj.get("election_timeout_ms") {
            setup.election_timeout_us = Some(
                whole(v, &format!("{path}.election_timeout_ms"), 1, MAX_TIMER_MS)? * US_PER_MS,
            );
        }
        logs.push((path, id));
    }
    check_log_matching(&logs, initial)
}

fn read_log(v: &Value, path: &str, current_term: Term) -> Res<Vec<Entry>> {
    let list = array(
        v,
        path,
        "a list of entries (a term, or {\"term\": 2, \"command\": \"SET x 5\"})",
    )?;
    at_most(
        list,
        MAX_LOG_LEN,
        path,
        "entries",
        "a starting log may hold",
    )?;
    let mut log: Vec<Entry> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let index = i as LogIndex + 1;
        let item_path = format!("{path}[{i}]");
        let (term, term_path, command) = match item {
            Value::Object(_) => {
                let obj = object(item, &item_path, "a log entry", ENTRY_FIELDS)?;
                let term_path = format!("{item_path}.term");
                let term = match obj.get("term") {
                    Some(t) => whole(t, &term_path, 1, MAX_TERM)?,
                    None => return invalid(&term_path, "missing: every entry has a term"),
                };
                let command = match obj.get("command") {
                    None => placeholder_command(index),
                    Some(c) => command(c, &format!("{item_path}.command"))?,
                };
                (term, term_path, command)
            }
            other => {
                let term =
                    whole(other, &item_path, 1, MAX_TERM).map_err(|_| ScenarioError::Invalid {
                        path: item_path.clone(),
                        message: format!(
                            "expected a term (a whole number from 1) or an entry like \
                             {{\"term\": 2, \"command\": \"SET x 5\"}}, found {}",
                            kind(other)
                        ),
                    })?;
                (term, item_path.clone(), placeholder_command(index))
            }
        };
        if let Some(prev) = log.last() {
            if term < prev.term {
                return invalid(
                    &term_path,
                    format!(
                        "terms in a log never decrease, but term {term} follows term {} at \
                         {path}[{}]",
                        prev.term,
                        i - 1
                    ),
                );
            }
        }
        if term > current_term {
            return invalid(
                &term_path,
                format!(
                    "term {term} is newer than this server's current term {current_term}; a \
                     server's term is at least the term of every entry it holds (set \"term\")"
                ),
            );
        }
        log.push(Entry { term, command });
    }
    Ok(log)
}

/// Starting logs must be a state Raft could reach: two entries with the same index and term
/// are the same entry, with the same history before them (Log Matching, §5.3).
fn check_log_matching(paths: &[(String, NodeId)], initial: &[NodeSetup]) -> Res<()> {
    for (b, (b_path, b_id)) in paths.iter().enumerate() {
        for (a_path, a_id) in &paths[..b] {
            let (la, lb) = (&initial[a_id.index()].log, &initial[b_id.index()].log);
            let common = la.len().min(lb.len());
            // The last index where both hold an entry of the same term; everything up to it
            // must be identical.
            let Some(last_same) = (0..common).rev().find(|&i| la[i].term == lb[i].term) else {
                continue;
            };
            if let Some(i) = (0..=last_same).find(|&i| la[i] != lb[i]) {
                return invalid(
                    &format!("{b_path}.log[{i}]"),
                    format!(
                        "differs from {a_path}.log[{i}], yet both logs hold an entry of term {} \
                         at index {}; logs that share an entry's index and term agree on \
                         everything up to it (Log Matching, §5.3)",
                        la[last_same].term,
                        last_same + 1
                    ),
                );
            }
        }
    }
    Ok(())
}

fn read_script(v: &Value, nodes: usize) -> Res<Vec<Step>> {
    let list = array(
        v,
        "script",
        "a list of steps like {\"at_ms\": 100, \"do\": \"crash\", \"node\": \"S1\"}",
    )?;
    at_most(list, MAX_STEPS, "script", "steps", "a script may have")?;
    let mut steps: Vec<Step> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let step = read_step(item, &format!("script[{i}]"), nodes)?;
        if let Some(prev) = steps.last() {
            if step.at < prev.at {
                return invalid(
                    &format!("{}.at_ms", step.path),
                    format!(
                        "{} is earlier than {}.at_ms {}; list steps in time order (steps at \
                         the same time happen in the order listed)",
                        step.at / US_PER_MS,
                        prev.path,
                        prev.at / US_PER_MS
                    ),
                );
            }
        }
        steps.push(step);
    }
    Ok(steps)
}

/// The fields each action takes, besides `at_ms` and `do`.
fn action_fields(action: &str) -> &'static [&'static str] {
    match action {
        "timeout" | "crash" | "restart" => &["at_ms", "do", "node"],
        "write" => &["at_ms", "do", "node", "command"],
        "partition" => &["at_ms", "do", "groups"],
        "heal" => &["at_ms", "do"],
        "cut" | "restore" => &["at_ms", "do", "from", "to", "both"],
        "drop" => &["at_ms", "do", "packet", "from", "to", "nth"],
        "loss" => &["at_ms", "do", "percent", "ppm"],
        "latency" => &["at_ms", "do", "from", "to", "both", "ms"],
        "pin_timeout" => &["at_ms", "do", "node", "ms"],
        _ => &["at_ms", "do"],
    }
}

pub(crate) fn read_step(item: &Value, path: &str, nodes: usize) -> Res<Step> {
    let Value::Object(map) = item else {
        return invalid(
            path,
            format!(
                "expected a step like {{\"at_ms\": 100, \"do\": \"crash\", \"node\": \"S1\"}}, \
                 found {}",
                kind(item)
            ),
        );
    };
    let do_path = format!("{path}.do");
    let name = match map.get("do") {
        None => {
            return invalid(
                &do_path,
                format!("missing: say what happens, one of {}", ACTIONS.join(", ")),
            )
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return invalid(
                &do_path,
                format!(
                    "expected an action name such as \"crash\", found {}",
                    kind(other)
                ),
            )
        }
    };
    if !ACTIONS.contains(&name) {
        return invalid(
            &do_path,
            format!(
                "unknown action {}{}; the actions are {}",
                quoted(name),
                suggestion(name, ACTIONS),
                ACTIONS.join(", ")
            ),
        );
    }
    check_fields(map, path, &format!("a `{name}` step"), action_fields(name))?;

    let at_path = format!("{path}.at_ms");
    let at_ms = match map.get("at_ms") {
        Some(v) => whole(v, &at_path, 0, MAX_RUN_MS)?,
        None => {
            return invalid(
                &at_path,
                "missing: say when this happens, in milliseconds from the start",
            )
        }
    };

    let field = |key: &str| -> Res<&Value> {
        map.get(key).ok_or_else(|| ScenarioError::Invalid {
            path: format!("{path}.{key}"),
            message: format!("missing: a `{name}` step needs \"{key}\""),
        })
    };
    let node_field =
        |key: &str| -> Res<NodeId> { node(field(key)?, &format!("{path}.{key}"), nodes) };
    let both = || -> Res<bool> {
        match map.get("both") {
            None => Ok(true),
            Some(v) => boolean(v, &format!("{path}.both")),
        }
    };
    let link = || -> Res<(NodeId, NodeId)> {
        let from = node_field("from")?;
        let to = node_field("to")?;
        if from == to {
            return invalid(
                &format!("{path}.to"),
                format!("a link joins two different servers, but from and to are both {from}"),
            );
        }
        Ok((from, to))
    };

    let action = match name {
        "timeout" => Action::Timeout {
            node: node_field("node")?,
        },
        "crash" => Action::Crash {
            node: node_field("node")?,
        },
        "restart" => Action::Restart {
            node: node_field("node")?,
        },
        "write" => Action::Write {
            node: node_field("node")?,
            command: command(field("command")?, &format!("{path}.command"))?,
        },
        "partition" => Action::Partition {
            groups: read_groups(field("groups")?, &format!("{path}.groups"), nodes)?,
        },
        "heal" => Action::Heal,
        "cut" | "restore" => {
            let (from, to) = link()?;
            let both = both()?;
            if name == "cut" {
                Action::Cut { from, to, both }
            } else {
                Action::Restore { from, to, both }
            }
        }
        "drop" => return read_drop(map, path, nodes, at_ms),
        "loss" => Action::Loss {
            ppm: read_loss(map, path)?,
        },
        "latency" => {
            let (from, to) = link()?;
            let both = both()?;
            let (min, max) = range_ms(field("ms")?, &format!("{path}.ms"), 0, MAX_LATENCY_MS)?;
            Action::LinkLatency {
                from,
                to,
                both,
                min_us: min * US_PER_MS,
                max_us: max * US_PER_MS,
            }
        }
        "pin_timeout" => {
            let node = node_field("node")?;
            let timeout_us = match field("ms")? {
                Value::Null => None,
                v => Some(whole(v, &format!("{path}.ms"), 1, MAX_TIMER_MS)? * US_PER_MS),
            };
            Action::PinTimeout { node, timeout_us }
        }
        _ => Action::Heal, // not reached: the name was checked against ACTIONS above
    };
    Ok(Step {
        at: at_ms * US_PER_MS,
        action: StepAction::Act(action),
        path: path.to_string(),
    })
}

fn read_groups(v: &Value, path: &str, nodes: usize) -> Res<Vec<Vec<NodeId>>> {
    let groups = array(
        v,
        path,
        "a list of groups of servers, e.g. [[\"S1\", \"S2\"], [\"S3\", \"S4\", \"S5\"]]",
    )?;
    if groups.is_empty() {
        return invalid(
            path,
            "name at least one group; to join everything again use `heal`",
        );
    }
    let mut home: Vec<Option<usize>> = vec![None; nodes];
    let mut out = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        let gpath = format!("{path}[{g}]");
        let members = array(group, &gpath, "a list of servers, e.g. [\"S1\", \"S2\"]")?;
        if members.is_empty() {
            return invalid(&gpath, "a group needs at least one server");
        }
        let mut ids = Vec::with_capacity(members.len());
        for (m, member) in members.iter().enumerate() {
            let mpath = format!("{gpath}[{m}]");
            let id = node(member, &mpath, nodes)?;
            if let Some(other) = home[id.index()] {
                return invalid(
                    &mpath,
                    format!("{id} is already in {path}[{other}]; a server is in one group only"),
                );
            }
            home[id.index()] = Some(g);
            ids.push(id);
        }
        out.push(ids);
    }
    Ok(out)
}

fn read_drop(map: &Map<String, Value>, path: &str, nodes: usize, at_ms: u64) -> Res<Step> {
    let at = at_ms * US_PER_MS;
    if let Some(v) = map.get("packet") {
        for key in ["from", "to", "nth"] {
            if map.contains_key(key) {
                return invalid(
                    &format!("{path}.{key}"),
                    "give either \"packet\" (a packet id) or \"from\" and \"to\", not both",
                );
            }
        }
        let packet = whole(v, &format!("{path}.packet"), 0, u64::MAX)?;
        return Ok(Step {
            at,
            action: StepAction::Act(Action::Drop { packet }),
            path: path.to_string(),
        });
    }
    let end = |key: &str| -> Res<Addr> {
        let kpath = format!("{path}.{key}");
        match map.get(key) {
            None => invalid(
                &kpath,
                "missing: a `drop` step needs \"from\" and \"to\" (or a \"packet\" id)",
            ),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("client") => Ok(Addr::Client),
            Some(v) => Ok(Addr::Node(node(v, &kpath, nodes)?)),
        }
    };
    let from = end("from")?;
    let to = end("to")?;
    if from == to {
        return invalid(
            &format!("{path}.to"),
            format!("no packet goes from {} to itself", String::from(from)),
        );
    }
    let nth = match map.get("nth") {
        None => None,
        Some(v) => Some(whole(v, &format!("{path}.nth"), 1, 1_000_000)? as usize),
    };
    Ok(Step {
        at,
        action: StepAction::DropMatching { from, to, nth },
        path: path.to_string(),
    })
}

fn read_loss(map: &Map<String, Value>, path: &str) -> Res<u32> {
    match (map.get("percent"), map.get("ppm")) {
        (Some(_), Some(_)) => invalid(
            &format!("{path}.ppm"),
            "give the loss rate once: either \"percent\" or \"ppm\"",
        ),
        (None, None) => invalid(
            &format!("{path}.percent"),
            "missing: a `loss` step needs \"percent\" (0 to 100) or \"ppm\" (parts per million)",
        ),
        (None, Some(v)) => Ok(whole(v, &format!("{path}.ppm"), 0, 1_000_000)? as u32),
        (Some(v), None) => {
            let ppath = format!("{path}.percent");
            match v.as_f64() {
                Some(p) if (0.0..=100.0).contains(&p) => Ok((p * 10_000.0).round() as u32),
                _ => invalid(
                    &ppath,
                    format!("expected a number from 0 to 100, found {}", kind(v)),
                ),
            }
        }
    }
}

pub(crate) fn read_expect(v: &Value, nodes: usize) -> Res<Expect> {
    let obj = object(v, "expect", "the expected end state", EXPECT_FIELDS)?;
    let mut expect = Expect::default();
    if let Some(v) = obj.get("leader") {
        expect.leader = Some(match v {
            Value::Null => None,
            v => Some(node(v, "expect.leader", nodes)?),
        });
    }
    if let Some(v) = obj.get("logs_agree") {
        expect.logs_agree = Some(boolean(v, "expect.logs_agree")?);
    }
    if let Some(v) = obj.get("writes") {
        let list = array(
            v,
            "expect.writes",
            "a list of outcomes such as \"committed\"",
        )?;
        let mut writes = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let outcomes = [
                WriteOutcome::Committed,
                WriteOutcome::Pending,
                WriteOutcome::Redirected,
            ];
            let found = match item {
                Value::String(s) => outcomes.iter().find(|o| o.name() == s).copied(),
                _ => None,
            };
            match found {
                Some(o) => writes.push(o),
                None => {
                    return invalid(
                        &format!("expect.writes[{i}]"),
                        format!(
                            "expected \"committed\", \"pending\" or \"redirected\", found {}",
                            kind(item)
                        ),
                    )
                }
            }
        }
        expect.writes = Some(writes);
    }
    if let Some(v) = obj.get("nodes") {
        let Value::Object(per_node) = v else {
            return invalid(
                "expect.nodes",
                format!(
                    "expected an object keyed by server, e.g. {{\"S1\": {{\"role\": \"leader\"}}}}, \
                     found {}",
                    kind(v)
                ),
            );
        };
        for (key, v) in per_node {
            let path = format!("expect.nodes.{key}");
            let id = node(&Value::String(key.clone()), &path, nodes)?;
            if expect.nodes.iter().any(|(seen, _)| *seen == id) {
                return invalid(&path, format!("{id} is named twice"));
            }
            expect.nodes.push((id, read_node_expect(v, &path, nodes)?));
        }
    }
    Ok(expect)
}

fn read_node_expect(v: &Value, path: &str, nodes: usize) -> Res<NodeExpect> {
    let obj = object(v, path, "a server's expected state", NODE_EXPECT_FIELDS)?;
    let mut e = NodeExpect::default();
    if let Some(v) = obj.get("role") {
        let rpath = format!("{path}.role");
        e.role = Some(match v.as_str() {
            Some("follower") => Role::Follower,
            Some("candidate") => Role::Candidate,
            Some("leader") => Role::Leader,
            _ => {
                return invalid(
                    &rpath,
                    format!(
                        "expected \"follower\", \"candidate\" or \"leader\", found {}",
                        kind(v)
                    ),
                )
            }
        });
    }
    if let Some(v) = obj.get("term") {
        e.term = Some(whole(v, &format!("{path}.term"), 0, u64::MAX)?);
    }
    if let Some(v) = obj.get("voted_for") {
        e.voted_for = Some(match v {
            Value::Null => None,
            v => Some(node(v, &format!("{path}.voted_for"), nodes)?),
        });
    }
    if let Some(v) = obj.get("log") {
        let lpath = format!("{path}.log");
        let list = array(
            v,
            &lpath,
            "a list of entries (a term, or {\"term\": 2, \"command\": \"SET x 5\"})",
        )?;
        let mut log = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let ipath = format!("{lpath}[{i}]");
            log.push(match item {
                Value::Object(_) => {
                    let o = object(item, &ipath, "a log entry", ENTRY_FIELDS)?;
                    let term = match o.get("term") {
                        Some(t) => whole(t, &format!("{ipath}.term"), 1, u64::MAX)?,
                        None => {
                            return invalid(
                                &format!("{ipath}.term"),
                                "missing: every entry has a term",
                            )
                        }
                    };
                    let command = match o.get("command") {
                        None => None,
                        Some(c) => Some(command(c, &format!("{ipath}.command"))?),
                    };
                    ExpectedEntry { term, command }
                }
                other => ExpectedEntry {
                    term: whole(other, &ipath, 1, u64::MAX)?,
                    command: None,
                },
            });
        }
        e.log = Some(log);
    }
    if let Some(v) = obj.get("commit_index") {
        e.commit_index = Some(whole(v, &format!("{path}.commit_index"), 0, u64::MAX)?);
    }
    if let Some(v) = obj.get("state") {
        let spath = format!("{path}.state");
        let Value::Object(map) = v else {
            return invalid(
                &spath,
                format!(
                    "expected an object of keys and values, e.g. {{\"x\": 5}}, found {}",
                    kind(v)
                ),
            );
        };
        let mut state = BTreeMap::new();
        for (key, value) in map {
            match value.as_i64() {
                Some(n) => {
                    state.insert(key.clone(), n);
                }
                None => {
                    return invalid(
                        &format!("{spath}.{key}"),
                        format!("expected a whole number, found {}", kind(value)),
                    )
                }
            }
        }
        e.state = Some(state);
    }
    if let Some(v) = obj.get("crashed") {
        e.crashed = Some(boolean(v, &format!("{path}.crashed"))?);
    }
    Ok(e)
}

// ---------------------------------------------------------------------------------------------
// Small readers, each naming the path it reads when it fails.

pub(crate) fn object<'a>(
    v: &'a Value,
    path: &str,
    what: &str,
    allowed: &[&str],
) -> Res<&'a Map<String, Value>> {
    match v {
        Value::Object(map) => {
            check_fields(map, path, what, allowed)?;
            Ok(map)
        }
        other => invalid(
            path_or_top(path),
            format!(
                "expected {what} (a JSON object {{…}}), found {}",
                kind(other)
            ),
        ),
    }
}

fn path_or_top(path: &str) -> &str {
    if path.is_empty() {
        "(top level)"
    } else {
        path
    }
}

pub(crate) fn check_fields(
    map: &Map<String, Value>,
    path: &str,
    what: &str,
    allowed: &[&str],
) -> Res<()> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let key_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            return invalid(
                &key_path,
                format!(
                    "unknown field{}; {what} has the fields {}",
                    suggestion(key, allowed),
                    allowed.join(", ")
                ),
            );
        }
    }
    Ok(())
}

pub(crate) fn array<'a>(v: &'a Value, path: &str, what: &str) -> Res<&'a Vec<Value>> {
    match v {
        Value::Array(list) => Ok(list),
        other => invalid(path, format!("expected {what}, found {}", kind(other))),
    }
}

pub(crate) fn whole(v: &Value, path: &str, min: u64, max: u64) -> Res<u64> {
    match v.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) if n < min => invalid(
            path,
            format!("{n} is too small; the least allowed is {min}"),
        ),
        Some(n) => invalid(path, format!("{n} is too large; the most allowed is {max}")),
        None => {
            let range = if max == u64::MAX {
                format!("{min} or more")
            } else {
                format!("from {min} to {max}")
            };
            invalid(
                path,
                format!("expected a whole number {range}, found {}", kind(v)),
            )
        }
    }
}

pub(crate) fn boolean(v: &Value, path: &str) -> Res<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => invalid(
            path,
            format!("expected true or false, found {}", kind(other)),
        ),
    }
}

pub(crate) fn range_ms(v: &Value, path: &str, least: u64, most: u64) -> Res<(u64, u64)> {
    let shape = || {
        invalid(
            path,
            format!(
                "expected [min, max], two whole numbers of milliseconds, found {}",
                kind(v)
            ),
        )
    };
    let Value::Array(pair) = v else {
        return shape();
    };
    let [min, max] = &pair[..] else {
        return shape();
    };
    let min = whole(min, &format!("{path}[0]"), least, most)?;
    let max = whole(max, &format!("{path}[1]"), least, most)?;
    if min > max {
        return invalid(path, format!("min {min} is greater than max {max}"));
    }
    Ok((min, max))
}

pub(crate) fn node(v: &Value, path: &str, nodes: usize) -> Res<NodeId> {
    let Value::String(text) = v else {
        return invalid(
            path,
            format!("expected a server name like \"S1\", found {}", kind(v)),
        );
    };
    match NodeId::parse(text) {
        Some(id) if usize::from(id.0) <= nodes => Ok(id),
        Some(id) => invalid(
            path,
            format!(
                "unknown node {id} (this cluster has {})",
                cluster_names(nodes)
            ),
        ),
        None => invalid(
            path,
            format!(
                "{} is not a server name; servers are named {}",
                quoted(text),
                cluster_names(nodes)
            ),
        ),
    }
}

pub(crate) fn cluster_names(nodes: usize) -> String {
    if nodes == 1 {
        "only S1".to_string()
    } else {
        format!("S1 to S{nodes}")
    }
}

pub(crate) fn command(v: &Value, path: &str) -> Res<Command> {
    match v {
        Value::String(text) => Command::parse(text).or_else(|e| invalid(path, e.to_string())),
        other => invalid(
            path,
            format!(
                "expected a command like \"SET x 5\" or \"ADD x 2\", found {}",
                kind(other)
            ),
        ),
    }
}

/// Describes a JSON value for an error message: `the text "five"`, `the number 2.5`, `a list`.
pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text {}", quoted(s)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Quotes text for a message, shortened if long.
pub(crate) fn quoted(s: &str) -> String {
    const LIMIT: usize = 40;
    if s.chars().count() <= LIMIT {
        format!("{s:?}")
    } else {
        let short: String = s.chars().take(LIMIT).collect();
        format!("{short:?}…")
    }
}

/// ` (did you mean "node"?)` when a close allowed name exists: a typo or two away, or the
/// word with its unit left off (`heartbeat` for `heartbeat_ms`).
pub(crate) fn suggestion(word: &str, allowed: &[&str]) -> String {
    if word.chars().count() > 40 {
        return String::new();
    }
    let lower = word.to_lowercase();
    allowed
        .iter()
        .map(|a| {
            let prefix = lower.len() >= 3 && a.starts_with(&lower);
            (if prefix { 0 } else { edit_distance(word, a) }, *a)
        })
        .filter(|(d, a)| *d <= 2 && *d < a.len())
        .min()
        .map(|(_, a)| format!(" (did you mean \"{a}\"?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Checking expectations.

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
                    failures.push(format!(
                        "expect.writes[{i}]: expected {}, found {}",
                        w.name(),
                        f.name()
                    ));
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
                differ("role", role.to_string(), node.role.to_string());
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
pub fn terms_of(log: &[Entry]) -> String {
    let terms: Vec<String> = log.iter().map(|e| e.term.to_string()).collect();
    format!("[{}]", terms.join(", "))
}

fn log_mismatch(want: &[ExpectedEntry], found: &[Entry]) -> Option<String> {
    for (i, (w, f)) in want.iter().zip(found).enumerate() {
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

// ---------------------------------------------------------------------------------------------
// The outcome of a run, as `raftsim run` prints it.

/// Everything a run produced, ready to print as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub seed: u64,
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
                role: n.role,
                term: n.current_term,
                voted_for: n.voted_for,
                commit_index: n.commit_index,
                log: n.log.clone(),
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
            ended_at_ms: ms(sim.now()),
            nodes,
            clients,
            invariants: InvariantReport {
                ok: violations.is_empty(),
                violations,
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
