//! Reading a lesson file: typed file structs that mirror the JSON, then one pass that checks
//! what they mean (slugs, lengths, server names in each step's cluster, time order of actions,
//! limits, nesting of conditions) and builds the [`Lesson`]. A step's world, actions and
//! expectations are checked by the scenario reader's own functions.

use super::question::{question_file, read_question, read_reveal, FileQuestion};
use super::{
    Chapter, CommitScope, Condition, EntryExpect, Highlight, Lesson, PacketKind, Step, StepExpect,
    TimedAction, Wait, BUILTIN_JSON, DEFAULT_WAIT_MS, MAX_ACTIONS, MAX_CHAPTERS, MAX_CONDITIONS,
    MAX_CONDITION_DEPTH, MAX_ENTRY_CHECKS, MAX_HIGHLIGHTS, MAX_ID_CHARS, MAX_NARRATION_CHARS,
    MAX_STEPS, MAX_TITLE_CHARS, MAX_WAIT_MS,
};
use crate::json::{
    self, at_most, boolean, invalid, join, list_of, map_of, object, or_null, quoted, string,
    suggestion, tagged, text_as, whole, within, Form, Res, Tag, Variant,
};
use crate::scenario::read::{
    self as scenario_read, node, node_name, CommandText, FileAction, FileExpect, FileScenario,
    NodeName, ACTIONS, EXPECT_KEYS,
};
use crate::scenario::{Scenario, ScenarioError};
use crate::types::{Role, Term, Time, US_PER_MS};
use serde_json::Value;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// The file, as written.

#[derive(Default)]
struct FileLesson {
    title: String,
    description: Option<String>,
    chapters: Vec<FileChapter>,
}

#[derive(Default)]
struct FileChapter {
    id: String,
    title: String,
    steps: Vec<FileStep>,
}

#[derive(Default)]
struct FileStep {
    id: String,
    title: String,
    narration: String,
    question: Option<FileQuestion>,
    reveal: Option<String>,
    /// A step's world: a scenario without a script, a run length or expectations.
    scenario: Option<FileScenario>,
    /// Actions and when they happen, in milliseconds from the start of the step.
    actions: Option<Vec<(Option<u64>, FileAction)>>,
    /// The condition waited for, and how long it is waited for at most.
    wait: Option<(Option<u64>, FileCondition)>,
    highlight: Option<Vec<String>>,
    expect: Option<FileStepExpect>,
}

/// What a step waits for, named by its `until` field.
enum FileCondition {
    Immediately,
    LeaderElected {
        node: Option<NodeName>,
        term: Option<u64>,
        min_term: Option<u64>,
    },
    Role {
        node: Option<NodeName>,
        role: Role,
    },
    TermAtLeast {
        node: Option<NodeName>,
        term: u64,
    },
    Committed {
        index: u64,
        on: Option<String>,
    },
    WriteAnswered {
        write: Option<u64>,
    },
    PacketsDelivered {
        kind: String,
        count: Option<u64>,
    },
    VotesGranted {
        node: Option<NodeName>,
        count: u64,
    },
    Time {
        ms: u64,
    },
    Quiescent,
    LogsAgree,
    All {
        of: Vec<FileCondition>,
    },
}

/// A step's `expect`: the scenario's fields, and the lesson's own.
#[derive(Default)]
struct FileStepExpect {
    world: FileExpect,
    entries: Option<Vec<FileEntryCheck>>,
    term_leaders: Option<BTreeMap<String, Option<NodeName>>>,
}

#[derive(Default)]
struct FileEntryCheck {
    node: NodeName,
    index: u64,
    present: Option<bool>,
    term: Option<u64>,
    command: Option<CommandText>,
    committed: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Reading the file structs from a parsed value.

/// A step's action: a script step timed from the start of the step.
const ACTION: Tag = Tag {
    tag: "do",
    what: "action",
    noun: "step",
    clock: Some("after_ms"),
    clock_first: true,
    refused: &[(
        "at_ms",
        "a lesson's actions are timed from the start of their step: use \"after_ms\" (default 0)",
    )],
    example: "an action like {\"do\": \"crash\", \"node\": \"S1\"}",
    variants: ACTIONS,
};

/// The conditions a step may wait for, with the fields of each.
const CONDITIONS: &[Form] = &[
    ("none", &[], &[]),
    ("leader_elected", &["node", "term", "min_term"], &[]),
    ("role", &["node", "role"], &["role"]),
    ("term_at_least", &["node", "term"], &["term"]),
    ("committed", &["index", "on"], &["index"]),
    ("write_answered", &["write"], &[]),
    ("packets_delivered", &["kind", "count"], &["kind"]),
    ("votes_granted", &["node", "count"], &["count"]),
    ("time", &["ms"], &["ms"]),
    ("quiescent", &[], &[]),
    ("logs_agree", &[], &[]),
    ("all", &["of"], &["of"]),
];

/// A step's wait: a condition and how long to wait for it at most.
const WAIT: Tag = Tag {
    tag: "until",
    what: "condition",
    noun: "condition",
    clock: Some("max_ms"),
    clock_first: false,
    refused: &[],
    example: "a condition like {\"until\": \"leader_elected\", \"max_ms\": 2000}",
    variants: CONDITIONS,
};

/// A condition inside `all`.
const INNER: Tag = Tag {
    tag: "until",
    what: "condition",
    noun: "condition",
    clock: None,
    clock_first: false,
    refused: &[(
        "max_ms",
        "max_ms belongs to the step's wait, not to a condition inside `all`",
    )],
    example: "a condition like {\"until\": \"leader_elected\"}",
    variants: CONDITIONS,
};

fn lesson_file(v: &Value) -> Res<FileLesson> {
    let mut f = FileLesson::default();
    object(
        v,
        "",
        "a lesson (a JSON object {…})",
        &["title", "description", "chapters"],
        &["title", "chapters"],
        &mut |key, x, p| {
            match key {
                "title" => f.title = string(x, p)?,
                "description" => f.description = Some(string(x, p)?),
                "chapters" => f.chapters = list_of(x, p, chapter_file)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(f)
}

fn chapter_file(v: &Value, path: &str) -> Res<FileChapter> {
    let mut c = FileChapter::default();
    object(
        v,
        path,
        "a chapter (a JSON object {…})",
        &["id", "title", "steps"],
        &["id", "title", "steps"],
        &mut |key, x, p| {
            match key {
                "id" => c.id = string(x, p)?,
                "title" => c.title = string(x, p)?,
                "steps" => c.steps = list_of(x, p, step_file)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(c)
}

fn step_file(v: &Value, path: &str) -> Res<FileStep> {
    let mut s = FileStep::default();
    object(
        v,
        path,
        "a step (a JSON object {…})",
        &[
            "id",
            "title",
            "narration",
            "question",
            "reveal",
            "scenario",
            "actions",
            "wait",
            "highlight",
            "expect",
        ],
        &["id", "title", "narration"],
        &mut |key, x, p| {
            match key {
                "id" => s.id = string(x, p)?,
                "title" => s.title = string(x, p)?,
                "narration" => s.narration = string(x, p)?,
                "question" => s.question = Some(question_file(x, p)?),
                "reveal" => s.reveal = Some(string(x, p)?),
                "scenario" => s.scenario = Some(scenario_read::scenario_file(x, p, true)?),
                "actions" => s.actions = Some(list_of(x, p, action_file)?),
                "wait" => {
                    let mut max = None;
                    let variant = tagged(x, p, &WAIT, &mut |m, mp| {
                        max = Some(whole(m, mp)?);
                        Ok(())
                    })?;
                    s.wait = Some((max, condition(&variant)?));
                }
                "highlight" => {
                    let name =
                        |h: &Value, hp: &str| text_as(h, hp, "an element name like \"node:S1\"");
                    s.highlight = Some(list_of(x, p, name)?);
                }
                "expect" => s.expect = Some(step_expect_file(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(s)
}

fn action_file(v: &Value, path: &str) -> Res<(Option<u64>, FileAction)> {
    let mut after = None;
    let variant = tagged(v, path, &ACTION, &mut |x, p| {
        after = Some(whole(x, p)?);
        Ok(())
    })?;
    Ok((after, scenario_read::action(&variant)?))
}

/// Reads the fields of a condition whose name `variant` has read.
fn condition(variant: &Variant) -> Res<FileCondition> {
    let (mut node, mut term, mut min_term, mut role, mut index) = (None, None, None, None, None);
    let (mut on, mut write, mut kind, mut count, mut ms, mut of) =
        (None, None, None, None, None, None);
    variant.fields(&mut |key, x, p| {
        match key {
            "node" => node = Some(node_name(x, p)?),
            "term" => term = Some(whole(x, p)?),
            "min_term" => min_term = Some(whole(x, p)?),
            "role" => role = Some(scenario_read::role(x, p)?),
            "index" => index = Some(whole(x, p)?),
            "on" => on = Some(text_as(x, p, "\"all\", \"majority\" or a server name")?),
            "write" => write = Some(whole(x, p)?),
            "kind" => kind = Some(text_as(x, p, "a packet kind like \"heartbeat\"")?),
            "count" => count = Some(whole(x, p)?),
            "ms" => ms = Some(whole(x, p)?),
            "of" => of = Some(list_of(x, p, inner_condition)?),
            _ => {}
        }
        Ok(())
    })?;
    // The fields a condition needs are given (`fields` checked), so no default is ever used.
    Ok(match variant.name {
        "leader_elected" => FileCondition::LeaderElected {
            node,
            term,
            min_term,
        },
        "role" => FileCondition::Role {
            node,
            role: role.unwrap_or(Role::Follower),
        },
        "term_at_least" => FileCondition::TermAtLeast {
            node,
            term: term.unwrap_or_default(),
        },
        "committed" => FileCondition::Committed {
            index: index.unwrap_or_default(),
            on,
        },
        "write_answered" => FileCondition::WriteAnswered { write },
        "packets_delivered" => FileCondition::PacketsDelivered {
            kind: kind.unwrap_or_default(),
            count,
        },
        "votes_granted" => FileCondition::VotesGranted {
            node,
            count: count.unwrap_or_default(),
        },
        "time" => FileCondition::Time {
            ms: ms.unwrap_or_default(),
        },
        "quiescent" => FileCondition::Quiescent,
        "logs_agree" => FileCondition::LogsAgree,
        "all" => FileCondition::All {
            of: of.unwrap_or_default(),
        },
        _ => FileCondition::Immediately,
    })
}

fn inner_condition(v: &Value, path: &str) -> Res<FileCondition> {
    condition(&tagged(v, path, &INNER, &mut |_, _| Ok(()))?)
}

fn step_expect_file(v: &Value, path: &str) -> Res<FileStepExpect> {
    let mut e = FileStepExpect::default();
    let [leader, logs_agree, writes, nodes] = EXPECT_KEYS;
    object(
        v,
        path,
        "the expected end state (a JSON object {…})",
        &[leader, logs_agree, writes, nodes, "entries", "term_leaders"],
        &[],
        &mut |key, x, p| {
            match key {
                "entries" => e.entries = Some(list_of(x, p, entry_check_file)?),
                "term_leaders" => {
                    let leader = |l: &Value, lp: &str| or_null(l, lp, node_name);
                    e.term_leaders = Some(map_of(x, p, leader)?);
                }
                _ => scenario_read::expect_field(&mut e.world, key, x, p)?,
            }
            Ok(())
        },
    )?;
    Ok(e)
}

fn entry_check_file(v: &Value, path: &str) -> Res<FileEntryCheck> {
    let mut c = FileEntryCheck::default();
    object(
        v,
        path,
        "an entry check (a JSON object {…})",
        &["node", "index", "present", "term", "command", "committed"],
        &["node", "index"],
        &mut |key, x, p| {
            match key {
                "node" => c.node = node_name(x, p)?,
                "index" => c.index = whole(x, p)?,
                "present" => c.present = Some(boolean(x, p)?),
                "term" => c.term = Some(whole(x, p)?),
                "command" => c.command = Some(scenario_read::command_text(x, p)?),
                "committed" => c.committed = Some(boolean(x, p)?),
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(c)
}

// ---------------------------------------------------------------------------------------------
// Checking what the file means.

impl Lesson {
    /// The lesson that ships with the app.
    pub fn builtin() -> Result<Lesson, ScenarioError> {
        Lesson::from_json(BUILTIN_JSON)
    }

    /// Reads and checks a lesson. Never panics, whatever the text.
    pub fn from_json(text: &str) -> Result<Lesson, ScenarioError> {
        Lesson::from_value(&json::parse(text)?)
    }

    /// Checks an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Lesson, ScenarioError> {
        json::check_depth(value)?;
        let file = lesson_file(value)?;
        let title = text_field(&file.title, "title", MAX_TITLE_CHARS)?;
        if file.chapters.is_empty() {
            return invalid("chapters", "a lesson needs at least one chapter");
        }
        at_most(
            &file.chapters,
            MAX_CHAPTERS,
            "chapters",
            "chapters",
            "a lesson may have",
        )?;
        let mut chapters: Vec<Chapter> = Vec::with_capacity(file.chapters.len());
        for (c, item) in file.chapters.iter().enumerate() {
            let chapter = read_chapter(item, &format!("chapters[{c}]"))?;
            if let Some(first) = chapters.iter().position(|ch| ch.id == chapter.id) {
                return invalid(
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
            description: file.description,
            chapters,
        })
    }
}

fn text_field(text: &str, path: &str, max: usize) -> Res<String> {
    let key = path.rsplit('.').next().unwrap_or(path);
    if text.trim().is_empty() {
        return invalid(path, format!("the {key} is empty"));
    }
    let count = text.chars().count();
    if count > max {
        return invalid(
            path,
            format!("{count} characters is more than the {max} allowed; keep it short"),
        );
    }
    Ok(text.to_string())
}

fn slug(id: &str, path: &str) -> Res<String> {
    let id = text_field(id, path, MAX_ID_CHARS)?;
    let ok = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if !ok {
        return invalid(
            path,
            format!(
                "{} is not a slug: use a-z, 0-9 and inner hyphens, e.g. \"split-vote\"",
                quoted(&id)
            ),
        );
    }
    Ok(id)
}

fn read_chapter(file: &FileChapter, path: &str) -> Res<Chapter> {
    let id = slug(&file.id, &join(path, "id"))?;
    let title = text_field(&file.title, &join(path, "title"), MAX_TITLE_CHARS)?;
    let spath = join(path, "steps");
    if file.steps.is_empty() {
        return invalid(&spath, "a chapter needs at least one step");
    }
    at_most(
        &file.steps,
        MAX_STEPS,
        &spath,
        "steps",
        "a chapter may have",
    )?;
    let mut steps: Vec<Step> = Vec::with_capacity(file.steps.len());
    for (s, item) in file.steps.iter().enumerate() {
        let step_path = format!("{spath}[{s}]");
        let nodes = steps.last().map(|prev| prev.nodes);
        let step = read_step(item, &step_path, nodes)?;
        if let Some(first) = steps.iter().position(|st| st.id == step.id) {
            return invalid(
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

/// Checks one step; `nodes` is the cluster size the step before left (None for a chapter's
/// first step).
fn read_step(file: &FileStep, path: &str, nodes: Option<usize>) -> Res<Step> {
    let id = slug(&file.id, &join(path, "id"))?;
    let title = text_field(&file.title, &join(path, "title"), MAX_TITLE_CHARS)?;
    let narration_path = join(path, "narration");
    let narration = text_field(&file.narration, &narration_path, MAX_NARRATION_CHARS)?;
    if narration.matches("**").count() % 2 != 0 {
        return invalid(
            &narration_path,
            "a ** that starts bold text has no ** to end it",
        );
    }
    let question = file
        .question
        .as_ref()
        .map(|q| read_question(q, &join(path, "question")))
        .transpose()?;
    let reveal = file
        .reveal
        .as_ref()
        .map(|r| read_reveal(r, &join(path, "reveal"), question.is_some()))
        .transpose()?;

    let scenario = match &file.scenario {
        None => None,
        Some(world) => Some(read_world(world, &join(path, "scenario"))?),
    };
    let nodes = match (&scenario, nodes) {
        (Some(s), _) => s.config.nodes,
        (None, Some(n)) => n,
        (None, None) => {
            return invalid(
                &join(path, "scenario"),
                "missing: the first step of a chapter sets up its world (at least {\"nodes\": \
                 5, \"seed\": 1}), so that the chapter can be opened on its own",
            )
        }
    };

    let wait = match &file.wait {
        None => Wait {
            until: Condition::Immediately,
            max: DEFAULT_WAIT_MS * US_PER_MS,
        },
        Some(w) => read_wait(w, &join(path, "wait"), nodes)?,
    };
    let actions = match &file.actions {
        None => Vec::new(),
        Some(list) => read_actions(list, &join(path, "actions"), nodes, wait.max)?,
    };
    let highlight = match &file.highlight {
        None => Vec::new(),
        Some(list) => read_highlights(list, &join(path, "highlight"), nodes)?,
    };
    let expect = match &file.expect {
        None => StepExpect::default(),
        Some(e) => read_step_expect(e, path, nodes)?,
    };

    Ok(Step {
        id,
        title,
        narration,
        question,
        reveal,
        scenario,
        actions,
        wait,
        highlight,
        expect,
        nodes,
        path: path.to_string(),
    })
}

fn read_world(file: &FileScenario, path: &str) -> Res<Scenario> {
    for (key, given) in [
        ("script", file.script.is_some()),
        ("run_ms", file.run_ms.is_some()),
        ("expect", file.expect.is_some()),
    ] {
        if given {
            return invalid(
                &join(path, key),
                format!(
                    "a lesson step's world has no {key}: the step's own \"actions\", \"wait\" \
                     and \"expect\" say what happens and what must hold"
                ),
            );
        }
    }
    let (description, config, initial) = scenario_read::world(file, path)?;
    let world = Scenario {
        description,
        config,
        initial,
        script: Vec::new(),
        run_until: 0,
        expect: None,
    };
    // Whatever starting state the checks above let through, the simulation must accept too.
    world.build().map_err(|e| match e {
        ScenarioError::Invalid { path: p, message } => ScenarioError::Invalid {
            path: if p.is_empty() {
                path.to_string()
            } else {
                join(path, &p)
            },
            message,
        },
        other => other,
    })?;
    Ok(world)
}

fn read_actions(
    list: &[(Option<u64>, FileAction)],
    path: &str,
    nodes: usize,
    max: Time,
) -> Res<Vec<TimedAction>> {
    at_most(list, MAX_ACTIONS, path, "actions", "a step may have")?;
    let mut out: Vec<TimedAction> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        let after_path = format!("{ipath}.after_ms");
        let after_ms = within(item.0.unwrap_or(0), &after_path, 0, MAX_WAIT_MS)?;
        let after = after_ms * US_PER_MS;
        let action = scenario_read::script_step(&item.1, after, &ipath, nodes)?;
        if let Some(prev) = out.last() {
            if after < prev.after {
                return invalid(
                    &after_path,
                    format!(
                        "{after_ms} is earlier than {path}[{}].after_ms {}; list actions in time \
                         order",
                        i - 1,
                        prev.after / US_PER_MS
                    ),
                );
            }
        }
        if after > max {
            return invalid(
                &after_path,
                format!(
                    "{after_ms} is after the step's wait.max_ms {}; the step would end before it",
                    max / US_PER_MS
                ),
            );
        }
        out.push(TimedAction { after, action });
    }
    Ok(out)
}

fn read_highlights(list: &[String], path: &str, nodes: usize) -> Res<Vec<Highlight>> {
    at_most(
        list,
        MAX_HIGHLIGHTS,
        path,
        "elements",
        "a step may highlight",
    )?;
    list.iter()
        .enumerate()
        .map(|(i, name)| {
            Highlight::parse(name, nodes).or_else(|m| invalid(&format!("{path}[{i}]"), m))
        })
        .collect()
}

fn read_wait(file: &(Option<u64>, FileCondition), path: &str, nodes: usize) -> Res<Wait> {
    let until = read_condition(&file.1, path, nodes, 0)?;
    let max_ms = match file.0 {
        None => DEFAULT_WAIT_MS,
        Some(ms) => within(ms, &format!("{path}.max_ms"), 1, MAX_WAIT_MS)?,
    };
    if let Some(after) = until.time_after() {
        if after > max_ms * US_PER_MS {
            return invalid(
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

fn read_condition(file: &FileCondition, path: &str, nodes: usize, depth: usize) -> Res<Condition> {
    let field = |key: &str| format!("{path}.{key}");
    let opt_node = |name: &Option<NodeName>| -> Res<_> {
        name.as_ref()
            .map(|n| node(n, &field("node"), nodes))
            .transpose()
    };
    let from = |n: u64, key: &str, min: u64| within(n, &field(key), min, u64::MAX);
    Ok(match file {
        FileCondition::Immediately => Condition::Immediately,
        FileCondition::LeaderElected {
            node,
            term,
            min_term,
        } => Condition::LeaderElected {
            node: opt_node(node)?,
            term: term.map(|t| from(t, "term", 1)).transpose()?,
            min_term: min_term.map(|t| from(t, "min_term", 1)).transpose()?,
        },
        FileCondition::Role { node, role } => Condition::Role {
            node: opt_node(node)?,
            role: *role,
        },
        FileCondition::TermAtLeast { node, term } => Condition::TermAtLeast {
            node: opt_node(node)?,
            term: *term,
        },
        FileCondition::Committed { index, on } => Condition::Committed {
            index: from(*index, "index", 1)?,
            on: match on.as_deref() {
                None | Some("all") => CommitScope::All,
                Some("majority") => CommitScope::Majority,
                Some(name) => CommitScope::Node(
                    node(&NodeName(name.to_string()), &field("on"), nodes).map_err(
                        |e| match e {
                            ScenarioError::Invalid { path, message } => ScenarioError::Invalid {
                                path,
                                message: format!("{message}; or \"all\" or \"majority\""),
                            },
                            other => other,
                        },
                    )?,
                ),
            },
        },
        FileCondition::WriteAnswered { write } => Condition::WriteAnswered {
            write: write.map(|w| from(w, "write", 1)).transpose()?,
        },
        FileCondition::PacketsDelivered { kind, count } => {
            let names: Vec<&str> = PacketKind::ALL.iter().map(|k| k.name()).collect();
            let Some(k) = PacketKind::from_name(kind) else {
                return invalid(
                    &field("kind"),
                    format!(
                        "unknown packet kind {}{}; the kinds are {}",
                        quoted(kind),
                        suggestion(kind, &names),
                        names.join(", ")
                    ),
                );
            };
            Condition::PacketsDelivered {
                kind: k,
                count: count.map(|c| from(c, "count", 1)).transpose()?.unwrap_or(1),
            }
        }
        FileCondition::VotesGranted { node, count } => Condition::VotesGranted {
            node: opt_node(node)?,
            count: from(*count, "count", 1)?,
        },
        FileCondition::Time { ms } => Condition::Time {
            after: within(*ms, &field("ms"), 0, MAX_WAIT_MS)? * US_PER_MS,
        },
        FileCondition::Quiescent => Condition::Quiescent,
        FileCondition::LogsAgree => Condition::LogsAgree,
        FileCondition::All { of } => {
            let opath = field("of");
            if of.is_empty() {
                return invalid(&opath, "list at least one condition");
            }
            at_most(
                of,
                MAX_CONDITIONS,
                &opath,
                "conditions",
                "an `all` may list",
            )?;
            if depth + 1 >= MAX_CONDITION_DEPTH {
                return invalid(
                    &opath,
                    format!(
                        "conditions nest at most {MAX_CONDITION_DEPTH} levels deep, counting the \
                         wait itself"
                    ),
                );
            }
            let mut out = Vec::with_capacity(of.len());
            for (i, item) in of.iter().enumerate() {
                out.push(read_condition(
                    item,
                    &format!("{opath}[{i}]"),
                    nodes,
                    depth + 1,
                )?);
            }
            Condition::All(out)
        }
    })
}

/// Checks a step's `expect`; `step_path` is the step's path.
fn read_step_expect(file: &FileStepExpect, step_path: &str, nodes: usize) -> Res<StepExpect> {
    let world = scenario_read::expect(&file.world, step_path, nodes)?;
    let path = join(step_path, "expect");

    let mut entries = Vec::new();
    if let Some(list) = &file.entries {
        let epath = format!("{path}.entries");
        at_most(list, MAX_ENTRY_CHECKS, &epath, "checks", "allowed")?;
        for (i, item) in list.iter().enumerate() {
            entries.push(read_entry_check(item, &format!("{epath}[{i}]"), nodes)?);
        }
    }

    let mut term_leaders = Vec::new();
    for (key, who) in file.term_leaders.iter().flatten() {
        let kpath = format!("{path}.term_leaders.{key}");
        let term: Term = match key.parse::<Term>() {
            Ok(t) if t >= 1 => t,
            _ => {
                return invalid(
                    &kpath,
                    format!("{} is not a term: use a whole number from 1", quoted(key)),
                )
            }
        };
        let leader = match who {
            None => None,
            Some(name) => Some(node(name, &kpath, nodes)?),
        };
        term_leaders.push((term, leader));
    }

    Ok(StepExpect {
        world,
        entries,
        term_leaders,
    })
}

fn read_entry_check(file: &FileEntryCheck, path: &str, nodes: usize) -> Res<EntryExpect> {
    let field = |key: &str| format!("{path}.{key}");
    let node_id = node(&file.node, &field("node"), nodes)?;
    let index = within(file.index, &field("index"), 1, u64::MAX)?;
    let present = file.present.unwrap_or(true);
    let term = file
        .term
        .map(|t| within(t, &field("term"), 1, u64::MAX))
        .transpose()?;
    let command = file
        .command
        .as_ref()
        .map(|c| scenario_read::command(c, &field("command")))
        .transpose()?;
    if !present {
        for (key, given) in [
            ("term", file.term.is_some()),
            ("command", file.command.is_some()),
            ("committed", file.committed.is_some()),
        ] {
            if given {
                return invalid(
                    &field(key),
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
        committed: file.committed,
    })
}
