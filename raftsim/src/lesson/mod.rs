//! Guided lessons: narrated steps played by the real simulation, the same way every time.
//!
//! A [`Lesson`] is data. It has chapters; a chapter has steps; a step says what to tell the
//! student (its narration), what to do to the world when the step begins (its actions), how
//! long to let the world run (its wait condition, bounded by `max_ms`), what on screen the
//! narration talks about (its highlights), and what must be true when the step ends (its
//! expectation). The world is an ordinary [`Sim`](crate::sim::Sim) with a fixed seed, so a
//! lesson plays identically every time, and "take over" simply hands the current world to free
//! play. The file format is described in `docs/lessons.md`.
//!
//! This module holds the lesson as data; `read` turns a file into it (errors are the scenario
//! reader's [`ScenarioError`](crate::scenario::ScenarioError), naming the field by its path, e.g.
//! `chapters[3].steps[4].wait.node: unknown node S9 (this cluster has S1 to S5)`), `condition`
//! judges wait conditions and expectations against a world, and `play` plays steps: a
//! [`Playback`] animates one step frame by frame, a [`LessonRun`] keeps the world at the start
//! and end of every step it has played.
//!
//! Steps are numbered from 0 across the whole lesson (the "flat" index); [`Lesson::position`]
//! turns that into a chapter and a step, and [`Lesson::fragment`] / [`Lesson::locate`] into a
//! URL fragment `chapter-id/step-id` and back.

mod condition;
mod play;
mod question;
mod read;

pub use condition::{term_leaders, Mark};
pub use play::{Ending, LessonRun, Playback, Played, Progress};
pub use question::{
    Question, MAX_ANSWERS, MAX_ANSWER_CHARS, MAX_ASK_CHARS, MAX_EXPLAIN_CHARS, MIN_ANSWERS,
};

use crate::command::Command;
use crate::json::{quoted, suggestion};
pub use crate::message::PacketKind;
use crate::scenario::read::cluster_names;
use crate::scenario::{Expect, Scenario, ScriptStep};
use crate::types::{LogIndex, NodeId, Role, Term, Time};
use std::fmt;

/// The lesson that ships with the app, as JSON.
pub const BUILTIN_JSON: &str = include_str!("../../lessons/raft.json");

/// Most chapters a lesson may have.
pub const MAX_CHAPTERS: usize = 32;
/// Most steps a chapter may have.
pub const MAX_STEPS: usize = 64;
/// Most actions a step may have.
pub const MAX_ACTIONS: usize = 64;
/// Most highlighted elements a step may name.
pub const MAX_HIGHLIGHTS: usize = 32;
/// Most conditions an `all` may list.
pub const MAX_CONDITIONS: usize = 16;
/// How many levels conditions may nest, the wait itself being the first.
pub const MAX_CONDITION_DEPTH: usize = 4;
/// Most entries an `expect.entries` list may check.
pub const MAX_ENTRY_CHECKS: usize = 64;
/// Longest narration, in characters: a few short sentences, readable from the back of a room.
pub const MAX_NARRATION_CHARS: usize = 700;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest slug (chapter or step id), in characters.
pub const MAX_ID_CHARS: usize = 40;
/// The longest a step may wait, in simulated milliseconds.
pub const MAX_WAIT_MS: u64 = 60_000;
/// How long a step waits when its `wait` gives no `max_ms`.
pub const DEFAULT_WAIT_MS: u64 = 5_000;

// ---------------------------------------------------------------------------------------------
// The lesson as data.

/// A lesson: chapters of narrated steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub title: String,
    pub description: Option<String>,
    pub chapters: Vec<Chapter>,
}

/// One chapter, e.g. "Leader election".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// A slug, unique in the lesson, used in URL fragments: `election`.
    pub id: String,
    pub title: String,
    pub steps: Vec<Step>,
}

/// One step of a chapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// A slug, unique in its chapter: `split-vote`.
    pub id: String,
    pub title: String,
    /// A few short sentences; `**bold**` marks names of things on screen. In a step that asks
    /// a question, it sets the scene without giving the outcome away.
    pub narration: String,
    /// A question to answer before the step plays (the app asks it; headless play ignores it).
    pub question: Option<Question>,
    /// Narration shown once the step has played, after its question (only with a question).
    pub reveal: Option<String>,
    /// A fresh world for this step (its `script`, `run_until` and `expect` are empty); None:
    /// the step starts where the one before ended.
    pub scenario: Option<Scenario>,
    /// Done to the world when the step begins, in order.
    pub actions: Vec<TimedAction>,
    /// What the step runs the world until.
    pub wait: Wait,
    /// What the narration names on screen.
    pub highlight: Vec<Highlight>,
    /// What must hold when the step ends.
    pub expect: StepExpect,
    /// The number of servers in this step's world.
    pub nodes: usize,
    /// Where the step is in the file: `chapters[2].steps[5]`.
    pub path: String,
}

/// A scripted action and how long after the step's start it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedAction {
    /// Microseconds after the step began.
    pub after: Time,
    /// The action, as in a scenario script; its `at` equals `after` and its `path` names it in
    /// the lesson file (`chapters[2].steps[5].actions[0]`).
    pub action: ScriptStep,
}

/// How long a step lets the world run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub until: Condition,
    /// The most the step runs, in microseconds after it began.
    pub max: Time,
}

/// A condition a step waits for. Every condition is about live (not crashed) servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Holds at once.
    Immediately,
    /// Some live server is leader; that server if `node`, in exactly `term`, in `min_term` or
    /// later.
    LeaderElected {
        node: Option<NodeId>,
        term: Option<Term>,
        min_term: Option<Term>,
    },
    /// A live server (that one, or any) has this role.
    Role { node: Option<NodeId>, role: Role },
    /// A live server (that one, or any) is in `term` or later.
    TermAtLeast { node: Option<NodeId>, term: Term },
    /// The commit index reaches `index` where `on` says.
    Committed { index: LogIndex, on: CommitScope },
    /// The client's write number `write` (1-based), or its latest, has been answered.
    WriteAnswered { write: Option<u64> },
    /// At least `count` packets of `kind` delivered since the step began.
    PacketsDelivered { kind: PacketKind, count: u64 },
    /// A live candidate or leader (that one, or any) holds `count` votes of its current term.
    VotesGranted { node: Option<NodeId>, count: u64 },
    /// This much time (µs) has passed since the step began.
    Time { after: Time },
    /// No packet is in flight.
    Quiescent,
    /// Every live server has the same log.
    LogsAgree,
    /// Every one of these holds.
    All(Vec<Condition>),
}

/// Where a `committed` condition looks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommitScope {
    /// Every live server.
    All,
    /// A majority of the whole cluster (live servers only count).
    Majority,
    /// This server.
    Node(NodeId),
}

/// Something on screen a step draws attention to. See the module docs for the names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Highlight {
    Node(Target),
    Role(Target),
    Term(Target),
    Vote(Target),
    Timer(Target),
    Heartbeat(Target),
    Log(Target),
    Entry(Target, LogIndex),
    Commit(Target),
    Kv(Target),
    Link(NodeId, NodeId),
    Messages(Option<PacketKind>),
    Client,
    Partition,
    Clock,
}

/// One server, or all of them (`*`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    One(NodeId),
    All,
}

/// What must hold when a step ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepExpect {
    /// The scenario format's expectations.
    pub world: Expect,
    /// Single log entries.
    pub entries: Vec<EntryExpect>,
    /// Who won each term's election (None: nobody did).
    pub term_leaders: Vec<(Term, Option<NodeId>)>,
}

/// An expectation about one log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryExpect {
    pub node: NodeId,
    pub index: LogIndex,
    /// Whether the log reaches `index` at all.
    pub present: bool,
    pub term: Option<Term>,
    pub command: Option<Command>,
    /// Whether `index` is at most the server's commit index.
    pub committed: Option<bool>,
}

/// Where a step is: chapter number and step number in the chapter, from 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StepRef {
    pub chapter: usize,
    pub step: usize,
}

// ---------------------------------------------------------------------------------------------
// Names.

impl Target {
    /// Whether this target covers `id`.
    pub fn covers(self, id: NodeId) -> bool {
        match self {
            Target::One(n) => n == id,
            Target::All => true,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::One(id) => write!(f, "{id}"),
            Target::All => f.write_str("*"),
        }
    }
}

impl Highlight {
    /// The servers this highlight is about (every server of the cluster for `*`).
    pub fn nodes(&self, cluster: usize) -> Vec<NodeId> {
        let all = || (0..cluster).map(NodeId::from_index).collect();
        match *self {
            Highlight::Node(t)
            | Highlight::Role(t)
            | Highlight::Term(t)
            | Highlight::Vote(t)
            | Highlight::Timer(t)
            | Highlight::Heartbeat(t)
            | Highlight::Log(t)
            | Highlight::Entry(t, _)
            | Highlight::Commit(t)
            | Highlight::Kv(t) => match t {
                Target::One(id) => vec![id],
                Target::All => all(),
            },
            Highlight::Link(a, b) => vec![a, b],
            Highlight::Messages(_)
            | Highlight::Client
            | Highlight::Partition
            | Highlight::Clock => Vec::new(),
        }
    }
}

/// The name as written in lesson files: `timer:S2`, `entry:S1:3`, `messages:heartbeat`.
impl fmt::Display for Highlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Highlight::Node(t) => write!(f, "node:{t}"),
            Highlight::Role(t) => write!(f, "role:{t}"),
            Highlight::Term(t) => write!(f, "term:{t}"),
            Highlight::Vote(t) => write!(f, "vote:{t}"),
            Highlight::Timer(t) => write!(f, "timer:{t}"),
            Highlight::Heartbeat(t) => write!(f, "heartbeat:{t}"),
            Highlight::Log(t) => write!(f, "log:{t}"),
            Highlight::Entry(t, i) => write!(f, "entry:{t}:{i}"),
            Highlight::Commit(t) => write!(f, "commit:{t}"),
            Highlight::Kv(t) => write!(f, "kv:{t}"),
            Highlight::Link(a, b) => write!(f, "link:{a}:{b}"),
            Highlight::Messages(None) => f.write_str("messages"),
            Highlight::Messages(Some(k)) => write!(f, "messages:{k}"),
            Highlight::Client => f.write_str("client"),
            Highlight::Partition => f.write_str("partition"),
            Highlight::Clock => f.write_str("clock"),
        }
    }
}

const HIGHLIGHT_KINDS: &[&str] = &[
    "node",
    "role",
    "term",
    "vote",
    "timer",
    "heartbeat",
    "log",
    "entry",
    "commit",
    "kv",
    "link",
    "messages",
    "client",
    "partition",
    "clock",
];

impl Highlight {
    /// Reads a highlight name for a cluster of `nodes` servers; Err says what is wrong.
    pub fn parse(text: &str, nodes: usize) -> Result<Highlight, String> {
        let mut parts = text.split(':');
        let head = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        let server = |s: &str| -> Result<NodeId, String> {
            match NodeId::parse(s) {
                Some(id) if usize::from(id.0) <= nodes => Ok(id),
                Some(id) => Err(format!(
                    "unknown node {id} (this cluster has {})",
                    cluster_names(nodes)
                )),
                None => Err(format!("{} is not a server name like S1", quoted(s))),
            }
        };
        let target = |s: &str| -> Result<Target, String> {
            if s == "*" {
                Ok(Target::All)
            } else {
                server(s).map(Target::One)
            }
        };
        let shape =
            |example: &str| -> String { format!("{} should look like {example}", quoted(text)) };
        let per_node = |make: fn(Target) -> Highlight| -> Result<Highlight, String> {
            match rest[..] {
                [s] => target(s).map(make),
                _ => Err(shape(&format!(
                    "\"{head}:S1\" (or \"{head}:*\" for every server)"
                ))),
            }
        };
        match head {
            "node" => per_node(Highlight::Node),
            "role" => per_node(Highlight::Role),
            "term" => per_node(Highlight::Term),
            "vote" => per_node(Highlight::Vote),
            "timer" => per_node(Highlight::Timer),
            "heartbeat" => per_node(Highlight::Heartbeat),
            "log" => per_node(Highlight::Log),
            "commit" => per_node(Highlight::Commit),
            "kv" => per_node(Highlight::Kv),
            "entry" => match rest[..] {
                [s, i] => {
                    let t = target(s)?;
                    match i.parse::<LogIndex>() {
                        Ok(i) if i >= 1 => Ok(Highlight::Entry(t, i)),
                        _ => Err(format!(
                            "{}: the entry's index is a whole number from 1",
                            quoted(text)
                        )),
                    }
                }
                _ => Err(shape("\"entry:S1:3\" (server, then log index)")),
            },
            "link" => match rest[..] {
                [a, b] => {
                    let (a, b) = (server(a)?, server(b)?);
                    if a == b {
                        Err(format!(
                            "{}: a link joins two different servers",
                            quoted(text)
                        ))
                    } else {
                        Ok(Highlight::Link(a, b))
                    }
                }
                _ => Err(shape("\"link:S1:S2\"")),
            },
            "messages" => match rest[..] {
                [] => Ok(Highlight::Messages(None)),
                [k] => PacketKind::from_name(k)
                    .map(|k| Highlight::Messages(Some(k)))
                    .ok_or_else(|| {
                        format!(
                            "unknown packet kind {}{}; the kinds are {}",
                            quoted(k),
                            suggestion(k, &packet_kind_names()),
                            packet_kind_names().join(", ")
                        )
                    }),
                _ => Err(shape("\"messages\" or \"messages:heartbeat\"")),
            },
            "client" | "partition" | "clock" if !rest.is_empty() => {
                Err(shape(&format!("\"{head}\", with nothing after it")))
            }
            "client" => Ok(Highlight::Client),
            "partition" => Ok(Highlight::Partition),
            "clock" => Ok(Highlight::Clock),
            _ => Err(format!(
                "unknown element {}{}; the elements are {}",
                quoted(head),
                suggestion(head, HIGHLIGHT_KINDS),
                HIGHLIGHT_KINDS.join(", ")
            )),
        }
    }
}

fn packet_kind_names() -> Vec<&'static str> {
    PacketKind::ALL.iter().map(|k| k.name()).collect()
}

/// A piece of narration, bold or not.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Span<'a> {
    pub text: &'a str,
    pub bold: bool,
}

/// Splits narration at its `**` marks: `"a **b** c"` gives "a ", bold "b", " c". Empty pieces
/// are left out.
pub fn narration_spans(text: &str) -> Vec<Span<'_>> {
    text.split("**")
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            text: t,
            bold: i % 2 == 1,
        })
        .collect()
}

impl Lesson {
    /// How many steps the lesson has in all.
    pub fn len(&self) -> usize {
        self.chapters.iter().map(|c| c.steps.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chapter and step of a flat step number.
    pub fn position(&self, flat: usize) -> Option<StepRef> {
        let mut left = flat;
        for (chapter, c) in self.chapters.iter().enumerate() {
            if left < c.steps.len() {
                return Some(StepRef {
                    chapter,
                    step: left,
                });
            }
            left -= c.steps.len();
        }
        None
    }

    /// The flat step number of a chapter and step.
    pub fn flat(&self, at: StepRef) -> Option<usize> {
        let chapter = self.chapters.get(at.chapter)?;
        if at.step >= chapter.steps.len() {
            return None;
        }
        let before: usize = self.chapters[..at.chapter]
            .iter()
            .map(|c| c.steps.len())
            .sum();
        Some(before + at.step)
    }

    /// The flat step number where chapter `chapter` begins.
    pub fn chapter_start(&self, chapter: usize) -> Option<usize> {
        self.flat(StepRef { chapter, step: 0 })
    }

    /// The step at a flat step number.
    pub fn step(&self, flat: usize) -> Option<&Step> {
        let at = self.position(flat)?;
        self.chapters.get(at.chapter)?.steps.get(at.step)
    }

    /// Every step with its flat number and place.
    pub fn steps(&self) -> impl Iterator<Item = (usize, StepRef, &Chapter, &Step)> + '_ {
        self.chapters
            .iter()
            .enumerate()
            .flat_map(|(c, chapter)| {
                chapter.steps.iter().enumerate().map(move |(s, step)| {
                    (
                        StepRef {
                            chapter: c,
                            step: s,
                        },
                        chapter,
                        step,
                    )
                })
            })
            .enumerate()
            .map(|(flat, (at, chapter, step))| (flat, at, chapter, step))
    }

    /// The URL fragment of a step, `chapter-id/step-id` (without `#`).
    pub fn fragment(&self, flat: usize) -> Option<String> {
        let at = self.position(flat)?;
        let chapter = &self.chapters[at.chapter];
        Some(format!("{}/{}", chapter.id, chapter.steps[at.step].id))
    }

    /// The step a URL fragment names: `chapter-id/step-id`, or `chapter-id` for a chapter's
    /// first step; a leading `#` is ignored.
    pub fn locate(&self, fragment: &str) -> Option<usize> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let (chapter_id, step_id) = match fragment.split_once('/') {
            Some((c, s)) => (c, Some(s)),
            None => (fragment, None),
        };
        let chapter = self.chapters.iter().position(|c| c.id == chapter_id)?;
        let step = match step_id {
            None | Some("") => 0,
            Some(id) => self.chapters[chapter]
                .steps
                .iter()
                .position(|s| s.id == id)?,
        };
        self.flat(StepRef { chapter, step })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_round_trip() {
        for name in [
            "node:S1",
            "node:*",
            "timer:S5",
            "entry:S2:3",
            "link:S1:S3",
            "messages",
            "messages:vote_reply",
            "client",
            "partition",
            "clock",
            "kv:*",
        ] {
            let h = Highlight::parse(name, 5).unwrap();
            assert_eq!(h.to_string(), name);
        }
        assert!(Highlight::parse("node:S6", 5).is_err());
        assert!(Highlight::parse("nod:S1", 5)
            .unwrap_err()
            .contains("did you mean"));
        assert!(Highlight::parse("client:S1", 5).is_err());
        assert!(Highlight::parse("entry:S1:0", 5).is_err());
        assert!(Highlight::parse("", 5).is_err());
    }

    #[test]
    fn narration_splits_at_bold_marks() {
        let spans = narration_spans("The **leader** sends **heartbeats**.");
        let bold: Vec<&str> = spans.iter().filter(|s| s.bold).map(|s| s.text).collect();
        assert_eq!(bold, ["leader", "heartbeats"]);
        assert_eq!(spans.len(), 5);
    }
}
