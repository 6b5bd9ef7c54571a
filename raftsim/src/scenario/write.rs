//! Writing a scenario in its file format: the file structs of `read.rs`, filled from a
//! [`Scenario`] and serialized. Reading what is written gives the same scenario back.
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

use super::read::{
    default_run_until, CommandText, FileAction, FileEntry, FileEntryObject, FileExpect,
    FileInitial, FileNodeExpect, FileScenario, FileTiming, MsRange, NodeName, ScenarioFile,
};
use super::{placeholder_command, Expect, ExpectedEntry, NodeExpect, Scenario, StepAction};
use crate::json::{Ms, Tagged};
use crate::message::Entry;
use crate::sim::{Action, Config, NodeSetup};
use crate::types::{NodeId, Time, US_PER_MS};
use serde_json::Value;

/// How much a written scenario spells out.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Detail {
    /// Every setting, defaults included.
    Full,
    /// Only what differs from the defaults.
    Compact,
}

impl Scenario {
    /// The scenario as a file: indented by two spaces, every setting written out.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.file(Detail::Full))
            .expect("a scenario file has only text keys")
    }

    /// The scenario as short as the format allows: no whitespace, no field equal to its
    /// default.
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(&self.file(Detail::Compact))
            .expect("a scenario file has only text keys")
    }

    fn file(&self, detail: Detail) -> ScenarioFile {
        let c = &self.config;
        let d = Config::default();
        let full = detail == Detail::Full;
        let given = |differs: bool| full || differs;
        let timing = FileTiming {
            election_timeout_ms: given(
                (c.election_timeout_min_us, c.election_timeout_max_us)
                    != (d.election_timeout_min_us, d.election_timeout_max_us),
            )
            .then(|| range(c.election_timeout_min_us, c.election_timeout_max_us)),
            heartbeat_ms: given(c.heartbeat_interval_us != d.heartbeat_interval_us)
                .then(|| ms(c.heartbeat_interval_us)),
            latency_ms: given(
                (c.latency_min_us, c.latency_max_us) != (d.latency_min_us, d.latency_max_us),
            )
            .then(|| range(c.latency_min_us, c.latency_max_us)),
            client_retry_ms: given(c.client_retry_us != d.client_retry_us)
                .then(|| ms(c.client_retry_us)),
        };
        let has_timing = timing.election_timeout_ms.is_some()
            || timing.heartbeat_ms.is_some()
            || timing.latency_ms.is_some()
            || timing.client_retry_ms.is_some();
        let initial: Vec<FileInitial> = self
            .initial
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != NodeSetup::default())
            .map(|(i, s)| initial(NodeId::from_index(i), s, detail))
            .collect();
        let script: Vec<_> = self
            .script
            .iter()
            .map(|step| {
                let action = match &step.action {
                    StepAction::Act(action) => file_action(action, detail),
                    StepAction::DropMatching { from, to, nth } => FileAction::Drop {
                        packet: None,
                        from: Some(NodeName(String::from(*from))),
                        to: Some(NodeName(String::from(*to))),
                        nth: nth.map(|n| n as u64),
                    },
                };
                Tagged::new(Some(Ms::from_us(step.at)), action.name(), action)
            })
            .collect();
        FileScenario {
            description: self.description.clone(),
            nodes: given(c.nodes != d.nodes).then_some(c.nodes as u64),
            seed: given(c.seed != d.seed).then_some(c.seed),
            timing: has_timing.then_some(timing),
            follow_redirects: given(c.client_follows_redirects != d.client_follows_redirects)
                .then_some(c.client_follows_redirects),
            broken_rules: super::options::write_broken(c),
            protocol: super::options::write_protocol(c),
            initial: given(!initial.is_empty()).then_some(initial),
            script: given(!script.is_empty()).then_some(script),
            run_ms: given(self.run_until != default_run_until(&self.script))
                .then(|| Ms::from_us(self.run_until)),
            expect: self.expect.as_ref().map(expect),
        }
    }
}

/// How a script step names an action (`crash`): the name of its file variant.
pub fn action_name(action: &Action) -> &'static str {
    file_action(action, Detail::Compact).name()
}

fn ms(us: Time) -> u64 {
    us / US_PER_MS
}

fn range(min_us: Time, max_us: Time) -> MsRange {
    MsRange(ms(min_us), ms(max_us))
}

fn name(id: NodeId) -> NodeName {
    NodeName(id.to_string())
}

fn initial(id: NodeId, s: &NodeSetup, detail: Detail) -> FileInitial {
    let full = detail == Detail::Full;
    FileInitial {
        node: name(id),
        term: (full || s.current_term != 0).then_some(s.current_term),
        voted_for: s.voted_for.map(name),
        log: (full || !s.log.is_empty()).then(|| log(&s.log)),
        election_timeout_ms: s.election_timeout_us.map(ms),
    }
}

/// A starting log; an entry holding its placeholder command is written as its bare term.
fn log(entries: &[Entry]) -> Vec<FileEntry> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if e.command == placeholder_command(i as u64 + 1) {
                FileEntry::Term(Value::from(e.term))
            } else {
                FileEntry::Full(FileEntryObject {
                    term: e.term,
                    command: Some(CommandText(e.command.to_string())),
                })
            }
        })
        .collect()
}

fn file_action(action: &Action, detail: Detail) -> FileAction {
    let both = |both: bool| (detail == Detail::Full || !both).then_some(both);
    match action {
        Action::Timeout { node } => FileAction::Timeout { node: name(*node) },
        Action::Crash { node } => FileAction::Crash { node: name(*node) },
        Action::Restart { node } => FileAction::Restart { node: name(*node) },
        Action::Write { node, command } => FileAction::Write {
            node: name(*node),
            command: CommandText(command.to_string()),
        },
        Action::Retry { write, node } => FileAction::Retry {
            write: *write,
            node: name(*node),
        },
        Action::Partition { groups } => FileAction::Partition {
            groups: groups
                .iter()
                .map(|g| g.iter().copied().map(name).collect())
                .collect(),
        },
        Action::Heal => FileAction::Heal {},
        Action::Cut { from, to, both: b } => FileAction::Cut {
            from: name(*from),
            to: name(*to),
            both: both(*b),
        },
        Action::Restore { from, to, both: b } => FileAction::Restore {
            from: name(*from),
            to: name(*to),
            both: both(*b),
        },
        Action::Drop { packet } => FileAction::Drop {
            packet: Some(*packet),
            from: None,
            to: None,
            nth: None,
        },
        Action::Loss { ppm } => FileAction::Loss {
            percent: None,
            ppm: Some(u64::from(*ppm)),
        },
        Action::Duplicate { ppm } => FileAction::Duplicate {
            percent: None,
            ppm: Some(u64::from(*ppm)),
        },
        Action::LinkLatency {
            from,
            to,
            both: b,
            min_us,
            max_us,
        } => FileAction::Latency {
            from: name(*from),
            to: name(*to),
            both: both(*b),
            ms: range(*min_us, *max_us),
        },
        Action::PinTimeout { node, timeout_us } => FileAction::PinTimeout {
            node: name(*node),
            ms: timeout_us.map(ms),
        },
    }
}

fn expect(e: &Expect) -> FileExpect {
    FileExpect {
        leader: e.leader.map(|l| l.map(name)),
        logs_agree: e.logs_agree,
        writes: e.writes.clone(),
        nodes: (!e.nodes.is_empty()).then(|| {
            e.nodes
                .iter()
                .map(|(id, n)| (id.to_string(), node_expect(n)))
                .collect()
        }),
    }
}

fn node_expect(n: &NodeExpect) -> FileNodeExpect {
    FileNodeExpect {
        role: n.role,
        term: n.term,
        voted_for: n.voted_for.map(|v| v.map(name)),
        log: n
            .log
            .as_ref()
            .map(|log| log.iter().map(expected_entry).collect()),
        commit_index: n.commit_index,
        state: n.state.clone(),
        crashed: n.crashed,
    }
}

fn expected_entry(e: &ExpectedEntry) -> FileEntry {
    match &e.command {
        None => FileEntry::Term(Value::from(e.term)),
        Some(c) => FileEntry::Full(FileEntryObject {
            term: e.term,
            command: Some(CommandText(c.to_string())),
        }),
    }
}
