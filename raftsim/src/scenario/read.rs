//! Reading a scenario file: typed file structs that mirror the JSON (server names as text,
//! times in milliseconds), then one pass that checks what they mean (names in range, time
//! order, limits, Log Matching between starting logs, heartbeat shorter than the election
//! timeout) and builds the [`Scenario`].

use super::Expect;
use super::{
    config_error, placeholder_command, ExpectedEntry, NodeExpect, Scenario, ScenarioError,
    ScriptStep, StepAction, WriteOutcome, DEFAULT_TAIL_MS, MAX_LATENCY_MS, MAX_LOG_LEN, MAX_RUN_MS,
    MAX_STEPS, MAX_TERM, MAX_TIMER_MS,
};
use crate::command::Command;
use crate::json::{
    self, at_most, boolean, expected, invalid, join, list_of, map_of, number, object, one_of,
    or_null, quoted, signed, string, tagged, text_as, whole, within, Form, Ms, Res, Tag, Variant,
};
use crate::message::{Addr, Entry};
use crate::sim::{Action, Config, NodeSetup, MAX_NODES};
use crate::types::{NodeId, Role, Term, Time, US_PER_MS};
use serde_json::Value;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// The file, as written.

/// A server's name as written: `"S1"`.
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeName(pub String);

/// A command as written: `"SET x 5"`.
#[derive(Clone, Debug, Default)]
pub(crate) struct CommandText(pub String);

/// A scenario file. A lesson step's world is the same object, which only notes whether it
/// gives a script, a run length or expectations, and refuses them when checked.
#[derive(Default)]
pub(crate) struct FileScenario {
    pub description: Option<String>,
    pub nodes: Option<u64>,
    pub seed: Option<u64>,
    pub timing: Option<FileTiming>,
    pub follow_redirects: Option<bool>,
    pub broken_rules: Option<Vec<crate::lab::BrokenRule>>,
    pub protocol: Option<super::options::FileProtocol>,
    pub initial: Option<Vec<FileInitial>>,
    pub script: Option<Vec<(Option<Ms>, FileAction)>>,
    pub run_ms: Option<Ms>,
    pub expect: Option<FileExpect>,
}

#[derive(Default)]
pub(crate) struct FileTiming {
    pub election_timeout_ms: Option<MsRange>,
    pub heartbeat_ms: Option<u64>,
    pub latency_ms: Option<MsRange>,
    pub client_retry_ms: Option<u64>,
}

/// `[min, max]` in milliseconds.
#[derive(Default)]
pub(crate) struct MsRange(pub u64, pub u64);

#[derive(Default)]
pub(crate) struct FileInitial {
    pub node: NodeName,
    pub term: Option<u64>,
    pub voted_for: Option<NodeName>,
    pub log: Option<Vec<FileEntry>>,
    pub election_timeout_ms: Option<u64>,
}

/// A log entry: a bare term, or `{"term": 2, "command": "SET x 5"}`.
#[derive(Clone)]
pub(crate) enum FileEntry {
    Term(Value),
    Full(FileEntryObject),
}

#[derive(Default, Clone)]
pub(crate) struct FileEntryObject {
    pub term: u64,
    pub command: Option<CommandText>,
}

/// What a step does, named by its `do` field; each variant lists the step's other fields. This
/// is the one list of actions, their names and their fields, for reading and writing alike.
pub(crate) enum FileAction {
    Timeout {
        node: NodeName,
    },
    Crash {
        node: NodeName,
    },
    Restart {
        node: NodeName,
    },
    Write {
        node: NodeName,
        command: CommandText,
    },
    Retry {
        write: u64,
        node: NodeName,
    },
    Partition {
        groups: Vec<Vec<NodeName>>,
    },
    Heal {},
    Cut {
        from: NodeName,
        to: NodeName,
        both: Option<bool>,
    },
    Restore {
        from: NodeName,
        to: NodeName,
        both: Option<bool>,
    },
    Drop {
        packet: Option<u64>,
        from: Option<NodeName>,
        to: Option<NodeName>,
        nth: Option<u64>,
    },
    Loss {
        percent: Option<f64>,
        ppm: Option<u64>,
    },
    Duplicate {
        percent: Option<f64>,
        ppm: Option<u64>,
    },
    Latency {
        from: NodeName,
        to: NodeName,
        both: Option<bool>,
        ms: MsRange,
    },
    PinTimeout {
        node: NodeName,
        ms: Option<u64>,
    },
}

impl FileAction {
    /// The action's name in a file: `crash`.
    pub fn name(&self) -> &'static str {
        match self {
            FileAction::Timeout { .. } => "timeout",
            FileAction::Crash { .. } => "crash",
            FileAction::Restart { .. } => "restart",
            FileAction::Write { .. } => "write",
            FileAction::Retry { .. } => "retry",
            FileAction::Partition { .. } => "partition",
            FileAction::Heal {} => "heal",
            FileAction::Cut { .. } => "cut",
            FileAction::Restore { .. } => "restore",
            FileAction::Drop { .. } => "drop",
            FileAction::Loss { .. } => "loss",
            FileAction::Duplicate { .. } => "duplicate",
            FileAction::Latency { .. } => "latency",
            FileAction::PinTimeout { .. } => "pin_timeout",
        }
    }
}

#[derive(Default)]
pub(crate) struct FileExpect {
    pub leader: Option<Option<NodeName>>,
    pub logs_agree: Option<bool>,
    pub writes: Option<Vec<WriteOutcome>>,
    pub nodes: Option<BTreeMap<String, FileNodeExpect>>,
}

#[derive(Default, Clone)]
pub(crate) struct FileNodeExpect {
    pub role: Option<Role>,
    pub term: Option<u64>,
    pub voted_for: Option<Option<NodeName>>,
    pub log: Option<Vec<FileEntry>>,
    pub commit_index: Option<u64>,
    pub state: Option<BTreeMap<String, i64>>,
    pub crashed: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Reading the file structs from a parsed value.

pub(crate) fn node_name(v: &Value, path: &str) -> Res<NodeName> {
    text_as(v, path, "a server name like \"S1\"").map(NodeName)
}

pub(crate) fn command_text(v: &Value, path: &str) -> Res<CommandText> {
    text_as(v, path, "a command like \"SET x 5\" or \"ADD x 2\"").map(CommandText)
}

/// Reads a scenario at `path`. A lesson step's world (`world`) only notes whether it gives a
/// script, a run length or expectations (it may not), whatever their values.
pub(crate) fn scenario_file(v: &Value, path: &str, world: bool) -> Res<FileScenario> {
    let mut f = FileScenario::default();
    object(
        v,
        path,
        "a scenario (a JSON object {…})",
        &[
            "description",
            "nodes",
            "seed",
            "timing",
            "follow_redirects",
            "broken_rules",
            "protocol",
            "initial",
            "script",
            "run_ms",
            "expect",
        ],
        &[],
        &mut |key, x, p| {
            match key {
                "description" => f.description = Some(string(x, p)?),
                "nodes" => f.nodes = Some(whole(x, p)?),
                "seed" => f.seed = Some(whole(x, p)?),
                "timing" => f.timing = Some(timing(x, p)?),
                "follow_redirects" => f.follow_redirects = Some(boolean(x, p)?),
                "broken_rules" => f.broken_rules = Some(list_of(x, p, super::options::rule)?),
                "protocol" => f.protocol = Some(super::options::protocol(x, p)?),
                "initial" => f.initial = Some(list_of(x, p, initial)?),
                "script" if world => f.script = Some(Vec::new()),
                "run_ms" if world => f.run_ms = Some(Ms::Whole(0)),
                "expect" if world => f.expect = Some(FileExpect::default()),
                "script" => f.script = Some(list_of(x, p, script_item)?),
                "run_ms" => f.run_ms = Some(Ms::read(x, p)?),
                "expect" => f.expect = Some(expect_file(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(f)
}

fn timing(v: &Value, path: &str) -> Res<FileTiming> {
    let mut t = FileTiming::default();
    object(
        v,
        path,
        "the timing (a JSON object {…})",
        &[
            "election_timeout_ms",
            "heartbeat_ms",
            "latency_ms",
            "client_retry_ms",
        ],
        &[],
        &mut |key, x, p| {
            match key {
                "election_timeout_ms" => t.election_timeout_ms = Some(ms_range(x, p)?),
                "heartbeat_ms" => t.heartbeat_ms = Some(whole(x, p)?),
                "latency_ms" => t.latency_ms = Some(ms_range(x, p)?),
                "client_retry_ms" => t.client_retry_ms = Some(whole(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(t)
}

fn ms_range(v: &Value, path: &str) -> Res<MsRange> {
    const WHAT: &str = "[min, max], two whole numbers of milliseconds";
    let serde_json::Value::Array(items) = v else {
        return expected(WHAT, v, path);
    };
    let mut ends = [0; 2];
    for (i, end) in ends.iter_mut().enumerate() {
        let Some(item) = items.get(i) else {
            return invalid(path, format!("expected {WHAT}, found a list of {i}"));
        };
        *end = whole(item, &format!("{path}[{i}]"))?;
    }
    if items.len() > 2 {
        return invalid(
            path,
            format!("expected 2 items, found a list of {}", items.len()),
        );
    }
    Ok(MsRange(ends[0], ends[1]))
}

fn initial(v: &Value, path: &str) -> Res<FileInitial> {
    let mut i = FileInitial::default();
    object(
        v,
        path,
        "a server's starting state (a JSON object {…})",
        &["node", "term", "voted_for", "log", "election_timeout_ms"],
        &["node"],
        &mut |key, x, p| {
            match key {
                "node" => i.node = node_name(x, p)?,
                "term" => i.term = Some(whole(x, p)?),
                "voted_for" => i.voted_for = or_null(x, p, node_name)?,
                "log" => i.log = Some(list_of(x, p, file_entry)?),
                "election_timeout_ms" => i.election_timeout_ms = Some(whole(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(i)
}

fn file_entry(v: &Value, path: &str) -> Res<FileEntry> {
    match v {
        Value::Number(_) => Ok(FileEntry::Term(v.clone())),
        Value::Object(_) => {
            let mut e = FileEntryObject::default();
            object(
                v,
                path,
                "",
                &["term", "command"],
                &["term"],
                &mut |key, x, p| {
                    match key {
                        "term" => e.term = whole(x, p)?,
                        "command" => e.command = Some(command_text(x, p)?),
                        _ => {}
                    }
                    Ok(())
                },
            )?;
            Ok(FileEntry::Full(e))
        }
        _ => expected(
            "a term (a whole number from 1) or an entry like {\"term\": 2, \"command\": \"SET x \
             5\"}",
            v,
            path,
        ),
    }
}

/// The actions of a script step, with the fields of each.
pub(crate) const ACTIONS: &[Form] = &[
    ("timeout", &["node"], &["node"]),
    ("crash", &["node"], &["node"]),
    ("restart", &["node"], &["node"]),
    ("write", &["node", "command"], &["node", "command"]),
    ("retry", &["write", "node"], &["write", "node"]),
    ("partition", &["groups"], &["groups"]),
    ("heal", &[], &[]),
    ("cut", &["from", "to", "both"], &["from", "to"]),
    ("restore", &["from", "to", "both"], &["from", "to"]),
    ("drop", &["packet", "from", "to", "nth"], &[]),
    ("loss", &["percent", "ppm"], &[]),
    ("duplicate", &["percent", "ppm"], &[]),
    (
        "latency",
        &["from", "to", "both", "ms"],
        &["from", "to", "ms"],
    ),
    ("pin_timeout", &["node", "ms"], &["node", "ms"]),
];

/// A script step: `{"at_ms": 100, "do": "crash", "node": "S1"}`.
const SCRIPT_STEP: Tag = Tag {
    tag: "do",
    what: "action",
    noun: "step",
    clock: Some("at_ms"),
    clock_first: true,
    refused: &[],
    example: "a step like {\"at_ms\": 100, \"do\": \"crash\", \"node\": \"S1\"}",
    variants: ACTIONS,
};

fn script_item(v: &Value, path: &str) -> Res<(Option<Ms>, FileAction)> {
    let mut at = None;
    let variant = tagged(v, path, &SCRIPT_STEP, &mut |x, p| {
        at = Some(Ms::read(x, p)?);
        Ok(())
    })?;
    Ok((at, action(&variant)?))
}

/// Reads the fields of an action whose name `variant` has read.
pub(crate) fn action(variant: &Variant) -> Res<FileAction> {
    let (mut node, mut command, mut write, mut groups) = (None, None, None, None);
    let (mut from, mut to, mut both, mut packet, mut nth) = (None, None, None, None, None);
    let (mut percent, mut ppm, mut range, mut pin) = (None, None, None, None);
    variant.fields(&mut |key, x, p| {
        match key {
            "node" => node = Some(node_name(x, p)?),
            "command" => command = Some(command_text(x, p)?),
            "write" => write = Some(whole(x, p)?),
            "groups" => groups = Some(list_of(x, p, |g, p| list_of(g, p, node_name))?),
            "from" => from = Some(node_name(x, p)?),
            "to" => to = Some(node_name(x, p)?),
            "both" => both = Some(boolean(x, p)?),
            "packet" => packet = Some(whole(x, p)?),
            "nth" => nth = Some(whole(x, p)?),
            "percent" => percent = Some(number(x, p)?),
            "ppm" => ppm = Some(whole(x, p)?),
            "ms" if variant.name == "latency" => range = Some(ms_range(x, p)?),
            "ms" => pin = Some(or_null(x, p, whole)?),
            _ => {}
        }
        Ok(())
    })?;
    // The fields an action needs are given (`fields` checked), so no default is ever used.
    let need = Option::<NodeName>::unwrap_or_default;
    Ok(match variant.name {
        "timeout" => FileAction::Timeout { node: need(node) },
        "crash" => FileAction::Crash { node: need(node) },
        "restart" => FileAction::Restart { node: need(node) },
        "write" => FileAction::Write {
            node: need(node),
            command: command.unwrap_or_default(),
        },
        "retry" => FileAction::Retry {
            write: write.unwrap_or_default(),
            node: need(node),
        },
        "partition" => FileAction::Partition {
            groups: groups.unwrap_or_default(),
        },
        "cut" => FileAction::Cut {
            from: need(from),
            to: need(to),
            both,
        },
        "restore" => FileAction::Restore {
            from: need(from),
            to: need(to),
            both,
        },
        "drop" => FileAction::Drop {
            packet,
            from,
            to,
            nth,
        },
        "loss" => FileAction::Loss { percent, ppm },
        "duplicate" => FileAction::Duplicate { percent, ppm },
        "latency" => FileAction::Latency {
            from: need(from),
            to: need(to),
            both,
            ms: range.unwrap_or_default(),
        },
        "pin_timeout" => FileAction::PinTimeout {
            node: need(node),
            ms: pin.flatten(),
        },
        _ => FileAction::Heal {},
    })
}

/// The fields of an `expect` block.
pub(crate) const EXPECT_KEYS: [&str; 4] = ["leader", "logs_agree", "writes", "nodes"];

/// Reads the field `key` of an `expect` block into `e`.
pub(crate) fn expect_field(e: &mut FileExpect, key: &str, v: &Value, path: &str) -> Res<()> {
    match key {
        "leader" => e.leader = Some(or_null(v, path, node_name)?),
        "logs_agree" => e.logs_agree = Some(boolean(v, path)?),
        "writes" => e.writes = Some(list_of(v, path, write_outcome)?),
        "nodes" => e.nodes = Some(map_of(v, path, node_expect_file)?),
        _ => {}
    }
    Ok(())
}

fn expect_file(v: &Value, path: &str) -> Res<FileExpect> {
    let mut e = FileExpect::default();
    object(
        v,
        path,
        "the expected end state (a JSON object {…})",
        &EXPECT_KEYS,
        &[],
        &mut |key, x, p| expect_field(&mut e, key, x, p),
    )?;
    Ok(e)
}

fn write_outcome(v: &Value, path: &str) -> Res<WriteOutcome> {
    let names = WriteOutcome::ALL.map(WriteOutcome::name);
    let i = one_of(
        v,
        path,
        &names,
        "\"committed\", \"pending\" or \"redirected\"",
    )?;
    Ok(WriteOutcome::ALL[i])
}

pub(crate) fn role(v: &Value, path: &str) -> Res<Role> {
    match v {
        Value::String(_) => Ok(Role::ALL[one_of(v, path, &Role::NAMES, "")?]),
        _ => expected("a role: follower, candidate or leader", v, path),
    }
}

fn node_expect_file(v: &Value, path: &str) -> Res<FileNodeExpect> {
    let mut n = FileNodeExpect::default();
    object(
        v,
        path,
        "a server's expected state (a JSON object {…})",
        &[
            "role",
            "term",
            "voted_for",
            "log",
            "commit_index",
            "state",
            "crashed",
        ],
        &[],
        &mut |key, x, p| {
            match key {
                "role" => n.role = Some(role(x, p)?),
                "term" => n.term = Some(whole(x, p)?),
                "voted_for" => n.voted_for = Some(or_null(x, p, node_name)?),
                "log" => n.log = Some(list_of(x, p, file_entry)?),
                "commit_index" => n.commit_index = Some(whole(x, p)?),
                "state" => n.state = Some(map_of(x, p, signed)?),
                "crashed" => n.crashed = Some(boolean(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Checking what the file means.

impl Scenario {
    /// Reads and checks a scenario. Never panics, whatever the text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_value(&json::parse(text)?)
    }

    /// Checks an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Scenario, ScenarioError> {
        json::check_depth(value)?;
        let file = scenario_file(value, "", false)?;
        let (description, config, initial) = world(&file, "")?;
        let nodes = config.nodes;

        let mut script: Vec<ScriptStep> = Vec::new();
        if let Some(list) = &file.script {
            at_most(list, MAX_STEPS, "script", "steps", "a script may have")?;
            for (i, item) in list.iter().enumerate() {
                let path = format!("script[{i}]");
                let at_path = format!("{path}.at_ms");
                let Some(at_ms) = item.0 else {
                    return invalid(
                        &at_path,
                        "missing: say when this happens, in milliseconds from the start",
                    );
                };
                let at = at_ms.to_us(&at_path, MAX_RUN_MS)?;
                let step = script_step(&item.1, at, &path, nodes)?;
                if let Some(prev) = script.last() {
                    if step.at < prev.at {
                        return invalid(
                            &at_path,
                            format!(
                                "{} is earlier than {}.at_ms {}; list steps in time order \
                                 (steps at the same time happen in the order listed)",
                                at_ms,
                                prev.path,
                                Ms::from_us(prev.at)
                            ),
                        );
                    }
                }
                script.push(step);
            }
        }

        let run_until = match file.run_ms {
            Some(run_ms) => {
                let run_until = run_ms.to_us("run_ms", MAX_RUN_MS)?;
                if let Some(last) = script.last() {
                    if run_until < last.at {
                        return invalid(
                            "run_ms",
                            format!(
                                "{run_ms} is earlier than {}.at_ms {}; the run must last until \
                                 the script's last step",
                                last.path,
                                Ms::from_us(last.at)
                            ),
                        );
                    }
                }
                run_until
            }
            None => default_run_until(&script),
        };

        let expect = match &file.expect {
            None => None,
            Some(e) => Some(expect(e, "", nodes)?),
        };

        Ok(Scenario {
            description,
            config,
            initial,
            script,
            run_until,
            expect,
        })
    }
}

/// When a scenario without `run_ms` stops: a while after its last step.
pub(crate) fn default_run_until(script: &[ScriptStep]) -> Time {
    let tail = DEFAULT_TAIL_MS * US_PER_MS;
    script
        .last()
        .map_or(tail, |s| s.at.saturating_add(tail))
        .min(MAX_RUN_MS * US_PER_MS)
}

/// Checks the part of a scenario that describes a world (everything but the script, the run
/// length and the expectations); `base` is where the scenario sits in its file.
pub(crate) fn world(
    file: &FileScenario,
    base: &str,
) -> Res<(Option<String>, Config, Vec<NodeSetup>)> {
    let at = |key: &str| join(base, key);
    let nodes = match file.nodes {
        None => 5,
        Some(n) => within(n, &at("nodes"), 1, MAX_NODES as u64)? as usize,
    };
    let mut config = Config {
        nodes,
        ..Config::default()
    };
    if let Some(seed) = file.seed {
        config.seed = seed;
    }
    if let Some(follow) = file.follow_redirects {
        config.client_follows_redirects = follow;
    }
    super::options::read(
        file.broken_rules.as_ref(),
        file.protocol.as_ref(),
        &mut config,
    );
    if let Some(timing) = &file.timing {
        read_timing(timing, &at("timing"), &mut config)?;
    }
    let mut initial = vec![NodeSetup::default(); nodes];
    if let Some(list) = &file.initial {
        read_initial(list, &at("initial"), nodes, &mut initial)?;
    }
    // Whatever the checks above missed, the simulation's own checks still catch, here, rather
    // than when the world is built.
    config.validate().map_err(|e| config_error(e, base))?;
    Ok((file.description.clone(), config, initial))
}

fn range_ms(range: &MsRange, path: &str, least: u64, most: u64) -> Res<(u64, u64)> {
    let min = within(range.0, &format!("{path}[0]"), least, most)?;
    let max = within(range.1, &format!("{path}[1]"), least, most)?;
    if min > max {
        return invalid(path, format!("min {min} is greater than max {max}"));
    }
    Ok((min, max))
}

fn read_timing(timing: &FileTiming, path: &str, config: &mut Config) -> Res<()> {
    let election_path = join(path, "election_timeout_ms");
    let heartbeat_path = join(path, "heartbeat_ms");
    if let Some(range) = &timing.election_timeout_ms {
        let (min, max) = range_ms(range, &election_path, 1, MAX_TIMER_MS)?;
        config.election_timeout_min_us = min * US_PER_MS;
        config.election_timeout_max_us = max * US_PER_MS;
    }
    if let Some(ms) = timing.heartbeat_ms {
        config.heartbeat_interval_us = within(ms, &heartbeat_path, 1, MAX_TIMER_MS)? * US_PER_MS;
    }
    if let Some(range) = &timing.latency_ms {
        let (min, max) = range_ms(range, &join(path, "latency_ms"), 0, MAX_LATENCY_MS)?;
        config.latency_min_us = min * US_PER_MS;
        config.latency_max_us = max * US_PER_MS;
    }
    if let Some(ms) = timing.client_retry_ms {
        let retry_path = join(path, "client_retry_ms");
        config.client_retry_us = within(ms, &retry_path, 1, MAX_TIMER_MS)? * US_PER_MS;
    }
    if config.heartbeat_interval_us >= config.election_timeout_min_us {
        let path = if timing.heartbeat_ms.is_some() {
            heartbeat_path
        } else {
            election_path
        };
        return invalid(
            &path,
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

fn read_initial(
    list: &[FileInitial],
    path: &str,
    nodes: usize,
    initial: &mut [NodeSetup],
) -> Res<()> {
    let mut seen: Vec<Option<usize>> = vec![None; nodes];
    let mut logs: Vec<(String, NodeId)> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let node_path = format!("{item_path}.node");
        let id = node(&item.node, &node_path, nodes)?;
        if let Some(first) = seen[id.index()] {
            return invalid(
                &node_path,
                format!("{id} already has a starting state at {path}[{first}]"),
            );
        }
        seen[id.index()] = Some(i);

        let setup = &mut initial[id.index()];
        if let Some(term) = item.term {
            setup.current_term = within(term, &format!("{item_path}.term"), 0, MAX_TERM)?;
        }
        if let Some(v) = &item.voted_for {
            let vpath = format!("{item_path}.voted_for");
            setup.voted_for = Some(node(v, &vpath, nodes)?);
            if setup.current_term == 0 {
                return invalid(
                    &vpath,
                    "a server in term 0 has not voted; give it a \"term\" of 1 or more",
                );
            }
        }
        if let Some(log) = &item.log {
            setup.log = read_log(log, &format!("{item_path}.log"), setup.current_term)?;
        }
        if let Some(ms) = item.election_timeout_ms {
            let epath = format!("{item_path}.election_timeout_ms");
            setup.election_timeout_us = Some(within(ms, &epath, 1, MAX_TIMER_MS)? * US_PER_MS);
        }
        logs.push((item_path, id));
    }
    check_log_matching(&logs, initial)
}

/// An entry's term and command, and the path of its term; `max` bounds the term.
fn entry(item: &FileEntry, path: &str, max: Term) -> Res<(Term, String, Option<Command>)> {
    match item {
        FileEntry::Term(v) => match v.as_u64() {
            Some(term) if (1..=max).contains(&term) => Ok((term, path.to_string(), None)),
            _ => invalid(
                path,
                format!(
                    "expected a term (a whole number from 1{}) or an entry like {{\"term\": 2, \
                     \"command\": \"SET x 5\"}}, found {}",
                    if max == u64::MAX {
                        String::new()
                    } else {
                        format!(" to {max}")
                    },
                    json::kind(v)
                ),
            ),
        },
        FileEntry::Full(e) => {
            let term_path = format!("{path}.term");
            let term = within(e.term, &term_path, 1, max)?;
            let command = match &e.command {
                None => None,
                Some(c) => Some(command(c, &format!("{path}.command"))?),
            };
            Ok((term, term_path, command))
        }
    }
}

fn read_log(list: &[FileEntry], path: &str, current_term: Term) -> Res<Vec<Entry>> {
    at_most(
        list,
        MAX_LOG_LEN,
        path,
        "entries",
        "a starting log may hold",
    )?;
    let mut log: Vec<Entry> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let (term, term_path, command) = entry(item, &format!("{path}[{i}]"), MAX_TERM)?;
        let command = command.unwrap_or_else(|| placeholder_command(i as u64 + 1));
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
        log.push(Entry::new(term, command));
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

/// Checks one scripted action at `path` (`script[3]`, or a lesson step's action) happening at
/// `at` µs.
pub(crate) fn script_step(
    item: &FileAction,
    at: Time,
    path: &str,
    nodes: usize,
) -> Res<ScriptStep> {
    let field = |key: &str| format!("{path}.{key}");
    let server = |name: &NodeName, key: &str| node(name, &field(key), nodes);
    let link = |from: &NodeName, to: &NodeName| -> Res<(NodeId, NodeId)> {
        let (from, to) = (server(from, "from")?, server(to, "to")?);
        if from == to {
            return invalid(
                &field("to"),
                format!("a link joins two different servers, but from and to are both {from}"),
            );
        }
        Ok((from, to))
    };
    let action =
        match item {
            FileAction::Timeout { node } => Action::Timeout {
                node: server(node, "node")?,
            },
            FileAction::Crash { node } => Action::Crash {
                node: server(node, "node")?,
            },
            FileAction::Restart { node } => Action::Restart {
                node: server(node, "node")?,
            },
            FileAction::Write { node, command: c } => Action::Write {
                node: server(node, "node")?,
                command: command(c, &field("command"))?,
            },
            FileAction::Retry { write, node } => Action::Retry {
                write: within(*write, &field("write"), 1, MAX_STEPS as u64)?,
                node: server(node, "node")?,
            },
            FileAction::Partition { groups } => Action::Partition {
                groups: read_groups(groups, &field("groups"), nodes)?,
            },
            FileAction::Heal {} => Action::Heal,
            FileAction::Cut { from, to, both } => {
                let (from, to) = link(from, to)?;
                Action::Cut {
                    from,
                    to,
                    both: both.unwrap_or(true),
                }
            }
            FileAction::Restore { from, to, both } => {
                let (from, to) = link(from, to)?;
                Action::Restore {
                    from,
                    to,
                    both: both.unwrap_or(true),
                }
            }
            FileAction::Drop {
                packet,
                from,
                to,
                nth,
            } => {
                if let Some(packet) = packet {
                    for (key, given) in [
                        ("from", from.is_some()),
                        ("to", to.is_some()),
                        ("nth", nth.is_some()),
                    ] {
                        if given {
                            return invalid(
                                &field(key),
                                "give either \"packet\" (a packet id) or \"from\" and \"to\", not \
                             both",
                            );
                        }
                    }
                    Action::Drop { packet: *packet }
                } else {
                    let end = |name: &Option<NodeName>, key: &str| -> Res<Addr> {
                        match name {
                        None => invalid(
                            &field(key),
                            "missing: a `drop` step needs \"from\" and \"to\" (or a \"packet\" \
                             id)",
                        ),
                        Some(n) if n.0.eq_ignore_ascii_case("client") => Ok(Addr::Client),
                        Some(n) => Ok(Addr::Node(server(n, key)?)),
                    }
                    };
                    let (from, to) = (end(from, "from")?, end(to, "to")?);
                    if from == to {
                        return invalid(
                            &field("to"),
                            format!("no packet goes from {} to itself", String::from(from)),
                        );
                    }
                    let nth = match nth {
                        None => None,
                        Some(n) => Some(within(*n, &field("nth"), 1, 1_000_000)? as usize),
                    };
                    return Ok(ScriptStep {
                        at,
                        action: StepAction::DropMatching { from, to, nth },
                        name: item.name().to_string(),
                        path: path.to_string(),
                    });
                }
            }
            FileAction::Loss { percent, ppm } => Action::Loss {
                ppm: match (percent, ppm) {
                    (Some(_), Some(_)) => {
                        return invalid(
                            &field("ppm"),
                            "give the loss rate once: either \"percent\" or \"ppm\"",
                        )
                    }
                    (None, None) => return invalid(
                        &field("percent"),
                        "missing: a `loss` step needs \"percent\" (0 to 100) or \"ppm\" (parts \
                         per million)",
                    ),
                    (None, Some(ppm)) => within(*ppm, &field("ppm"), 0, 1_000_000)? as u32,
                    (Some(p), None) if (0.0..=100.0).contains(p) => (p * 10_000.0).round() as u32,
                    (Some(p), None) => {
                        return invalid(
                            &field("percent"),
                            format!("expected a number from 0 to 100, found the number {p}"),
                        )
                    }
                },
            },
            FileAction::Duplicate { percent, ppm } => Action::Duplicate {
                ppm: rate(percent, ppm, path, "duplicate")?,
            },
            FileAction::Latency { from, to, both, ms } => {
                let (from, to) = link(from, to)?;
                let (min, max) = range_ms(ms, &field("ms"), 0, MAX_LATENCY_MS)?;
                Action::LinkLatency {
                    from,
                    to,
                    both: both.unwrap_or(true),
                    min_us: min * US_PER_MS,
                    max_us: max * US_PER_MS,
                }
            }
            FileAction::PinTimeout { node, ms } => Action::PinTimeout {
                node: server(node, "node")?,
                timeout_us: match ms {
                    None => None,
                    Some(ms) => Some(within(*ms, &field("ms"), 1, MAX_TIMER_MS)? * US_PER_MS),
                },
            },
        };
    Ok(ScriptStep {
        at,
        action: StepAction::Act(action),
        name: item.name().to_string(),
        path: path.to_string(),
    })
}

/// A rate given as `percent` (0 to 100) or `ppm` (parts per million), exactly one of them, for
/// the step at `path` doing `what` (`duplicate`; `loss` words the same errors inline).
fn rate(percent: &Option<f64>, ppm: &Option<u64>, path: &str, what: &str) -> Res<u32> {
    let field = |key: &str| format!("{path}.{key}");
    match (percent, ppm) {
        (Some(_), Some(_)) => invalid(
            &field("ppm"),
            format!("give the {what} rate once: either \"percent\" or \"ppm\""),
        ),
        (None, None) => invalid(
            &field("percent"),
            format!(
                "missing: a `{what}` step needs \"percent\" (0 to 100) or \"ppm\" (parts per \
                 million)"
            ),
        ),
        (None, Some(ppm)) => Ok(within(*ppm, &field("ppm"), 0, 1_000_000)? as u32),
        (Some(p), None) if (0.0..=100.0).contains(p) => Ok((p * 10_000.0).round() as u32),
        (Some(p), None) => invalid(
            &field("percent"),
            format!("expected a number from 0 to 100, found the number {p}"),
        ),
    }
}

fn read_groups(groups: &[Vec<NodeName>], path: &str, nodes: usize) -> Res<Vec<Vec<NodeId>>> {
    if groups.is_empty() {
        return invalid(
            path,
            "name at least one group; to join everything again use `heal`",
        );
    }
    let mut home: Vec<Option<usize>> = vec![None; nodes];
    let mut out = Vec::with_capacity(groups.len());
    for (g, members) in groups.iter().enumerate() {
        let gpath = format!("{path}[{g}]");
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

/// Checks an `expect` block; `base` is the path of the object holding it.
pub(crate) fn expect(file: &FileExpect, base: &str, nodes: usize) -> Res<Expect> {
    let path = join(base, "expect");
    let mut expect = Expect {
        logs_agree: file.logs_agree,
        writes: file.writes.clone(),
        ..Expect::default()
    };
    if let Some(leader) = &file.leader {
        expect.leader = Some(match leader {
            None => None,
            Some(name) => Some(node(name, &format!("{path}.leader"), nodes)?),
        });
    }
    for (key, want) in file.nodes.iter().flatten() {
        let npath = format!("{path}.nodes.{key}");
        let id = node(&NodeName(key.clone()), &npath, nodes)?;
        if expect.nodes.iter().any(|(seen, _)| *seen == id) {
            return invalid(&npath, format!("{id} is named twice"));
        }
        expect.nodes.push((id, node_expect(want, &npath, nodes)?));
    }
    Ok(expect)
}

fn node_expect(file: &FileNodeExpect, path: &str, nodes: usize) -> Res<NodeExpect> {
    let voted_for = match &file.voted_for {
        None => None,
        Some(None) => Some(None),
        Some(Some(name)) => Some(Some(node(name, &format!("{path}.voted_for"), nodes)?)),
    };
    let log = match &file.log {
        None => None,
        Some(list) => {
            let mut log = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                let (term, _, command) = entry(item, &format!("{path}.log[{i}]"), u64::MAX)?;
                log.push(ExpectedEntry { term, command });
            }
            Some(log)
        }
    };
    Ok(NodeExpect {
        role: file.role,
        term: file.term,
        voted_for,
        log,
        commit_index: file.commit_index,
        state: file.state.clone(),
        crashed: file.crashed,
    })
}

/// A server of a cluster of `nodes`, or an error at `path`.
pub(crate) fn node(name: &NodeName, path: &str, nodes: usize) -> Res<NodeId> {
    match NodeId::parse(&name.0) {
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
                quoted(&name.0),
                cluster_names(nodes)
            ),
        ),
    }
}

/// "S1 to S5", or "only S1".
pub(crate) fn cluster_names(nodes: usize) -> String {
    if nodes == 1 {
        "only S1".to_string()
    } else {
        format!("S1 to S{nodes}")
    }
}

pub(crate) fn command(text: &CommandText, path: &str) -> Res<Command> {
    Command::parse(&text.0).or_else(|e| invalid(path, e.to_string()))
}
