//! Guided lessons: narrated steps played by the real simulation, the same way every time.
//!
//! A [`Lesson`] is data. It has chapters; a chapter has steps; a step says what to tell the
//! student (its narration), what to do to the world when the step begins (its actions), how
//! long to let the world run (its wait condition, bounded by `max_ms`), what on screen the
//! narration talks about (its highlights), and what must be true when the step ends (its
//! expectation). The world is an ordinary [`Sim`] with a fixed seed, so a lesson plays
//! identically every time, and "take over" simply hands the current `Sim` to free play.
//!
//! The setup, the actions and the expectations reuse the scenario format
//! ([`crate::scenario`], `docs/scenarios.md`); errors are the same [`ScenarioError`], naming
//! the offending field by its path, e.g. `chapters[3].steps[4].wait.node: unknown node S9 (this
//! cluster has S1 to S5)`. Reading a lesson never panics, whatever the text.
//!
//! # The lesson file
//!
//! ```json
//! {
//!   "title": "Raft, step by step",
//!   "chapters": [
//!     {
//!       "id": "election",
//!       "title": "Leader election",
//!       "steps": [
//!         {
//!           "id": "timeout",
//!           "title": "Someone stops waiting",
//!           "narration": "**S3**'s election timer ran out first.",
//!           "scenario": {"nodes": 5, "seed": 4,
//!                        "initial": [{"node": "S3", "election_timeout_ms": 120}]},
//!           "actions": [{"after_ms": 0, "do": "pin_timeout", "node": "S3", "ms": null}],
//!           "wait": {"until": "role", "node": "S3", "role": "candidate", "max_ms": 1000},
//!           "highlight": ["timer:S3", "node:S3"],
//!           "expect": {"nodes": {"S3": {"role": "candidate", "term": 1}}}
//!         }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! | field | meaning |
//! | --- | --- |
//! | `title` | The lesson's title (required). |
//! | `description` | Optional; a sentence for menus. |
//! | `chapters[]` | `id` (a slug: `a-z`, `0-9`, `-`; unique), `title`, `steps` (at least one). |
//! | `steps[]` | `id` (a slug, unique in its chapter), `title`, `narration`, and optionally `scenario`, `actions`, `wait`, `highlight`, `expect`. |
//!
//! **Narration** is plain text of a few short sentences (at most [`MAX_NARRATION_CHARS`]
//! characters) meant to be read large, on a projector. `**bold**` marks the names of things on
//! screen; [`narration_spans`] splits it for display. Stars must pair up.
//!
//! **`scenario`** starts a fresh world for this step: the top-level fields of a scenario file
//! that describe a world (`description`, `nodes`, `seed`, `timing`, `follow_redirects`,
//! `initial`), with the same meaning and checks. A step without one starts where the step before
//! it ended. The first step of every chapter must have one, so any chapter can be opened
//! directly without playing the ones before it.
//!
//! Staging tip: a pinned election timeout (`initial[].election_timeout_ms`, or the
//! `pin_timeout` action) takes effect at the server's next timer reset. To make a server time
//! out first, pin it in the step's world and unpin it (`"ms": null`) in the same step's actions:
//! the timer already running keeps the pinned value, later ones are random again, and whoever
//! takes over gets an ordinary cluster.
//!
//! **`actions`** are script steps of the scenario format, applied when the step begins, with
//! `after_ms` (default 0) instead of `at_ms`: milliseconds after the step began, in order, at
//! most `wait.max_ms`. An action at time *t* happens after every event already due at *t*, as
//! in scenarios. An action the simulation refuses (say, a `timeout` for a leader) is an error
//! naming it (`chapters[2].steps[5].actions[0]: at 1234 ms, …`).
//!
//! **`wait`** is `{"until": <condition>, …its fields, "max_ms": <bound>}`. After its actions,
//! the step lets the world run until the condition holds, checking after every instant at
//! which something happened, and ends there; if it does not hold within `max_ms` (default
//! [`DEFAULT_WAIT_MS`], at most [`MAX_WAIT_MS`]) after the step began, the step ends then
//! (the tests treat that as a failure of the lesson). Without `wait`, the step ends as soon as
//! its actions are done. Conditions (every one is about live servers):
//!
//! | `until` | fields | holds when |
//! | --- | --- | --- |
//! | `none` | — | at once |
//! | `leader_elected` | `node`?, `term`?, `min_term`? | some live server is leader (that one; in exactly `term`; in `min_term` or later) |
//! | `role` | `node`?, `role` | that server (or any) has the role `follower`, `candidate` or `leader` |
//! | `term_at_least` | `node`?, `term` | that server (or any) is in `term` or later |
//! | `committed` | `index`, `on` (`"all"`, `"majority"` or a server; default `"all"`) | the commit index is at least `index` on every live server / on a majority of the cluster / on that server |
//! | `write_answered` | `write`? | the client's write number `write` (1 = the first of the world), or its latest write, has been answered |
//! | `packets_delivered` | `kind`, `count` (default 1) | at least `count` packets of `kind` have been delivered since the step began |
//! | `votes_granted` | `node`?, `count` | that candidate or leader (or any) holds at least `count` votes of its current term, its own included |
//! | `time` | `ms` | `ms` milliseconds have passed since the step began |
//! | `quiescent` | — | no packet is in flight |
//! | `logs_agree` | — | every live server has the same log |
//! | `all` | `of`: a list of conditions | every one of them holds |
//!
//! Packet kinds: `request_vote`, `vote_reply`, `heartbeat` (an AppendEntries with no entries),
//! `append_entries` (with entries), `append_reply`, `client_request`, `client_reply`.
//!
//! **`highlight`** lists what the narration names, for the view to draw attention to. `<S>` is
//! a server (`S1` …) or `*` for every server:
//!
//! | name | element |
//! | --- | --- |
//! | `node:<S>` | the server itself |
//! | `role:<S>` | its role (follower, candidate, leader) |
//! | `term:<S>` | its current term |
//! | `vote:<S>` | whom it voted for in its current term |
//! | `timer:<S>` | its election timer |
//! | `heartbeat:<S>` | its heartbeat timer (leaders) |
//! | `log:<S>` | its log |
//! | `entry:<S>:<i>` | entry `i` of its log |
//! | `commit:<S>` | its commit index |
//! | `kv:<S>` | its applied key-value store |
//! | `link:<S>:<S>` | the link between two servers |
//! | `messages` | every packet in flight |
//! | `messages:<kind>` | packets in flight of one kind (kinds as above) |
//! | `client` | the client and its writes |
//! | `partition` | partition walls and cut links |
//! | `clock` | the simulated clock |
//!
//! **`expect`** is what must hold when the step ends: the `expect` block of a scenario
//! (`leader`, `logs_agree`, `writes`, `nodes`), plus:
//!
//! - `entries`: a list of `{"node": "S1", "index": 3, …}` checking one log entry: `present`
//!   (default true; false: the log is shorter than `index`), `term`, `command`, `committed`
//!   (whether `index` is at most the server's commit index).
//! - `term_leaders`: `{"1": "S2", "3": null}`: who won each term's election over the whole run
//!   so far (from the trace), `null` for a term nobody won.
//!
//! Every step also expects that no safety invariant has been violated.
//!
//! # Playing
//!
//! [`LessonRun`] produces the world at the start and at the end of any step, computing each
//! step at most once and keeping both worlds (a `Sim` clone is cheap), so Back and jumps are
//! instant after the first visit. To animate a step, take a [`Playback`] from
//! [`LessonRun::playback`] and call [`Playback::advance_to`] with the simulated time of each
//! frame: it applies the step's actions when their time comes and stops at exactly the event at
//! which the condition holds, so the animated step ends in the same world as
//! [`LessonRun::end_of`].
//!
//! Steps are numbered from 0 across the whole lesson (the "flat" index); [`Lesson::position`]
//! turns that into a chapter and a step, and [`Lesson::fragment`] / [`Lesson::locate`] into a
//! URL fragment `chapter-id/step-id` and back.

use crate::command::Command;
pub use crate::message::PacketKind;
use crate::scenario::{
    self, apply_step, array, boolean, check_fields, kind, node, object, quoted, suggestion, whole,
    Expect, Scenario, ScenarioError,
};
use crate::sim::{Sim, WriteStatus};
use crate::trace::EventKind;
use crate::types::{LogIndex, NodeId, Role, Term, Time, US_PER_MS};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The lesson that ships with the app, as JSON.
pub const BUILTIN_JSON: &str = include_str!("../lessons/raft.json");

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

type Res<T> = Result<T, ScenarioError>;

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
    /// A few short sentences; `**bold**` marks names of things on screen.
    pub narration: String,
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
    pub action: scenario::Step,
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
    None,
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
                    scenario::cluster_names(nodes)
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

// ---------------------------------------------------------------------------------------------
// Reading.

const LESSON_FIELDS: &[&str] = &["title", "description", "chapters"];
const CHAPTER_FIELDS: &[&str] = &["id", "title", "steps"];
const STEP_FIELDS: &[&str] = &[
    "id",
    "title",
    "narration",
    "scenario",
    "actions",
    "wait",
    "highlight",
    "expect",
];
const WORLD_FIELDS: &[&str] = &[
    "description",
    "nodes",
    "seed",
    "timing",
    "follow_redirects",
    "initial",
];
const CONDITIONS: &[&str] = &[
    "none",
    "leader_elected",
    "role",
    "term_at_least",
    "committed",
    "write_answered",
    "packets_delivered",
    "votes_granted",
    "time",
    "quiescent",
    "logs_agree",
    "all",
];
const SCENARIO_EXPECT_FIELDS: &[&str] = &["leader", "logs_agree", "writes", "nodes"];
const LESSON_EXPECT_FIELDS: &[&str] = &["entries", "term_leaders"];
const ENTRY_EXPECT_FIELDS: &[&str] = &["node", "index", "present", "term", "command", "committed"];

/// The fields each condition takes, `until` and (at the top) `max_ms` included.
fn condition_fields(name: &str, top: bool) -> Vec<&'static str> {
    let mut fields: Vec<&'static str> = vec!["until"];
    fields.extend_from_slice(match name {
        "leader_elected" => &["node", "term", "min_term"][..],
        "role" => &["node", "role"],
        "term_at_least" => &["node", "term"],
        "committed" => &["index", "on"],
        "write_answered" => &["write"],
        "packets_delivered" => &["kind", "count"],
        "votes_granted" => &["node", "count"],
        "time" => &["ms"],
        "all" => &["of"],
        _ => &[],
    });
    if top {
        fields.push("max_ms");
    }
    fields
}

impl Lesson {
    /// The lesson that ships with the app.
    pub fn builtin() -> Result<Lesson, ScenarioError> {
        Lesson::from_json(BUILTIN_JSON)
    }

    /// Reads and checks a lesson. Never panics, whatever the text.
    pub fn from_json(text: &str) -> Result<Lesson, ScenarioError> {
        let value: Value = serde_json::from_str(text).map_err(scenario::syntax_error)?;
        Lesson::from_value(&value)
    }

    /// Checks an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Lesson, ScenarioError> {
        let top = object(value, "", "a lesson", LESSON_FIELDS)?;
        let title = text_field(top, "title", "", MAX_TITLE_CHARS)?;
        let description = match top.get("description") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return scenario::invalid(
                    "description",
                    format!("expected text, found {}", kind(other)),
                )
            }
        };
        let list = match top.get("chapters") {
            Some(v) => array(v, "chapters", "a list of chapters")?,
            None => return scenario::invalid("chapters", "missing: a lesson has chapters"),
        };
        if list.is_empty() {
            return scenario::invalid("chapters", "a lesson needs at least one chapter");
        }
        scenario::at_most(
            list,
            MAX_CHAPTERS,
            "chapters",
            "chapters",
            "a lesson may have",
        )?;
        let mut chapters: Vec<Chapter> = Vec::with_capacity(list.len());
        for (c, item) in list.iter().enumerate() {
            let chapter = read_chapter(item, &format!("chapters[{c}]"))?;
            if let Some(first) = chapters.iter().position(|ch| ch.id == chapter.id) {
                return scenario::invalid(
                    &format!("chapters[{c}].id"),
                    format!(
                        "{} is already the id of chapters[{first}]; chapter ids are unique",
                        quoted(&chapter.id)
                    ),
                );
            }
            chapters.push(chapter);
        }
        Ok(Lesson {
            title,
            description,
            chapters,
        })
    }

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

fn text_field(map: &Map<String, Value>, key: &str, path: &str, max: usize) -> Res<String> {
    let fpath = join(path, key);
    match map.get(key) {
        None => scenario::invalid(&fpath, format!("missing: give the {key}")),
        Some(Value::String(s)) if s.trim().is_empty() => {
            scenario::invalid(&fpath, format!("the {key} is empty"))
        }
        Some(Value::String(s)) if s.chars().count() > max => scenario::invalid(
            &fpath,
            format!(
                "{} characters is more than the {max} allowed; keep it short",
                s.chars().count()
            ),
        ),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => scenario::invalid(&fpath, format!("expected text, found {}", kind(other))),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn slug(map: &Map<String, Value>, path: &str) -> Res<String> {
    let id = text_field(map, "id", path, MAX_ID_CHARS)?;
    let ok = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if !ok {
        return scenario::invalid(
            &join(path, "id"),
            format!(
                "{} is not a slug: use a-z, 0-9 and inner hyphens, e.g. \"split-vote\"",
                quoted(&id)
            ),
        );
    }
    Ok(id)
}

fn read_chapter(v: &Value, path: &str) -> Res<Chapter> {
    let map = object(v, path, "a chapter", CHAPTER_FIELDS)?;
    let id = slug(map, path)?;
    let title = text_field(map, "title", path, MAX_TITLE_CHARS)?;
    let spath = join(path, "steps");
    let list = match map.get("steps") {
        Some(v) => array(v, &spath, "a list of steps")?,
        None => return scenario::invalid(&spath, "missing: a chapter has steps"),
    };
    if list.is_empty() {
        return scenario::invalid(&spath, "a chapter needs at least one step");
    }
    scenario::at_most(list, MAX_STEPS, &spath, "steps", "a chapter may have")?;
    let mut steps: Vec<Step> = Vec::with_capacity(list.len());
    for (s, item) in list.iter().enumerate() {
        let step_path = format!("{spath}[{s}]");
        let nodes = steps.last().map(|prev| prev.nodes);
        let step = read_step(item, &step_path, nodes)?;
        if let Some(first) = steps.iter().position(|st| st.id == step.id) {
            return scenario::invalid(
                &format!("{step_path}.id"),
                format!(
                    "{} is already the id of {spath}[{first}]; step ids are unique in a chapter",
                    quoted(&step.id)
                ),
            );
        }
        steps.push(step);
    }
    Ok(Chapter { id, title, steps })
}

/// Reads one step; `nodes` is the cluster size the step before left (None for a chapter's
/// first step).
fn read_step(v: &Value, path: &str, nodes: Option<usize>) -> Res<Step> {
    let map = object(v, path, "a step", STEP_FIELDS)?;
    let id = slug(map, path)?;
    let title = text_field(map, "title", path, MAX_TITLE_CHARS)?;
    let narration = text_field(map, "narration", path, MAX_NARRATION_CHARS)?;
    if narration.matches("**").count() % 2 != 0 {
        return scenario::invalid(
            &join(path, "narration"),
            "a ** that starts bold text has no ** to end it",
        );
    }

    let scenario = match map.get("scenario") {
        None => None,
        Some(v) => Some(read_world(v, &join(path, "scenario"))?),
    };
    let nodes =
        match (&scenario, nodes) {
            (Some(s), _) => s.config.nodes,
            (None, Some(n)) => n,
            (None, None) => return scenario::invalid(
                &join(path, "scenario"),
                "missing: the first step of a chapter sets up its world (at least {\"nodes\": 5, \
                 \"seed\": 1}), so that the chapter can be opened on its own",
            ),
        };

    let wait = match map.get("wait") {
        None => Wait {
            until: Condition::None,
            max: DEFAULT_WAIT_MS * US_PER_MS,
        },
        Some(v) => read_wait(v, &join(path, "wait"), nodes)?,
    };

    let actions = match map.get("actions") {
        None => Vec::new(),
        Some(v) => read_actions(v, &join(path, "actions"), nodes, wait.max)?,
    };

    let highlight = match map.get("highlight") {
        None => Vec::new(),
        Some(v) => read_highlights(v, &join(path, "highlight"), nodes)?,
    };

    let expect = match map.get("expect") {
        None => StepExpect::default(),
        Some(v) => read_step_expect(v, path, nodes)?,
    };

    Ok(Step {
        id,
        title,
        narration,
        scenario,
        actions,
        wait,
        highlight,
        expect,
        nodes,
        path: path.to_string(),
    })
}

/// Puts an error of a nested reader under `prefix`: `nodes` becomes
/// `chapters[0].steps[0].scenario.nodes`.
fn under(prefix: &str, e: ScenarioError) -> ScenarioError {
    match e {
        ScenarioError::Invalid { path, message } => {
            let path = if path.is_empty() || path == "(top level)" {
                prefix.to_string()
            } else {
                format!("{prefix}.{path}")
            };
            ScenarioError::Invalid { path, message }
        }
        other => other,
    }
}

fn read_world(v: &Value, path: &str) -> Res<Scenario> {
    let Value::Object(map) = v else {
        return scenario::invalid(
            path,
            format!(
                "expected a world like {{\"nodes\": 5, \"seed\": 1}}, found {}",
                kind(v)
            ),
        );
    };
    for key in map.keys() {
        if matches!(key.as_str(), "script" | "run_ms" | "expect") {
            return scenario::invalid(
                &join(path, key),
                format!(
                    "a lesson step's world has no {key}: the step's own \"actions\", \"wait\" \
                     and \"expect\" say what happens and what must hold"
                ),
            );
        }
    }
    check_fields(map, path, "a step's world", WORLD_FIELDS)?;
    let world = Scenario::from_value(v).map_err(|e| under(path, e))?;
    // Whatever starting state the checks above let through, the simulation must accept too.
    world.build().map_err(|e| under(path, e))?;
    Ok(world)
}

fn read_actions(v: &Value, path: &str, nodes: usize, max: Time) -> Res<Vec<TimedAction>> {
    let list = array(
        v,
        path,
        "a list of actions like {\"after_ms\": 0, \"do\": \"crash\", \"node\": \"S1\"}",
    )?;
    scenario::at_most(list, MAX_ACTIONS, path, "actions", "a step may have")?;
    let mut out: Vec<TimedAction> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        let Value::Object(map) = item else {
            return scenario::invalid(
                &ipath,
                format!(
                    "expected an action like {{\"do\": \"crash\", \"node\": \"S1\"}}, found {}",
                    kind(item)
                ),
            );
        };
        if map.contains_key("at_ms") {
            return scenario::invalid(
                &format!("{ipath}.at_ms"),
                "a lesson's actions are timed from the start of their step: use \"after_ms\" \
                 (default 0)",
            );
        }
        // The scenario reader knows these actions by `at_ms`; a step's clock starts at 0.
        let mut as_script = map.clone();
        let after = as_script.remove("after_ms").unwrap_or(Value::from(0u64));
        as_script.insert("at_ms".to_string(), after);
        let mut action =
            scenario::read_step(&Value::Object(as_script), &ipath, nodes).map_err(|e| match e {
                ScenarioError::Invalid { path, message } => ScenarioError::Invalid {
                    path: path.replace(".at_ms", ".after_ms"),
                    message: message.replace("at_ms", "after_ms"),
                },
                other => other,
            })?;
        action.path = ipath.clone();
        let after = action.at;
        if let Some(prev) = out.last() {
            if after < prev.after {
                return scenario::invalid(
                    &format!("{ipath}.after_ms"),
                    format!(
                        "{} is earlier than {path}[{}].after_ms {}; list actions in time order",
                        after / US_PER_MS,
                        i - 1,
                        prev.after / US_PER_MS
                    ),
                );
            }
        }
        if after > max {
            return scenario::invalid(
                &format!("{ipath}.after_ms"),
                format!(
                    "{} is after the step's wait.max_ms {}; the step would end before it",
                    after / US_PER_MS,
                    max / US_PER_MS
                ),
            );
        }
        out.push(TimedAction { after, action });
    }
    Ok(out)
}

fn read_highlights(v: &Value, path: &str, nodes: usize) -> Res<Vec<Highlight>> {
    let list = array(
        v,
        path,
        "a list of element names like \"node:S1\" or \"messages\"",
    )?;
    scenario::at_most(
        list,
        MAX_HIGHLIGHTS,
        path,
        "elements",
        "a step may highlight",
    )?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        let Value::String(text) = item else {
            return scenario::invalid(
                &ipath,
                format!(
                    "expected an element name like \"node:S1\", found {}",
                    kind(item)
                ),
            );
        };
        out.push(Highlight::parse(text, nodes).or_else(|m| scenario::invalid(&ipath, m))?);
    }
    Ok(out)
}

fn read_wait(v: &Value, path: &str, nodes: usize) -> Res<Wait> {
    let until = read_condition(v, path, nodes, 0)?;
    let max_ms = match v.get("max_ms") {
        None => DEFAULT_WAIT_MS,
        Some(m) => whole(m, &format!("{path}.max_ms"), 1, MAX_WAIT_MS)?,
    };
    if let Some(after) = until.time_after() {
        if after > max_ms * US_PER_MS {
            return scenario::invalid(
                &format!("{path}.max_ms"),
                format!(
                    "{max_ms} is shorter than the {} ms the condition waits for",
                    after / US_PER_MS
                ),
            );
        }
    }
    Ok(Wait {
        until,
        max: max_ms * US_PER_MS,
    })
}

fn read_condition(v: &Value, path: &str, nodes: usize, depth: usize) -> Res<Condition> {
    let Value::Object(map) = v else {
        return scenario::invalid(
            path,
            format!(
                "expected a condition like {{\"until\": \"leader_elected\", \"max_ms\": 2000}}, \
                 found {}",
                kind(v)
            ),
        );
    };
    let upath = format!("{path}.until");
    let name = match map.get("until") {
        None => {
            return scenario::invalid(
                &upath,
                format!(
                    "missing: say what to wait for, one of {}",
                    CONDITIONS.join(", ")
                ),
            )
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return scenario::invalid(
                &upath,
                format!(
                    "expected a condition name such as \"leader_elected\", found {}",
                    kind(other)
                ),
            )
        }
    };
    if !CONDITIONS.contains(&name) {
        return scenario::invalid(
            &upath,
            format!(
                "unknown condition {}{}; the conditions are {}",
                quoted(name),
                suggestion(name, CONDITIONS),
                CONDITIONS.join(", ")
            ),
        );
    }
    if depth > 0 && map.contains_key("max_ms") {
        return scenario::invalid(
            &format!("{path}.max_ms"),
            "max_ms belongs to the step's wait, not to a condition inside `all`",
        );
    }
    let fields = condition_fields(name, depth == 0);
    check_fields(map, path, &format!("a `{name}` condition"), &fields)?;

    let fpath = |key: &str| format!("{path}.{key}");
    let required = |key: &str| -> Res<&Value> {
        map.get(key).ok_or_else(|| ScenarioError::Invalid {
            path: fpath(key),
            message: format!("missing: a `{name}` condition needs \"{key}\""),
        })
    };
    let opt_node = |key: &str| -> Res<Option<NodeId>> {
        map.get(key)
            .map(|v| node(v, &fpath(key), nodes))
            .transpose()
    };
    let opt_whole = |key: &str, min: u64| -> Res<Option<u64>> {
        map.get(key)
            .map(|v| whole(v, &fpath(key), min, u64::MAX))
            .transpose()
    };

    Ok(match name {
        "none" => Condition::None,
        "leader_elected" => Condition::LeaderElected {
            node: opt_node("node")?,
            term: opt_whole("term", 1)?,
            min_term: opt_whole("min_term", 1)?,
        },
        "role" => Condition::Role {
            node: opt_node("node")?,
            role: read_role(required("role")?, &fpath("role"))?,
        },
        "term_at_least" => Condition::TermAtLeast {
            node: opt_node("node")?,
            term: whole(required("term")?, &fpath("term"), 0, u64::MAX)?,
        },
        "committed" => Condition::Committed {
            index: whole(required("index")?, &fpath("index"), 1, u64::MAX)?,
            on: match map.get("on") {
                None => CommitScope::All,
                Some(Value::String(s)) if s == "all" => CommitScope::All,
                Some(Value::String(s)) if s == "majority" => CommitScope::Majority,
                Some(v @ Value::String(_)) => {
                    CommitScope::Node(node(v, &fpath("on"), nodes).map_err(|e| match e {
                        ScenarioError::Invalid { path, message } => ScenarioError::Invalid {
                            path,
                            message: format!("{message}; or \"all\" or \"majority\""),
                        },
                        other => other,
                    })?)
                }
                Some(other) => {
                    return scenario::invalid(
                        &fpath("on"),
                        format!(
                            "expected \"all\", \"majority\" or a server name, found {}",
                            kind(other)
                        ),
                    )
                }
            },
        },
        "write_answered" => Condition::WriteAnswered {
            write: opt_whole("write", 1)?,
        },
        "packets_delivered" => {
            let kpath = fpath("kind");
            let kind_name = match required("kind")? {
                Value::String(s) => s.as_str(),
                other => {
                    return scenario::invalid(
                        &kpath,
                        format!("expected a packet kind, found {}", kind(other)),
                    )
                }
            };
            let Some(k) = PacketKind::from_name(kind_name) else {
                return scenario::invalid(
                    &kpath,
                    format!(
                        "unknown packet kind {}{}; the kinds are {}",
                        quoted(kind_name),
                        suggestion(kind_name, &packet_kind_names()),
                        packet_kind_names().join(", ")
                    ),
                );
            };
            Condition::PacketsDelivered {
                kind: k,
                count: opt_whole("count", 1)?.unwrap_or(1),
            }
        }
        "votes_granted" => Condition::VotesGranted {
            node: opt_node("node")?,
            count: whole(required("count")?, &fpath("count"), 1, u64::MAX)?,
        },
        "time" => Condition::Time {
            after: whole(required("ms")?, &fpath("ms"), 0, MAX_WAIT_MS)? * US_PER_MS,
        },
        "quiescent" => Condition::Quiescent,
        "logs_agree" => Condition::LogsAgree,
        "all" => {
            let opath = fpath("of");
            let list = array(required("of")?, &opath, "a list of conditions")?;
            if list.is_empty() {
                return scenario::invalid(&opath, "list at least one condition");
            }
            scenario::at_most(
                list,
                MAX_CONDITIONS,
                &opath,
                "conditions",
                "an `all` may list",
            )?;
            if depth + 1 >= MAX_CONDITION_DEPTH {
                return scenario::invalid(
                    &opath,
                    format!(
                        "conditions nest at most {MAX_CONDITION_DEPTH} levels deep, counting the \
                         wait itself"
                    ),
                );
            }
            let mut out = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                out.push(read_condition(
                    item,
                    &format!("{opath}[{i}]"),
                    nodes,
                    depth + 1,
                )?);
            }
            Condition::All(out)
        }
        _ => Condition::None, // not reached: the name was checked against CONDITIONS above
    })
}

fn read_role(v: &Value, path: &str) -> Res<Role> {
    match v.as_str() {
        Some("follower") => Ok(Role::Follower),
        Some("candidate") => Ok(Role::Candidate),
        Some("leader") => Ok(Role::Leader),
        _ => scenario::invalid(
            path,
            format!(
                "expected \"follower\", \"candidate\" or \"leader\", found {}",
                kind(v)
            ),
        ),
    }
}

/// Reads a step's `expect`: the scenario format's fields, read by the scenario reader, and the
/// lesson's own. `step_path` is the step's path; errors name `<step_path>.expect…`.
fn read_step_expect(v: &Value, step_path: &str, nodes: usize) -> Res<StepExpect> {
    let path = join(step_path, "expect");
    let Value::Object(map) = v else {
        return scenario::invalid(
            &path,
            format!(
                "expected the expected end state (a JSON object {{…}}), found {}",
                kind(v)
            ),
        );
    };
    let all_fields: Vec<&str> = SCENARIO_EXPECT_FIELDS
        .iter()
        .chain(LESSON_EXPECT_FIELDS)
        .copied()
        .collect();
    check_fields(map, &path, "a step's expect", &all_fields)?;
    let world_part: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| SCENARIO_EXPECT_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let world = scenario::read_expect(&Value::Object(world_part), nodes)
        .map_err(|e| under(step_path, e))?;

    let mut entries = Vec::new();
    if let Some(v) = map.get("entries") {
        let epath = format!("{path}.entries");
        let list = array(
            v,
            &epath,
            "a list of entry checks like {\"node\": \"S1\", \"index\": 2, \"committed\": false}",
        )?;
        scenario::at_most(list, MAX_ENTRY_CHECKS, &epath, "checks", "allowed")?;
        for (i, item) in list.iter().enumerate() {
            entries.push(read_entry_expect(item, &format!("{epath}[{i}]"), nodes)?);
        }
    }

    let mut term_leaders = Vec::new();
    if let Some(v) = map.get("term_leaders") {
        let tpath = format!("{path}.term_leaders");
        let Value::Object(terms) = v else {
            return scenario::invalid(
                &tpath,
                format!(
                    "expected an object from term to server, e.g. {{\"1\": \"S2\", \"2\": null}}, \
                     found {}",
                    kind(v)
                ),
            );
        };
        for (key, who) in terms {
            let kpath = format!("{tpath}.{key}");
            let term: Term = match key.parse::<Term>() {
                Ok(t) if t >= 1 => t,
                _ => {
                    return scenario::invalid(
                        &kpath,
                        format!("{} is not a term: use a whole number from 1", quoted(key)),
                    )
                }
            };
            let leader = match who {
                Value::Null => None,
                v => Some(node(v, &kpath, nodes)?),
            };
            term_leaders.push((term, leader));
        }
    }

    Ok(StepExpect {
        world,
        entries,
        term_leaders,
    })
}

fn read_entry_expect(v: &Value, path: &str, nodes: usize) -> Res<EntryExpect> {
    let map = object(v, path, "an entry check", ENTRY_EXPECT_FIELDS)?;
    let fpath = |key: &str| format!("{path}.{key}");
    let node_id = match map.get("node") {
        Some(v) => node(v, &fpath("node"), nodes)?,
        None => return scenario::invalid(&fpath("node"), "missing: say which server's log"),
    };
    let index = match map.get("index") {
        Some(v) => whole(v, &fpath("index"), 1, u64::MAX)?,
        None => return scenario::invalid(&fpath("index"), "missing: say which entry, from 1"),
    };
    let present = match map.get("present") {
        None => true,
        Some(v) => boolean(v, &fpath("present"))?,
    };
    let term = map
        .get("term")
        .map(|v| whole(v, &fpath("term"), 1, u64::MAX))
        .transpose()?;
    let command = map
        .get("command")
        .map(|v| scenario::command(v, &fpath("command")))
        .transpose()?;
    let committed = map
        .get("committed")
        .map(|v| boolean(v, &fpath("committed")))
        .transpose()?;
    if !present {
        for (key, given) in [
            ("term", term.is_some()),
            ("command", command.is_some()),
            ("committed", committed.is_some()),
        ] {
            if given {
                return scenario::invalid(
                    &fpath(key),
                    "an entry expected absent (\"present\": false) has no term, command or \
                     commit state to check",
                );
            }
        }
    }
    Ok(EntryExpect {
        node: node_id,
        index,
        present,
        term,
        command,
        committed,
    })
}

// ---------------------------------------------------------------------------------------------
// Conditions and expectations, against a world.

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
            Condition::None => true,
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
                    let quorum = nodes.len() / 2 + 1;
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
    fn time_after(&self) -> Option<Time> {
        match self {
            Condition::Time { after } => Some(*after),
            Condition::All(list) => list.iter().filter_map(Condition::time_after).max(),
            _ => None,
        }
    }

    /// The earliest moment after `now` at which a `time` in this condition comes due.
    fn next_time_due(&self, since: &Mark, now: Time) -> Option<Time> {
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
            Condition::None => "nothing".to_string(),
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
                        scenario::terms_of(&node.log)
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
        for v in sim.violations() {
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

// ---------------------------------------------------------------------------------------------
// Playing a step.

/// How a step ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The wait condition held at this time, after every action was done.
    Met { at: Time },
    /// `max_ms` passed first.
    TimedOut { at: Time },
}

impl Ending {
    pub fn at(self) -> Time {
        match self {
            Ending::Met { at } | Ending::TimedOut { at } => at,
        }
    }

    pub fn met(self) -> bool {
        matches!(self, Ending::Met { .. })
    }
}

/// Where a playback is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Still waiting; the world has reached the requested time.
    Running,
    /// The step is over; the world stays as it ended.
    Done(Ending),
}

/// One step being played from its start state: actions at their times, then the world runs
/// until the wait condition holds or `max_ms` passes.
#[derive(Clone, Debug)]
pub struct Playback {
    sim: Sim,
    mark: Mark,
    actions: Vec<TimedAction>,
    next_action: usize,
    wait: Wait,
    ending: Option<Ending>,
}

impl Playback {
    /// Starts playing `step` from `start`, the world as the step begins. Nothing is done yet;
    /// the first `advance_to` applies the actions due at once.
    pub fn new(step: &Step, start: Sim) -> Playback {
        Playback {
            mark: Mark::of(&start),
            sim: start,
            actions: step.actions.clone(),
            next_action: 0,
            wait: step.wait.clone(),
            ending: None,
        }
    }

    /// The world as it is now.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The world, for free play ("take over").
    pub fn into_sim(self) -> Sim {
        self.sim
    }

    /// Where the step began.
    pub fn mark(&self) -> Mark {
        self.mark
    }

    /// When the step began.
    pub fn started_at(&self) -> Time {
        self.mark.at
    }

    /// The latest the step can end: its start plus `max_ms`.
    pub fn deadline(&self) -> Time {
        self.mark.at.saturating_add(self.wait.max)
    }

    /// How the step ended, once it has.
    pub fn ending(&self) -> Option<Ending> {
        self.ending
    }

    pub fn is_done(&self) -> bool {
        self.ending.is_some()
    }

    /// Whether the wait condition holds now (whether or not every action is done).
    pub fn condition_met(&self) -> bool {
        self.wait.until.met(&self.sim, &self.mark)
    }

    /// Plays until the simulated time `t` (or until the step ends, if sooner): applies each
    /// action when its time comes, processes events one instant at a time, and stops at the
    /// very instant the condition holds once the actions are done. Calling it with the times
    /// of animation frames ends in the same world as one call with a late time.
    pub fn advance_to(&mut self, t: Time) -> Result<Progress, ScenarioError> {
        loop {
            if let Some(ending) = self.ending {
                return Ok(Progress::Done(ending));
            }
            let now = self.sim.now();
            while let Some(a) = self.actions.get(self.next_action) {
                if self.mark.at.saturating_add(a.after) > now {
                    break;
                }
                // The action's own time is relative to the step; errors give the world's.
                apply_step(&mut self.sim, &a.action).map_err(|e| match e {
                    ScenarioError::Step { path, message, .. } => ScenarioError::Step {
                        path,
                        at: now,
                        message,
                    },
                    other => other,
                })?;
                self.next_action += 1;
            }
            let next_action_at = self
                .actions
                .get(self.next_action)
                .map(|a| self.mark.at.saturating_add(a.after));
            if next_action_at.is_none() && self.wait.until.met(&self.sim, &self.mark) {
                self.ending = Some(Ending::Met { at: now });
                continue;
            }
            let deadline = self.deadline();
            if now >= deadline {
                self.ending = Some(Ending::TimedOut { at: now });
                continue;
            }
            let mut limit = t.min(deadline);
            if let Some(at) = next_action_at {
                limit = limit.min(at);
            }
            if let Some(due) = self.wait.until.next_time_due(&self.mark, now) {
                limit = limit.min(due);
            }
            match self.sim.next_event_at() {
                Some(te) if te <= limit => {
                    self.sim.step_next_event();
                }
                _ if limit <= now => return Ok(Progress::Running),
                _ => self.sim.advance_to(limit),
            }
        }
    }

    /// Plays the step to its end.
    pub fn finish(&mut self) -> Result<Ending, ScenarioError> {
        match self.advance_to(self.deadline())? {
            Progress::Done(ending) => Ok(ending),
            // At the deadline the step is always over; this only guards the loop above.
            Progress::Running => match self.advance_to(self.deadline())? {
                Progress::Done(ending) => Ok(ending),
                Progress::Running => Ok(Ending::TimedOut { at: self.sim.now() }),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Playing a lesson.

/// A step played once: the world at its start and at its end.
#[derive(Clone, Debug)]
pub struct Played {
    /// The world as the step begins, before its actions.
    pub start: Sim,
    /// The world as the step ends.
    pub end: Sim,
    pub mark: Mark,
    pub ending: Ending,
}

/// A lesson being played: the world at the start and end of any step, each computed once.
#[derive(Clone, Debug)]
pub struct LessonRun {
    lesson: Lesson,
    played: Vec<Option<Played>>,
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        let len = lesson.len();
        LessonRun {
            lesson,
            played: vec![None; len],
        }
    }

    /// The built-in lesson, ready to play.
    pub fn builtin() -> Result<LessonRun, ScenarioError> {
        Lesson::builtin().map(LessonRun::new)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    /// How many steps the lesson has.
    pub fn len(&self) -> usize {
        self.played.len()
    }

    pub fn is_empty(&self) -> bool {
        self.played.is_empty()
    }

    /// The step at a flat step number.
    pub fn step(&self, flat: usize) -> Option<&Step> {
        self.lesson.step(flat)
    }

    /// The world as step `flat` begins, before its actions: the end of the step before, or
    /// the step's own fresh world.
    pub fn start_of(&mut self, flat: usize) -> Result<&Sim, ScenarioError> {
        Ok(&self.played(flat)?.start)
    }

    /// The world as step `flat` ends.
    pub fn end_of(&mut self, flat: usize) -> Result<&Sim, ScenarioError> {
        Ok(&self.played(flat)?.end)
    }

    /// Where step `flat` begins (for [`Condition::met`]).
    pub fn mark(&mut self, flat: usize) -> Result<Mark, ScenarioError> {
        Ok(self.played(flat)?.mark)
    }

    /// Step `flat`, played: its start, its end and how it ended. Computes it (and the steps of
    /// its chapter before it) the first time.
    pub fn played(&mut self, flat: usize) -> Result<&Played, ScenarioError> {
        if flat >= self.played.len() {
            return Err(ScenarioError::Invalid {
                path: String::new(),
                message: format!(
                    "there is no step {flat}; the lesson has {} steps",
                    self.played.len()
                ),
            });
        }
        // Walk back to a step already played or one with its own world.
        let mut first = flat;
        while self.played[first].is_none() && self.scenario_of(first).is_none() {
            match first.checked_sub(1) {
                Some(prev) => first = prev,
                None => break,
            }
        }
        for k in first..=flat {
            if self.played[k].is_some() {
                continue;
            }
            let start = match self.scenario_of(k) {
                Some(world) => world.build()?,
                None => match k.checked_sub(1).and_then(|p| self.played[p].as_ref()) {
                    Some(prev) => prev.end.clone(),
                    None => {
                        return Err(ScenarioError::Invalid {
                            path: self.path_of(k),
                            message: "the step has no world to start from".to_string(),
                        })
                    }
                },
            };
            let step = self.lesson.step(k).expect("k is in range");
            let mut playback = Playback::new(step, start.clone());
            let ending = playback.finish()?;
            let mark = playback.mark();
            self.played[k] = Some(Played {
                start,
                end: playback.into_sim(),
                mark,
                ending,
            });
        }
        Ok(self.played[flat].as_ref().expect("just played"))
    }

    /// A fresh playback of step `flat` from its start, for the view to animate.
    pub fn playback(&mut self, flat: usize) -> Result<Playback, ScenarioError> {
        let start = self.played(flat)?.start.clone();
        let step = self.lesson.step(flat).expect("played checked the range");
        Ok(Playback::new(step, start))
    }

    /// Whether step `flat`'s wait condition holds in `sim` (a world playing that step).
    pub fn condition_met(&mut self, flat: usize, sim: &Sim) -> Result<bool, ScenarioError> {
        let mark = self.mark(flat)?;
        let step = self.lesson.step(flat).expect("mark checked the range");
        Ok(step.wait.until.met(sim, &mark))
    }

    /// What of step `flat`'s expectation does not hold in `sim`; empty when all of it does.
    pub fn check(&self, flat: usize, sim: &Sim) -> Vec<String> {
        match self.lesson.step(flat) {
            Some(step) => step.expect.check(sim, &step.path),
            None => vec![format!("there is no step {flat}")],
        }
    }

    fn scenario_of(&self, flat: usize) -> Option<&Scenario> {
        self.lesson.step(flat).and_then(|s| s.scenario.as_ref())
    }

    fn path_of(&self, flat: usize) -> String {
        self.lesson
            .step(flat)
            .map_or_else(String::new, |s| s.path.clone())
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
