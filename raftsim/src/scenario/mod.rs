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
//!
//! This module holds the scenario as data and plays it; `read` turns a file into it (typed file
//! structs, then one pass that checks what they mean), `write` turns it back into a file (the
//! same structs, serialized), `check` compares the end of a run with
//! the file's `expect` block, and `report` summarizes a run as `raftsim run` prints it.

mod check;
mod options;
pub(crate) mod read;
mod report;
mod write;

pub use check::terms_of;
pub use report::{
    ms, trace_line, ClientReport, EventReport, ExpectReport, InvariantReport, NodeReport, Outcome,
    RuleReport, ViolationReport,
};
pub use write::action_name;

use crate::command::Command;
use crate::message::{Addr, Packet};
use crate::sim::{Action, Config, ConfigError, NodeSetup, Sim, WriteStatus};
use crate::types::{LogIndex, NodeId, Role, Term, Time};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The longest a scenario may run, in simulated milliseconds (two hours: a whole lesson of free
/// play saves and reopens).
pub const MAX_RUN_MS: u64 = 7_200_000;
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
    pub script: Vec<ScriptStep>,
    /// When the run stops, in microseconds.
    pub run_until: Time,
    /// What the end state should look like, if the file says.
    pub expect: Option<Expect>,
}

/// One scripted action and when it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStep {
    /// When, in microseconds since the start.
    pub at: Time,
    pub action: StepAction,
    /// The action's name as the file writes it (`crash`), for messages.
    pub name: String,
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

/// How a client write ended, as a word ([`WriteOutcome::name`]), for reading, writing and
/// messages alike.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Committed,
    Pending,
    Redirected,
}

impl WriteOutcome {
    pub const ALL: [WriteOutcome; 3] = [
        WriteOutcome::Committed,
        WriteOutcome::Pending,
        WriteOutcome::Redirected,
    ];

    /// The word, as written in files: `committed`.
    pub fn name(self) -> &'static str {
        match self {
            WriteOutcome::Committed => "committed",
            WriteOutcome::Pending => "pending",
            WriteOutcome::Redirected => "redirected",
        }
    }

    pub fn of(status: &WriteStatus) -> WriteOutcome {
        match status {
            WriteStatus::Pending => WriteOutcome::Pending,
            WriteStatus::Committed { .. } => WriteOutcome::Committed,
            WriteStatus::Redirected { .. } => WriteOutcome::Redirected,
        }
    }
}

/// The word, as written in files: `committed`.
impl fmt::Display for WriteOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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

/// The command given to a log entry that names only its term: `SET x <index>`, so that after
/// applying the log up to index i a server's `x` is i.
pub fn placeholder_command(index: LogIndex) -> Command {
    Command::Set {
        key: "x".into(),
        value: i64::try_from(index).unwrap_or(i64::MAX),
    }
}

/// Places a configuration the simulation refused at the field it comes from, under `base` (the
/// path of the scenario itself; empty for a scenario file).
pub(crate) fn config_error(e: ConfigError, base: &str) -> ScenarioError {
    let field = match &e {
        ConfigError::NodeCount(_) => "nodes".to_string(),
        ConfigError::ElectionTimeout { .. } => "timing.election_timeout_ms".to_string(),
        ConfigError::Heartbeat { .. } => "timing.heartbeat_ms".to_string(),
        ConfigError::Latency { .. } => "timing.latency_ms".to_string(),
        ConfigError::ClientRetry(_) => "timing.client_retry_ms".to_string(),
        ConfigError::Rate { .. } | ConfigError::Slow(_) => String::new(),
        ConfigError::Initial { node, .. } => format!("initial ({node})"),
    };
    let path = match (base.is_empty(), field.is_empty()) {
        (true, _) => field,
        (false, true) => base.to_string(),
        (false, false) => format!("{base}.{field}"),
    };
    ScenarioError::Invalid {
        path,
        message: e.to_string(),
    }
}

impl Scenario {
    /// The simulated world at time 0, with the starting state applied and nothing run yet.
    pub fn build(&self) -> Result<Sim, ScenarioError> {
        Sim::with_setup(self.config.clone(), self.initial.clone()).map_err(|e| config_error(e, ""))
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
}

/// Applies one scripted step to a world whose clock has reached the step's time. The UI uses
/// this to play a scenario's script step by step.
pub fn apply_step(sim: &mut Sim, step: &ScriptStep) -> Result<(), ScenarioError> {
    let refused = |message: String| ScenarioError::Step {
        path: step.path.clone(),
        at: step.at,
        message,
    };
    match &step.action {
        StepAction::Act(action) => sim
            .apply(action.clone())
            .map_err(|e| refused(format!("`{}` could not be done: {e}", step.name))),
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
