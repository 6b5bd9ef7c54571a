//! Lessons: the built-in lesson plays to the end of every step with each step's wait condition
//! reached and its expectation met; it plays the same every time, whether played through,
//! jumped into or animated frame by frame; its story beats (the split vote, the partition) are
//! what the narration says; and every kind of mistake in a lesson file is reported at the right
//! path, without panicking on any input.

use proptest::prelude::*;
use raftsim::lesson::{
    narration_spans, term_leaders, Condition, Ending, Highlight, Lesson, LessonRun, Mark, Playback,
    Progress, StepRef, MAX_ANSWERS, MAX_ANSWER_CHARS, MAX_NARRATION_CHARS, MIN_ANSWERS,
};
use raftsim::message::{Addr, ClientAnswer, PacketSummary};
use raftsim::scenario::ScenarioError;
use raftsim::{Command, Event, EventKind, NodeId, Role, Sim, Term, Time, VoteDenial, US_PER_MS};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers.

fn builtin() -> Lesson {
    Lesson::builtin().unwrap_or_else(|e| panic!("the built-in lesson does not read: {e}"))
}

fn builtin_json() -> Value {
    serde_json::from_str(raftsim::lesson::BUILTIN_JSON).expect("the built-in lesson is JSON")
}

fn flat(lesson: &Lesson, fragment: &str) -> usize {
    lesson
        .locate(fragment)
        .unwrap_or_else(|| panic!("no step {fragment}"))
}

fn end_of(run: &mut LessonRun, fragment: &str) -> Sim {
    let k = flat(run.lesson(), fragment);
    run.end_of(k).expect("plays").clone()
}

fn s(n: u8) -> NodeId {
    NodeId(n)
}

/// Everything observable about a world, for comparing two of them.
fn fingerprint(sim: &Sim) -> (u64, Time, usize, String, String) {
    (
        sim.trace_hash(),
        sim.now(),
        sim.trace().len(),
        format!("{:?}", sim.nodes()),
        format!("{:?}", sim.clients()),
    )
}

fn has_command(sim: &Sim, node: NodeId, command: &str) -> bool {
    let c = Command::parse(command).unwrap();
    sim.node(node).unwrap().log.iter().any(|e| e.command == c)
}

/// The message of a lesson that must be refused, checking that it names `path`.
fn refused(doc: &Value, path: &str) -> String {
    match Lesson::from_value(doc) {
        Ok(_) => panic!("accepted, but should fail at {path}"),
        Err(e) => {
            let message = e.to_string();
            assert_eq!(e.path(), Some(path), "wrong path in `{message}`");
            assert!(
                message.starts_with(&format!("{path}: ")),
                "the message should start with the path: {message}"
            );
            message
        }
    }
}

/// A small valid lesson to break in tests: one chapter of three steps on three servers.
fn small() -> Value {
    json!({
        "title": "Small",
        "chapters": [{
            "id": "one",
            "title": "One",
            "steps": [
                {"id": "start", "title": "Start", "narration": "Three servers.",
                 "scenario": {"nodes": 3, "seed": 5, "initial": [{"node": "S1", "election_timeout_ms": 150}],
                              "timing": {"election_timeout_ms": [200, 300]}}},
                {"id": "elect", "title": "Elect", "narration": "**S1** wins.",
                 "wait": {"until": "leader_elected", "node": "S1", "max_ms": 1000},
                 "highlight": ["node:S1"],
                 "expect": {"leader": "S1"}},
                {"id": "write", "title": "Write", "narration": "A write.",
                 "actions": [{"do": "write", "node": "S1", "command": "SET x 1"}],
                 "wait": {"until": "committed", "index": 1, "on": "all", "max_ms": 1000},
                 "expect": {"writes": ["committed"],
                            "entries": [{"node": "S2", "index": 1, "committed": true}]}}
            ]
        }]
    })
}

/// `doc` with the value at a JSON pointer replaced (or inserted, for a new object key).
fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match target {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(list) => {
            let i: usize = key.parse().expect("an index");
            list[i] = value;
        }
        _ => panic!("{parent} holds no fields"),
    }
    doc
}

fn without(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
        map.remove(key);
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// The built-in lesson: shape.

#[test]
fn builtin_lesson_has_the_six_chapters_in_order() {
    let lesson = builtin();
    let chapters: Vec<(&str, Vec<&str>)> = lesson
        .chapters
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.steps.iter().map(|s| s.id.as_str()).collect(),
            )
        })
        .collect();
    let want: Vec<(&str, Vec<&str>)> = vec![
        (
            "consensus",
            vec!["one-server", "client-sets-value", "many-servers", "raft"],
        ),
        (
            "overview",
            vec![
                "three-states",
                "candidate",
                "election",
                "change",
                "uncommitted",
                "committed",
                "replication",
            ],
        ),
        (
            "election",
            vec![
                "election-timeout",
                "candidate",
                "votes",
                "leader",
                "heartbeats",
                "leader-stops",
                "terms",
                "split-vote",
                "no-winner",
                "next-term",
            ],
        ),
        (
            "replication",
            vec![
                "leader",
                "append",
                "commit",
                "followers-commit",
                "second-change",
                "partition",
                "minority-write",
                "majority-write",
                "heal",
                "roll-back",
            ],
        ),
        (
            "safety",
            vec![
                "committed-on-three",
                "behind-candidate",
                "restriction",
                "figure-8",
                "old-term-entry",
                "overwritten",
                "own-term-commits",
                "broken-rule",
                "figure-7",
                "repair",
                "redirect",
            ],
        ),
        ("next", vec!["read-more", "free-play"]),
    ];
    assert_eq!(chapters, want);
    assert_eq!(lesson.len(), 44);
}

#[test]
fn every_chapter_opens_on_a_world_of_its_own_with_a_fixed_seed() {
    let lesson = builtin();
    for chapter in &lesson.chapters {
        let first = &chapter.steps[0];
        let world = first
            .scenario
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no world", chapter.id));
        assert!(
            world.script.is_empty() && world.expect.is_none(),
            "{}",
            chapter.id
        );
    }
    // Chapter 1 begins with a cluster of one server, then grows to five.
    let consensus = &lesson.chapters[0];
    assert_eq!(consensus.steps[0].nodes, 1);
    assert_eq!(
        consensus.steps[0].scenario.as_ref().unwrap().config.nodes,
        1
    );
    assert_eq!(consensus.steps[2].nodes, 5);
    for chapter in &lesson.chapters[1..] {
        assert!(chapter.steps.iter().all(|s| s.nodes == 5), "{}", chapter.id);
    }
}

#[test]
fn narration_is_short_marked_up_evenly_and_names_only_servers_that_exist() {
    let lesson = builtin();
    for (_, _, chapter, step) in lesson.steps() {
        let where_ = format!("{}/{}", chapter.id, step.id);
        assert!(!step.narration.trim().is_empty(), "{where_}");
        if let Some(reveal) = &step.reveal {
            assert!(
                reveal.matches(['.', '?', ':']).count() <= 6,
                "{where_}: reveal"
            );
            assert_eq!(reveal.matches("**").count() % 2, 0, "{where_}: reveal");
        }
        assert!(
            step.narration.chars().count() <= MAX_NARRATION_CHARS,
            "{where_}"
        );
        // A projector-friendly step says a few sentences, not a page.
        let sentences = step.narration.matches(['.', '?', ':']).count();
        assert!(
            sentences <= 6,
            "{where_}: {sentences} sentences is a lot to read"
        );
        assert_eq!(step.narration.matches("**").count() % 2, 0, "{where_}");
        let spans = narration_spans(&step.narration);
        assert_eq!(
            spans.iter().map(|s| s.text).collect::<String>(),
            step.narration.replace("**", ""),
            "{where_}"
        );
        // Servers are S1 to S5, never the original's letters, and never one the world lacks.
        let mut text = step.narration.clone();
        text.push_str(step.reveal.as_deref().unwrap_or_default());
        if let Some(q) = &step.question {
            text.push_str(&q.ask);
            text.push_str(&q.answers.concat());
            text.push_str(&q.explain);
        }
        for (i, _) in text.match_indices('S') {
            let digits: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Ok(n) = digits.parse::<usize>() {
                assert!(
                    (1..=step.nodes).contains(&n),
                    "{where_}: names S{n} in a cluster of {}",
                    step.nodes
                );
            }
        }
        for h in &step.highlight {
            for node in h.nodes(step.nodes) {
                assert!(usize::from(node.0) <= step.nodes, "{where_}: {h}");
            }
            assert_eq!(
                Highlight::parse(&h.to_string(), step.nodes).as_ref(),
                Ok(h),
                "{where_}"
            );
        }
    }
}

#[test]
fn fragments_name_every_step_and_lead_back_to_it() {
    let lesson = builtin();
    for (k, at, chapter, step) in lesson.steps() {
        let fragment = lesson.fragment(k).unwrap();
        assert_eq!(fragment, format!("{}/{}", chapter.id, step.id));
        assert_eq!(lesson.locate(&fragment), Some(k));
        assert_eq!(lesson.locate(&format!("#{fragment}")), Some(k));
        assert_eq!(lesson.position(k), Some(at));
        assert_eq!(lesson.flat(at), Some(k));
    }
    assert_eq!(lesson.locate("election"), lesson.chapter_start(2));
    assert_eq!(lesson.locate("election/"), lesson.chapter_start(2));
    assert_eq!(
        lesson.locate("election/split-vote"),
        lesson.flat(StepRef {
            chapter: 2,
            step: 7
        })
    );
    assert_eq!(lesson.locate("election/nope"), None);
    assert_eq!(lesson.locate("nope"), None);
    assert_eq!(lesson.locate(""), None);
    assert_eq!(lesson.position(lesson.len()), None);
    assert_eq!(lesson.fragment(lesson.len()), None);
}

// ---------------------------------------------------------------------------------------------
// The built-in lesson: every step, headless.

#[test]
fn every_step_reaches_its_condition_in_time_and_meets_its_expectation() {
    let mut run = LessonRun::builtin().unwrap();
    let mut problems = Vec::new();
    for k in 0..run.len() {
        let fragment = run.lesson().fragment(k).unwrap();
        let step = run.step(k).unwrap().clone();
        let played = run
            .played(k)
            .unwrap_or_else(|e| panic!("{fragment}: {e}"))
            .clone();
        match played.ending {
            Ending::Met { at } => assert!(at <= played.mark.at + step.wait.max, "{fragment}"),
            Ending::TimedOut { .. } => problems.push(format!(
                "{fragment}: `{}` did not happen within {} ms",
                step.wait.until.describe(),
                step.wait.max / US_PER_MS
            )),
        }
        assert!(step.wait.until.met(&played.end, &played.mark), "{fragment}");
        assert!(run.condition_met(k, &played.end).unwrap(), "{fragment}");
        for failure in run.check(k, &played.end) {
            problems.push(format!("{fragment}: {failure}"));
        }
        // A step starts where the one before ended, unless it brings its own world.
        if step.scenario.is_none() {
            let before = run.end_of(k - 1).unwrap().clone();
            assert_eq!(
                fingerprint(&played.start),
                fingerprint(&before),
                "{fragment}"
            );
        } else {
            assert_eq!(played.start.now(), 0, "{fragment}");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn waiting_steps_do_not_start_already_done() {
    // A step whose condition already held at its start would show nothing happening.
    let mut run = LessonRun::builtin().unwrap();
    for k in 0..run.len() {
        let step = run.step(k).unwrap().clone();
        if step.wait.until == Condition::Immediately || !step.actions.is_empty() {
            continue;
        }
        let start = run.start_of(k).unwrap().clone();
        let mark = Mark::of(&start);
        assert!(
            !step.wait.until.met(&start, &mark),
            "{}: `{}` already holds when the step begins",
            run.lesson().fragment(k).unwrap(),
            step.wait.until.describe()
        );
    }
}

#[test]
fn safety_invariants_hold_at_every_event_of_every_step() {
    let mut run = LessonRun::builtin().unwrap();
    for k in 0..run.len() {
        // The checker runs after every event; its findings accumulate in the world.
        let fragment = run.lesson().fragment(k).unwrap();
        let end = run.end_of(k).unwrap();
        assert!(end.config().check_invariants);
        if end.config().broken_rules.is_empty() {
            assert!(
                end.violations().is_empty(),
                "{fragment}: {:?}",
                end.violations()
            );
        } else {
            // A step that breaks a rule on purpose shows the damage, and the checker blames it.
            assert!(!end.violations().is_empty(), "{fragment}: nothing broke");
            assert!(
                end.violations().iter().all(|v| !v.broken_rules.is_empty()),
                "{fragment}: {:?}",
                end.violations()
            );
        }
    }
}

#[test]
fn playing_twice_gives_the_same_lesson() {
    let mut a = LessonRun::builtin().unwrap();
    let mut b = LessonRun::builtin().unwrap();
    for k in 0..a.len() {
        let fa = fingerprint(a.end_of(k).unwrap());
        let fb = fingerprint(b.end_of(k).unwrap());
        assert_eq!(fa, fb, "{}", a.lesson().fragment(k).unwrap());
    }
}

#[test]
fn jumping_to_any_step_gives_the_same_world_as_playing_through() {
    let mut through = LessonRun::builtin().unwrap();
    let n = through.len();
    let ends: Vec<_> = (0..n)
        .map(|k| fingerprint(through.end_of(k).unwrap()))
        .collect();
    let starts: Vec<_> = (0..n)
        .map(|k| fingerprint(through.start_of(k).unwrap()))
        .collect();
    // Jump straight to each step in a fresh run, as a link to it would.
    for k in 0..n {
        let mut jumped = LessonRun::builtin().unwrap();
        let fragment = jumped.lesson().fragment(k).unwrap();
        let at = jumped.lesson().locate(&fragment).unwrap();
        assert_eq!(
            fingerprint(jumped.start_of(at).unwrap()),
            starts[k],
            "{fragment}"
        );
        assert_eq!(
            fingerprint(jumped.end_of(at).unwrap()),
            ends[k],
            "{fragment}"
        );
    }
    // Walk backwards through a fresh run, as pressing Back from the last step would.
    let mut back = LessonRun::builtin().unwrap();
    for k in (0..n).rev() {
        assert_eq!(fingerprint(back.start_of(k).unwrap()), starts[k]);
        assert_eq!(fingerprint(back.end_of(k).unwrap()), ends[k]);
    }
}

#[test]
fn animating_frame_by_frame_ends_in_the_same_world() {
    let mut run = LessonRun::builtin().unwrap();
    for k in 0..run.len() {
        let fragment = run.lesson().fragment(k).unwrap();
        let want = fingerprint(run.end_of(k).unwrap());
        let ending = run.played(k).unwrap().ending;
        for frame_us in [16_667, 1_000, 97_000] {
            let mut playback = run.playback(k).unwrap();
            assert_eq!(
                fingerprint(playback.sim()),
                fingerprint(run.start_of(k).unwrap()),
                "{fragment}: a playback starts from the step's start"
            );
            let mut t = playback.started_at();
            let mut frames = 0;
            let got = loop {
                match playback.advance_to(t).unwrap() {
                    Progress::Done(e) => break e,
                    Progress::Running => {
                        assert_eq!(playback.sim().now(), t, "{fragment}: the clock follows");
                        assert!(!playback.is_done());
                    }
                }
                t += frame_us;
                frames += 1;
                assert!(frames < 100_000, "{fragment}: never ends");
            };
            assert_eq!(got, ending, "{fragment} at {frame_us} µs a frame");
            assert_eq!(playback.ending(), Some(ending));
            assert_eq!(
                fingerprint(playback.sim()),
                want,
                "{fragment} at {frame_us} µs a frame"
            );
            // Once over, a step stays as it ended.
            assert_eq!(
                playback.advance_to(t + 1_000_000).unwrap(),
                Progress::Done(ending)
            );
            assert_eq!(fingerprint(&playback.into_sim()), want);
        }
    }
}

#[test]
fn taking_over_hands_a_world_that_plays_on_freely() {
    let mut run = LessonRun::builtin().unwrap();
    let k = flat(run.lesson(), "replication/minority-write");
    let mut playback = run.playback(k).unwrap();
    playback
        .advance_to(playback.started_at() + 100 * US_PER_MS)
        .unwrap();
    let mut free = playback.into_sim();
    let before = free.now();
    free.advance_by(2_000 * US_PER_MS);
    free.apply(raftsim::Action::Heal).unwrap();
    free.advance_by(2_000 * US_PER_MS);
    assert!(free.now() > before);
    assert!(free.violations().is_empty());
    assert!(free.leader().is_some());
}

// ---------------------------------------------------------------------------------------------
// The built-in lesson: the story beats are what the narration says.

#[test]
fn chapter_one_keeps_one_value_on_one_server() {
    let mut run = LessonRun::builtin().unwrap();
    let start = run.start_of(0).unwrap().clone();
    assert_eq!(start.nodes().len(), 1);
    let set = end_of(&mut run, "consensus/client-sets-value");
    assert_eq!(set.nodes().len(), 1);
    assert_eq!(set.nodes()[0].kv.get("x"), Some(5));
    let many = end_of(&mut run, "consensus/many-servers");
    assert_eq!(many.nodes().len(), 5);
}

#[test]
fn overview_entry_is_uncommitted_until_a_majority_has_it() {
    let mut run = LessonRun::builtin().unwrap();
    let copied = end_of(&mut run, "overview/uncommitted");
    let leader = copied.leader().unwrap();
    assert!(copied.nodes().iter().all(|n| n.log.len() == 1));
    assert!(copied.nodes().iter().all(|n| n.commit_index == 0));
    assert!(copied.nodes().iter().all(|n| n.kv.get("x").is_none()));
    let committed = end_of(&mut run, "overview/committed");
    assert_eq!(committed.node(leader).unwrap().kv.get("x"), Some(5));
    let told = end_of(&mut run, "overview/replication");
    assert!(told.nodes().iter().all(|n| n.kv.get("x") == Some(5)));
}

#[test]
fn election_chapter_votes_reset_timers_and_terms_have_one_leader() {
    let mut run = LessonRun::builtin().unwrap();
    let k = flat(run.lesson(), "election/votes");
    let played = run.played(k).unwrap().clone();
    // Every vote granted in this step restarted the voter's election timer.
    for n in played.end.nodes() {
        if n.id != s(5) {
            assert_eq!(n.voted_for, Some(s(5)));
            assert!(n.election_timer_start > played.mark.at, "{}", n.id);
        }
    }
    let terms = end_of(&mut run, "election/terms");
    let leaders = term_leaders(&terms);
    assert_eq!(leaders.get(&1), Some(&s(5)));
    assert_eq!(leaders.get(&2), Some(&s(3)));
}

#[test]
fn split_vote_has_two_candidates_in_one_term_and_a_later_term_resolves_it() {
    let mut run = LessonRun::builtin().unwrap();
    let split = end_of(&mut run, "election/split-vote");
    let candidates: Vec<_> = split
        .nodes()
        .iter()
        .filter(|n| !n.crashed && n.role == Role::Candidate)
        .collect();
    assert_eq!(candidates.len(), 2, "two candidates");
    let term: Term = candidates[0].current_term;
    assert_eq!(candidates[1].current_term, term, "in the same term");
    let quorum = split.nodes().len() / 2 + 1;
    for c in &candidates {
        assert!(c.votes_granted.len() < quorum, "{} has a majority", c.id);
        assert_eq!(c.votes_granted.len(), 2);
    }
    assert!(
        !term_leaders(&split).contains_key(&term),
        "nobody led term {term}"
    );
    assert!(split
        .nodes()
        .iter()
        .all(|n| n.crashed || n.role != Role::Leader));
    // Every vote reply of that election has come back: nothing left that could still win it.
    let k = flat(run.lesson(), "election/split-vote");
    let mark = run.mark(k).unwrap();
    assert!(Condition::PacketsDelivered {
        kind: raftsim::lesson::PacketKind::VoteReply,
        count: 6
    }
    .met(&split, &mark));

    let resolved = end_of(&mut run, "election/next-term");
    let leader = resolved.leader().expect("a leader");
    let leader_term = resolved.node(leader).unwrap().current_term;
    assert_eq!(leader_term, term + 1, "the very next term resolves it");
    assert!(!term_leaders(&resolved).contains_key(&term));
    assert_eq!(term_leaders(&resolved).get(&leader_term), Some(&leader));
    // The links slowed to stage the split are back to normal for whoever takes over.
    let net = resolved.network();
    for (a, b) in [(1, 4), (2, 5), (1, 5), (2, 4), (1, 2)] {
        assert_eq!(
            net.link_latency(s(a), s(b)),
            net.default_latency(),
            "S{a}→S{b}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The narration says what the trace shows.

/// The events of one step of the built-in lesson.
fn events_of(run: &mut LessonRun, fragment: &str) -> Vec<Event> {
    let k = flat(run.lesson(), fragment);
    let played = run.played(k).expect("plays").clone();
    played
        .end
        .trace()
        .since(played.mark.trace_len)
        .cloned()
        .collect()
}

/// What a packet sent in these events says, with its sender and receiver.
fn sent(events: &[Event]) -> Vec<(Time, NodeId, Addr, PacketSummary)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent { to, summary, .. } => {
                Some((e.at, e.node?, *to, summary.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_lone_server_is_seen_to_lead_and_the_narration_says_so() {
    let lesson = builtin();
    let step = lesson.step(flat(&lesson, "consensus/one-server")).unwrap();
    assert!(step.narration.contains("**leader**"));
    let mut run = LessonRun::builtin().unwrap();
    let one = end_of(&mut run, "consensus/one-server");
    assert_eq!(one.node(s(1)).unwrap().role, Role::Leader);
}

#[test]
fn a_new_entry_goes_out_at_once_not_with_the_next_heartbeat() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "replication/append");
    let appended = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::EntriesAppended { .. }) && e.node == Some(s(1)))
        .expect("S1 appends the entry")
        .at;
    let carrying: Vec<_> = sent(&events)
        .into_iter()
        .filter(|(_, from, _, p)| {
            *from == s(1) && matches!(p, PacketSummary::AppendEntries { entries: 1, .. })
        })
        .collect();
    assert_eq!(carrying.len(), 4, "one AppendEntries to each follower");
    assert!(
        carrying.iter().all(|(at, ..)| *at == appended),
        "sent the instant it is appended"
    );
}

#[test]
fn followers_learn_the_commit_from_heartbeats_and_from_the_entry_resent() {
    let lesson = builtin();
    let step = lesson
        .step(flat(&lesson, "replication/followers-commit"))
        .unwrap();
    for h in ["messages:heartbeat", "messages:append_entries"] {
        assert!(step.highlight.iter().any(|x| x.to_string() == h), "{h}");
    }
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "replication/followers-commit");
    let mut heartbeats = Vec::new();
    let mut resent = Vec::new();
    for (_, _, to, p) in sent(&events) {
        if let PacketSummary::AppendEntries {
            entries,
            leader_commit: 1,
            ..
        } = p
        {
            if entries == 0 {
                heartbeats.push(to)
            } else {
                resent.push(to)
            }
        }
    }
    let (mut heartbeats, mut resent) = (heartbeats, resent);
    heartbeats.sort();
    resent.sort();
    assert_eq!(heartbeats, [Addr::Node(s(3)), Addr::Node(s(5))]);
    assert_eq!(resent, [Addr::Node(s(2)), Addr::Node(s(4))]);
}

#[test]
fn votes_are_given_while_every_log_is_empty() {
    let mut run = LessonRun::builtin().unwrap();
    let k = flat(run.lesson(), "election/votes");
    let played = run.played(k).unwrap().clone();
    assert!(played.start.nodes().iter().all(|n| n.log.is_empty()));
    let lesson = builtin();
    assert!(lesson.step(k).unwrap().narration.contains("up to date"));
}

#[test]
fn s3_wins_term_2_at_three_votes_the_threshold_of_five() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "election/leader-stops");
    let last = events.iter().rev().find_map(|e| match e.kind {
        EventKind::VoteReceived {
            granted: true,
            votes,
            needed,
            ..
        } if e.node == Some(s(3)) => Some((votes, needed)),
        _ => None,
    });
    assert_eq!(last, Some((3, 3)), "three votes of the three needed");
    let after = end_of(&mut run, "election/terms");
    let voters = after
        .nodes()
        .iter()
        .filter(|n| n.voted_for == Some(s(3)))
        .count();
    assert_eq!(voters, 4, "the fourth vote arrives after the win");
}

#[test]
fn in_term_4_both_s2_and_s1_stand_and_s2_wins() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "election/next-term");
    let stood: Vec<(Time, NodeId)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RoleChanged {
                to: Role::Candidate,
                term: 4,
                ..
            } => Some((e.at, e.node?)),
            _ => None,
        })
        .collect();
    assert_eq!(
        stood.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [s(2), s(1)]
    );
    let gap = stood[1].0 - stood[0].0;
    assert_eq!(
        gap / US_PER_MS,
        6,
        "S1 stands 6 ms after S2, as the narration says"
    );
}

#[test]
fn commits_in_the_first_chapters_are_of_the_leaders_own_term() {
    let lesson = builtin();
    for fragment in ["overview/committed", "replication/commit"] {
        let step = lesson.step(flat(&lesson, fragment)).unwrap();
        assert!(step.narration.contains("own term"), "{fragment}");
        assert!(
            step.expect.entries.iter().any(|e| e.term == Some(1)),
            "{fragment}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Questions.

#[test]
fn the_tour_asks_at_least_eight_questions_in_four_chapters_without_giving_answers_away() {
    let lesson = builtin();
    let mut chapters = std::collections::BTreeSet::new();
    let mut count = 0;
    for (_, _, chapter, step) in lesson.steps() {
        let where_ = format!("{}/{}", chapter.id, step.id);
        let Some(q) = &step.question else {
            assert!(
                step.reveal.is_none(),
                "{where_}: a reveal without a question"
            );
            continue;
        };
        count += 1;
        chapters.insert(chapter.id.as_str());
        assert!(
            (MIN_ANSWERS..=MAX_ANSWERS).contains(&q.answers.len()),
            "{where_}"
        );
        assert!(q.correct < q.answers.len(), "{where_}");
        // The narration shown before the answer does not contain the answer.
        let right = &q.answers[q.correct];
        assert!(
            !step.narration.contains(right.as_str()),
            "{where_}: gives away {right}"
        );
        assert!(
            step.reveal.is_some(),
            "{where_}: says what happened once answered"
        );
    }
    assert!(count >= 8, "{count} questions");
    for id in ["overview", "election", "replication", "safety"] {
        assert!(chapters.contains(id), "no question in {id}");
    }
}

#[test]
fn a_question_does_not_change_how_a_step_plays() {
    let lesson = builtin();
    let asked: Vec<usize> = lesson
        .steps()
        .filter(|(_, _, _, s)| s.question.is_some())
        .map(|(flat, ..)| flat)
        .collect();
    let mut plain = builtin_json();
    for chapter in plain["chapters"].as_array_mut().unwrap() {
        for step in chapter["steps"].as_array_mut().unwrap() {
            let step = step.as_object_mut().unwrap();
            step.remove("question");
            step.remove("reveal");
        }
    }
    let mut with_questions = LessonRun::new(lesson);
    let mut without = LessonRun::new(Lesson::from_value(&plain).unwrap());
    for k in asked {
        let a = fingerprint(with_questions.end_of(k).unwrap());
        let b = fingerprint(without.end_of(k).unwrap());
        assert_eq!(a, b, "step {k}");
    }
}

#[test]
fn a_question_reads_with_its_answers_and_explanation() {
    let doc = with(
        small(),
        "/chapters/0/steps/1/question",
        json!({"ask": "Who wins?", "answers": ["S1", "S2", "Nobody"], "correct": 0,
               "explain": "S1 **times out** first."}),
    );
    let doc = with(doc, "/chapters/0/steps/1/reveal", json!("**S1** won."));
    let lesson = Lesson::from_value(&doc).expect("reads");
    let step = &lesson.chapters[0].steps[1];
    let q = step.question.as_ref().expect("a question");
    assert_eq!(q.answers, ["S1", "S2", "Nobody"]);
    assert!(q.is_correct(0) && !q.is_correct(2));
    assert_eq!(step.reveal.as_deref(), Some("**S1** won."));
}

#[test]
fn mistakes_in_questions_are_named_by_path() {
    let question = |q: Value| with(small(), "/chapters/0/steps/1/question", q);
    let good = json!({"ask": "Who wins?", "answers": ["S1", "S2"], "correct": 1, "explain": "S2."});
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            question(json!({"ask": "Who?", "answers": ["S1"], "correct": 0, "explain": "x"})),
            "chapters[0].steps[1].question.answers",
            "too few: a question offers 2 to 4",
        ),
        (
            question(
                json!({"ask": "Who?", "answers": ["S1", "S2", "S3", "S4", "S5"], "correct": 0, "explain": "x"}),
            ),
            "chapters[0].steps[1].question.answers",
            "5 answers is more than the 4",
        ),
        (
            question(json!({"ask": "Who?", "answers": ["S1", "S2"], "correct": 2, "explain": "x"})),
            "chapters[0].steps[1].question.correct",
            "answers count from 0, so this question's are 0 to 1",
        ),
        (
            question(
                json!({"ask": "Who?", "answers": ["S1", "S1 "], "correct": 0, "explain": "x"}),
            ),
            "chapters[0].steps[1].question.answers[1]",
            "is already chapters[0].steps[1].question.answers[0]",
        ),
        (
            question(json!({"ask": " ", "answers": ["S1", "S2"], "correct": 0, "explain": "x"})),
            "chapters[0].steps[1].question.ask",
            "the question is empty",
        ),
        (
            question(json!({"ask": "Who?", "answers": ["S1", ""], "correct": 0, "explain": "x"})),
            "chapters[0].steps[1].question.answers[1]",
            "the answer is empty",
        ),
        (
            question(
                json!({"ask": "Who?", "answers": ["S1", "S2"], "correct": 0, "explain": "**x"}),
            ),
            "chapters[0].steps[1].question.explain",
            "no ** to end it",
        ),
        (
            question(
                json!({"ask": "Who?", "answers": ["S1", "x".repeat(MAX_ANSWER_CHARS + 1)], "correct": 0, "explain": "x"}),
            ),
            "chapters[0].steps[1].question.answers[1]",
            "more than the 60 allowed",
        ),
        (
            question(json!({"ask": "Who?", "answers": ["S1", "S2"], "right": 0, "explain": "x"})),
            "chapters[0].steps[1].question.right",
            "unknown field",
        ),
        (
            question(json!({"ask": "Who?", "answers": ["S1", "S2"], "explain": "x"})),
            "chapters[0].steps[1].question.correct",
            "missing",
        ),
        (
            question(
                json!({"ask": "Who?", "answers": ["S1", "S2"], "correct": -1, "explain": "x"}),
            ),
            "chapters[0].steps[1].question.correct",
            "expected",
        ),
        (
            with(small(), "/chapters/0/steps/1/reveal", json!("S1 won.")),
            "chapters[0].steps[1].reveal",
            "this step has no \"question\"",
        ),
        (
            with(
                question(good.clone()),
                "/chapters/0/steps/1/reveal",
                json!(""),
            ),
            "chapters[0].steps[1].reveal",
            "the reveal is empty",
        ),
        (
            with(
                question(good),
                "/chapters/0/steps/1/reveal",
                json!("x".repeat(MAX_NARRATION_CHARS + 1)),
            ),
            "chapters[0].steps[1].reveal",
            "keep it short",
        ),
    ];
    for (doc, path, words) in cases {
        let message = refused(&doc, path);
        assert!(
            message.contains(words),
            "{path}: `{message}` lacks `{words}`"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The Safety chapter: each story beat is what the narration says.

#[test]
fn a_candidate_whose_log_is_behind_is_refused_and_an_up_to_date_one_wins() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "safety/behind-candidate");
    let mut refused: Vec<NodeId> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::VoteDenied {
                candidate,
                reason: VoteDenial::LogNotUpToDate,
                ..
            } if candidate == s(5) => e.node,
            _ => None,
        })
        .collect();
    refused.sort();
    assert_eq!(refused, [s(2), s(3)]);
    let after = end_of(&mut run, "safety/restriction");
    let leader = after.leader().expect("a leader");
    let committed = &after.node(leader).unwrap().log[1];
    assert_eq!(
        (committed.term, committed.command.to_string()),
        (2, "SET x 2".to_string())
    );
}

#[test]
fn figure_8_an_old_term_entry_on_four_servers_is_not_committed_until_one_of_the_new_term_is() {
    let mut run = LessonRun::builtin().unwrap();
    let c = end_of(&mut run, "safety/old-term-entry");
    let holders = c
        .nodes()
        .iter()
        .filter(|n| n.log.get(1).is_some_and(|e| e.term == 2))
        .count();
    assert_eq!(holders, 4, "four of five hold entry 2 of term 2");
    assert_eq!(c.node(s(1)).unwrap().current_term, 4);
    assert!(
        c.nodes().iter().all(|n| n.commit_index < 2),
        "nobody committed it"
    );
    let d = end_of(&mut run, "safety/overwritten");
    for n in d.nodes().iter().filter(|n| !n.crashed) {
        assert_eq!(n.log[1].term, 3, "{} holds S5's entry", n.id);
    }
    let k = flat(run.lesson(), "safety/own-term-commits");
    let played = run.played(k).unwrap().clone();
    assert!(played.start.nodes().iter().all(|n| n.commit_index < 2));
    let s5 = played.end.node(s(5)).unwrap();
    assert!(s5.commit_index >= 3 && s5.log[2].term == 5);
}

#[test]
fn figure_7_the_leader_backs_off_and_followers_drop_conflicting_entries() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "safety/repair");
    let backed_off: std::collections::BTreeSet<NodeId> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::NextIndexBackedOff { follower, .. } => Some(follower),
            _ => None,
        })
        .collect();
    assert_eq!(
        backed_off.into_iter().collect::<Vec<_>>(),
        [s(3), s(4), s(5)]
    );
    let truncated: Vec<(Option<NodeId>, u64, usize)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::EntriesTruncated { first_index, count } => {
                Some((e.node, first_index, count))
            }
            _ => None,
        })
        .collect();
    assert_eq!(truncated, [(Some(s(4)), 3, 3)]);
    let repaired = end_of(&mut run, "safety/repair");
    let leader_log = &repaired.node(s(1)).unwrap().log;
    assert!(repaired.nodes().iter().all(|n| &n.log == leader_log));
}

#[test]
fn a_follower_redirects_the_client_to_the_leader() {
    let mut run = LessonRun::builtin().unwrap();
    let events = events_of(&mut run, "safety/redirect");
    let redirect = events.iter().find_map(|e| match &e.kind {
        EventKind::MessageSent {
            summary: PacketSummary::ClientReply { answer, .. },
            ..
        } => Some((e.node, answer.clone())),
        _ => None,
    });
    assert_eq!(
        redirect,
        Some((Some(s(3)), ClientAnswer::Redirect { leader: Some(s(1)) }))
    );
}

#[test]
fn partition_minority_write_stays_uncommitted_then_is_replaced_after_healing() {
    let mut run = LessonRun::builtin().unwrap();

    let split = end_of(&mut run, "replication/partition");
    let (old, new) = (split.node(s(1)).unwrap(), split.node(s(5)).unwrap());
    assert_eq!(old.role, Role::Leader);
    assert_eq!(new.role, Role::Leader);
    assert!(
        new.current_term > old.current_term,
        "two leaders, two terms"
    );
    assert!(split.network().partition_groups().is_some());

    let minority = end_of(&mut run, "replication/minority-write");
    for id in [s(1), s(2)] {
        let n = minority.node(id).unwrap();
        assert_eq!(n.log.len(), 3);
        assert!(has_command(&minority, id, "SET x 3"));
        assert!(n.commit_index < 3, "{id} committed the minority's entry");
        assert_eq!(n.kv.get("x"), Some(7));
    }
    assert!(!has_command(&minority, s(5), "SET x 3"));
    assert_eq!(
        minority.clients()[2].status,
        raftsim::WriteStatus::Pending,
        "the minority leader's client hears nothing"
    );

    let majority = end_of(&mut run, "replication/majority-write");
    let s5 = majority.node(s(5)).unwrap();
    assert!(s5.commit_index >= 3);
    assert_eq!(s5.log[2].term, 2);
    assert!(majority.node(s(1)).unwrap().commit_index < 3);

    let healed = end_of(&mut run, "replication/heal");
    assert_eq!(healed.node(s(1)).unwrap().role, Role::Follower);
    assert_eq!(healed.leader(), Some(s(5)));

    let back = end_of(&mut run, "replication/roll-back");
    let first = &back.nodes()[0].log;
    for n in back.nodes() {
        assert_eq!(&n.log, first, "{}'s log differs", n.id);
        assert!(n.commit_index >= 3);
        assert_eq!(n.kv.get("x"), Some(8));
        assert!(!has_command(&back, n.id, "SET x 3"), "{} kept it", n.id);
    }
    // The minority's entry was truncated, not just outvoted.
    let truncated = back.trace().iter().any(|e| {
        matches!(
            e.kind,
            raftsim::EventKind::EntriesTruncated { first_index: 3, .. }
        ) && e.node == Some(s(1))
    });
    assert!(truncated);
}

#[test]
fn the_lesson_is_cheap_enough_to_replay_on_every_jump() {
    // The browser replays a chapter from its start on a cold jump. Count the work instead of
    // timing it: events processed for the longest chapter.
    let mut run = LessonRun::builtin().unwrap();
    let lesson = run.lesson().clone();
    for (c, chapter) in lesson.chapters.iter().enumerate() {
        let last = lesson.chapter_start(c).unwrap() + chapter.steps.len() - 1;
        let events = run.end_of(last).unwrap().trace().len();
        assert!(events < 5_000, "{}: {events} events", chapter.id);
    }
}

// ---------------------------------------------------------------------------------------------
// Playing: conditions, timeouts, refused actions.

#[test]
fn a_small_lesson_plays_and_checks() {
    let lesson = Lesson::from_value(&small()).unwrap();
    let mut run = LessonRun::new(lesson);
    for k in 0..run.len() {
        let end = run.end_of(k).unwrap().clone();
        assert!(run.played(k).unwrap().ending.met());
        assert_eq!(run.check(k, &end), Vec::<String>::new());
    }
    assert_eq!(
        run.end_of(2).unwrap().node(s(2)).unwrap().kv.get("x"),
        Some(1)
    );
}

#[test]
fn a_step_that_waits_too_long_times_out_at_its_bound() {
    let doc = with(
        small(),
        "/chapters/0/steps/1/wait",
        json!({"until": "leader_elected", "node": "S2", "max_ms": 120}),
    );
    let mut run = LessonRun::new(Lesson::from_value(&doc).unwrap());
    let played = run.played(1).unwrap().clone();
    assert_eq!(
        played.ending,
        Ending::TimedOut {
            at: played.mark.at + 120 * US_PER_MS
        }
    );
    assert_eq!(played.end.now(), played.mark.at + 120 * US_PER_MS);
    let failures = run.check(1, &played.end);
    assert_eq!(
        failures,
        vec!["chapters[0].steps[1].expect.leader: expected S1, found none".to_string()]
    );
}

#[test]
fn expectations_fail_with_readable_messages() {
    let doc = with(
        small(),
        "/chapters/0/steps/2/expect",
        json!({
            "writes": ["pending"],
            "entries": [
                {"node": "S2", "index": 1, "committed": false},
                {"node": "S3", "index": 2},
                {"node": "S1", "index": 1, "present": false},
                {"node": "S1", "index": 1, "term": 4, "command": "SET y 1"}
            ],
            "term_leaders": {"1": "S2", "2": null}
        }),
    );
    let mut run = LessonRun::new(Lesson::from_value(&doc).unwrap());
    let end = run.end_of(2).unwrap().clone();
    let failures = run.check(2, &end);
    let p = "chapters[0].steps[2].expect";
    assert_eq!(
        failures,
        vec![
            format!("{p}.writes[0]: expected pending, found committed"),
            format!("{p}.entries[0].committed: expected entry 1 on S2 to be uncommitted, but its commit index is 1"),
            format!("{p}.entries[1]: S3 has no entry 2 (its log is [1])"),
            format!("{p}.entries[2]: expected S1 to have no entry 1, found one of term 1 (SET x 1)"),
            format!("{p}.entries[3].term: expected 4, found 1 at S1 index 1"),
            format!("{p}.entries[3].command: expected \"SET y 1\", found \"SET x 1\" at S1 index 1"),
            format!("{p}.term_leaders.1: expected S2 to have led term 1, found S1"),
        ]
    );
}

#[test]
fn an_action_the_world_refuses_names_the_action_and_the_time() {
    // S1 is the leader by then: a leader runs no election timer.
    let doc = with(
        small(),
        "/chapters/0/steps/2/actions",
        json!([{"after_ms": 30, "do": "timeout", "node": "S1"}]),
    );
    let mut run = LessonRun::new(Lesson::from_value(&doc).unwrap());
    let elected_at = run.end_of(1).unwrap().now();
    let err = run.played(2).unwrap_err();
    match &err {
        ScenarioError::Step { path, at, message } => {
            assert_eq!(path, "chapters[0].steps[2].actions[0]");
            assert_eq!(*at, elected_at + 30 * US_PER_MS);
            assert!(message.contains("S1 is the leader"), "{message}");
        }
        other => panic!("expected a step error, got {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("chapters[0].steps[2].actions[0]: at "));
    // Steps before it still play.
    assert!(run.end_of(1).is_ok());
    assert!(run.played(99).is_err());
}

#[test]
fn actions_happen_at_their_offsets_and_time_waits_end_exactly() {
    let doc = with(
        small(),
        "/chapters/0/steps/2",
        json!({"id": "later", "title": "Later", "narration": "Later.",
               "actions": [
                   {"do": "write", "node": "S1", "command": "SET x 1"},
                   {"after_ms": 100, "do": "crash", "node": "S3"},
                   {"after_ms": 100, "do": "write", "node": "S1", "command": "SET x 2"}
               ],
               "wait": {"until": "time", "ms": 250, "max_ms": 300}}),
    );
    let mut run = LessonRun::new(Lesson::from_value(&doc).unwrap());
    let played = run.played(2).unwrap().clone();
    let t0 = played.mark.at;
    assert_eq!(
        played.ending,
        Ending::Met {
            at: t0 + 250 * US_PER_MS
        }
    );
    assert_eq!(played.end.now(), t0 + 250 * US_PER_MS);
    let writes: Vec<Time> = played
        .end
        .clients()
        .iter()
        .map(|w| w.submitted_at)
        .collect();
    assert_eq!(writes, vec![t0, t0 + 100 * US_PER_MS]);
    let crashed_at = played
        .end
        .trace()
        .iter()
        .find(|e| e.kind == raftsim::EventKind::Crashed)
        .map(|e| e.at);
    assert_eq!(crashed_at, Some(t0 + 100 * US_PER_MS));
}

#[test]
fn a_step_with_actions_only_ends_when_its_last_action_is_done() {
    let doc = with(
        small(),
        "/chapters/0/steps/2",
        json!({"id": "later", "title": "Later", "narration": "Later.",
               "actions": [{"after_ms": 70, "do": "crash", "node": "S2"}]}),
    );
    let mut run = LessonRun::new(Lesson::from_value(&doc).unwrap());
    let played = run.played(2).unwrap().clone();
    assert_eq!(
        played.ending,
        Ending::Met {
            at: played.mark.at + 70 * US_PER_MS
        }
    );
    assert!(played.end.node(s(2)).unwrap().crashed);
}

#[test]
fn every_condition_reads_and_holds_where_it_should() {
    let mut run = LessonRun::builtin().unwrap();
    let lesson = run.lesson().clone();
    let k = flat(&lesson, "replication/roll-back");
    let end = run.end_of(k).unwrap().clone();
    let mark = run.mark(k).unwrap();
    let cond = |v: Value| -> Condition {
        let doc = with(builtin_json(), "/chapters/3/steps/9/wait", v);
        Lesson::from_value(&doc).unwrap().chapters[3].steps[9]
            .wait
            .until
            .clone()
    };
    let holds = [
        json!({"until": "none"}),
        json!({"until": "leader_elected"}),
        json!({"until": "leader_elected", "node": "S5", "term": 2}),
        json!({"until": "leader_elected", "min_term": 2}),
        json!({"until": "role", "node": "S1", "role": "follower"}),
        json!({"until": "role", "role": "leader"}),
        json!({"until": "term_at_least", "node": "S2", "term": 2}),
        json!({"until": "committed", "index": 3}),
        json!({"until": "committed", "index": 3, "on": "majority"}),
        json!({"until": "committed", "index": 3, "on": "S1"}),
        json!({"until": "write_answered"}),
        json!({"until": "write_answered", "write": 4}),
        json!({"until": "packets_delivered", "kind": "append_reply"}),
        json!({"until": "votes_granted", "node": "S5", "count": 3}),
        json!({"until": "time", "ms": 0}),
        json!({"until": "logs_agree"}),
        json!({"until": "all", "of": [{"until": "logs_agree"}, {"until": "role", "role": "leader"}]}),
    ];
    for v in holds {
        assert!(cond(v.clone()).met(&end, &mark), "should hold: {v}");
    }
    let fails = [
        json!({"until": "leader_elected", "node": "S1"}),
        json!({"until": "leader_elected", "term": 3}),
        json!({"until": "role", "role": "candidate"}),
        json!({"until": "term_at_least", "term": 3}),
        json!({"until": "committed", "index": 4, "on": "majority"}),
        json!({"until": "write_answered", "write": 3}),
        json!({"until": "write_answered", "write": 9}),
        json!({"until": "packets_delivered", "kind": "request_vote"}),
        json!({"until": "votes_granted", "count": 4}),
        json!({"until": "time", "ms": 1000, "max_ms": 1000}),
        json!({"until": "quiescent"}),
        json!({"until": "all", "of": [{"until": "logs_agree"}, {"until": "role", "role": "candidate"}]}),
    ];
    for v in fails {
        assert!(!cond(v.clone()).met(&end, &mark), "should not hold: {v}");
    }
}

#[test]
fn a_playback_checks_its_condition_like_the_run_does() {
    let mut run = LessonRun::builtin().unwrap();
    let k = flat(run.lesson(), "election/candidate");
    let step = run.step(k).unwrap().clone();
    let start = run.start_of(k).unwrap().clone();
    let mut playback = Playback::new(&step, start);
    assert!(!playback.condition_met());
    assert_eq!(playback.deadline(), playback.started_at() + step.wait.max);
    let ending = playback.finish().unwrap();
    assert!(ending.met());
    assert!(playback.condition_met());
    assert_eq!(playback.mark(), run.mark(k).unwrap());
}

// ---------------------------------------------------------------------------------------------
// Mistakes in lesson files, each at its path.

#[test]
fn syntax_errors_give_a_line_and_a_column() {
    let err = Lesson::from_json("{\n  \"title\": \"x\",\n  \"chapters\": [,]\n}").unwrap_err();
    assert!(
        matches!(err, ScenarioError::Syntax { line: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.path(), None);
    assert!(err.to_string().starts_with("line 3, column"));
}

#[test]
fn an_unknown_server_in_a_wait_is_named_by_its_path() {
    let doc = with(
        builtin_json(),
        "/chapters/3/steps/4/wait",
        json!({"until": "role", "node": "S9", "role": "leader"}),
    );
    assert_eq!(
        refused(&doc, "chapters[3].steps[4].wait.node"),
        "chapters[3].steps[4].wait.node: unknown node S9 (this cluster has S1 to S5)"
    );
}

#[test]
fn mistakes_in_the_lesson_chapters_and_steps_are_named_by_path() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!([]), "(top level)", "expected a lesson"),
        (without(small(), "/title"), "title", "missing"),
        (with(small(), "/title", json!("  ")), "title", "empty"),
        (
            with(small(), "/titel", json!("x")),
            "titel",
            "did you mean \"title\"",
        ),
        (without(small(), "/chapters"), "chapters", "missing"),
        (
            with(small(), "/chapters", json!([])),
            "chapters",
            "at least one",
        ),
        (
            with(small(), "/chapters", json!({})),
            "chapters",
            "expected a list, found an object",
        ),
        (
            with(small(), "/chapters/0/id", json!("Split Vote")),
            "chapters[0].id",
            "not a slug",
        ),
        (
            with(small(), "/chapters/0/id", json!("-a")),
            "chapters[0].id",
            "not a slug",
        ),
        (
            with(small(), "/chapters/0/id", json!(7)),
            "chapters[0].id",
            "expected text",
        ),
        (
            with(small(), "/chapters/0/steps", json!([])),
            "chapters[0].steps",
            "at least one",
        ),
        (
            with(small(), "/chapters/0/steps/2/id", json!("elect")),
            "chapters[0].steps[2].id",
            "already the id of chapters[0].steps[1]",
        ),
        (
            with(small(), "/chapters/0/steps/0/narrative", json!("x")),
            "chapters[0].steps[0].narrative",
            "did you mean \"narration\"",
        ),
        (
            with(
                small(),
                "/chapters/0/steps/1/narration",
                json!("The **leader"),
            ),
            "chapters[0].steps[1].narration",
            "no ** to end it",
        ),
        (
            with(
                small(),
                "/chapters/0/steps/1/narration",
                json!("x".repeat(701)),
            ),
            "chapters[0].steps[1].narration",
            "701 characters",
        ),
        (
            without(small(), "/chapters/0/steps/0/scenario"),
            "chapters[0].steps[0].scenario",
            "first step of a chapter",
        ),
    ];
    for (doc, path, fragment) in cases {
        let message = refused(&doc, path);
        assert!(message.contains(fragment), "{message}");
    }
    // Two chapters with one id.
    let mut doc = small();
    let chapter = doc["chapters"][0].clone();
    doc["chapters"].as_array_mut().unwrap().push(chapter);
    let message = refused(&doc, "chapters[1].id");
    assert!(
        message.contains("already the id of chapters[0]"),
        "{message}"
    );
}

#[test]
fn mistakes_in_a_steps_world_use_the_scenario_checks() {
    let w = "/chapters/0/steps/0/scenario";
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(small(), w, json!(5)),
            "chapters[0].steps[0].scenario",
            "expected a scenario (a JSON object",
        ),
        (
            with(small(), &format!("{w}/nodes"), json!(12)),
            "chapters[0].steps[0].scenario.nodes",
            "too large",
        ),
        (
            with(small(), &format!("{w}/script"), json!([])),
            "chapters[0].steps[0].scenario.script",
            "the step's own \"actions\"",
        ),
        (
            with(small(), &format!("{w}/run_ms"), json!(5)),
            "chapters[0].steps[0].scenario.run_ms",
            "has no run_ms",
        ),
        (
            with(small(), &format!("{w}/sed"), json!(5)),
            "chapters[0].steps[0].scenario.sed",
            "did you mean \"seed\"",
        ),
        (
            with(
                small(),
                &format!("{w}/timing"),
                json!({"heartbeat_ms": 500}),
            ),
            "chapters[0].steps[0].scenario.timing.heartbeat_ms",
            "shorter than the smallest election timeout",
        ),
        (
            with(
                small(),
                &format!("{w}/initial"),
                json!([{"node": "S1", "term": 2, "log": [2, 1]}]),
            ),
            "chapters[0].steps[0].scenario.initial[0].log[1]",
            "never decrease",
        ),
    ];
    for (doc, path, fragment) in cases {
        let message = refused(&doc, path);
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn mistakes_in_actions_are_named_by_path() {
    let a = "/chapters/0/steps/2/actions";
    let p = "chapters[0].steps[2].actions";
    let cases: Vec<(Value, String, &str)> = vec![
        (
            with(small(), a, json!({})),
            p.to_string(),
            "expected a list, found an object",
        ),
        (
            with(small(), a, json!([3])),
            format!("{p}[0]"),
            "expected an action",
        ),
        (
            with(small(), a, json!([{"do": "crash", "node": "S9"}])),
            format!("{p}[0].node"),
            "unknown node S9 (this cluster has S1 to S3)",
        ),
        (
            with(small(), a, json!([{"do": "timout", "node": "S1"}])),
            format!("{p}[0].do"),
            "did you mean \"timeout\"",
        ),
        (
            with(
                small(),
                a,
                json!([{"at_ms": 5, "do": "crash", "node": "S1"}]),
            ),
            format!("{p}[0].at_ms"),
            "use \"after_ms\"",
        ),
        (
            with(
                small(),
                a,
                json!([{"after_ms": -5, "do": "crash", "node": "S1"}]),
            ),
            format!("{p}[0].after_ms"),
            "whole number",
        ),
        (
            with(small(), a, json!([{"do": "crash", "nod": "S1"}])),
            format!("{p}[0].nod"),
            "fields after_ms, do, node",
        ),
        (
            with(
                small(),
                a,
                json!([{"after_ms": 50, "do": "crash", "node": "S1"},
                       {"after_ms": 10, "do": "crash", "node": "S2"}]),
            ),
            format!("{p}[1].after_ms"),
            "earlier than chapters[0].steps[2].actions[0].after_ms 50",
        ),
        (
            with(small(), a, json!([{"after_ms": 5000, "do": "heal"}])),
            format!("{p}[0].after_ms"),
            "after the step's wait.max_ms 1000",
        ),
        (
            with(
                small(),
                a,
                json!([{"do": "write", "node": "S1", "command": "PUT x 1"}]),
            ),
            format!("{p}[0].command"),
            "unknown command",
        ),
    ];
    for (doc, path, fragment) in cases {
        let message = refused(&doc, &path);
        assert!(message.contains(fragment), "{message}");
    }
    // A one-server world names its one server.
    let doc = with(small(), "/chapters/0/steps/0/scenario/nodes", json!(1));
    let doc = without(doc, "/chapters/0/steps/0/scenario/initial");
    let doc = with(doc, "/chapters/0/steps/1/wait/node", json!("S1"));
    let doc = with(doc, a, json!([{"do": "crash", "node": "S2"}]));
    let doc = with(doc, "/chapters/0/steps/2/expect", json!({}));
    let message = refused(&doc, &format!("{p}[0].node"));
    assert!(message.contains("this cluster has only S1"), "{message}");
}

#[test]
fn mistakes_in_waits_are_named_by_path() {
    let w = "/chapters/0/steps/1/wait";
    let p = "chapters[0].steps[1].wait";
    let cases: Vec<(Value, String, &str)> = vec![
        (json!("leader"), p.to_string(), "expected a condition"),
        (json!({}), format!("{p}.until"), "missing"),
        (
            json!({"until": 3}),
            format!("{p}.until"),
            "expected a condition name",
        ),
        (
            json!({"until": "leader_elect"}),
            format!("{p}.until"),
            "did you mean \"leader_elected\"",
        ),
        (
            json!({"until": "role", "node": "S1"}),
            format!("{p}.role"),
            "needs \"role\"",
        ),
        (
            json!({"until": "role", "role": "king"}),
            format!("{p}.role"),
            "\"follower\", \"candidate\" or \"leader\"",
        ),
        (
            json!({"until": "leader_elected", "term": 0}),
            format!("{p}.term"),
            "too small",
        ),
        (
            json!({"until": "leader_elected", "max_ms": 0}),
            format!("{p}.max_ms"),
            "too small",
        ),
        (
            json!({"until": "leader_elected", "max_ms": 60001}),
            format!("{p}.max_ms"),
            "too large",
        ),
        (
            json!({"until": "leader_elected", "index": 2}),
            format!("{p}.index"),
            "the fields until, node, term, min_term, max_ms",
        ),
        (
            json!({"until": "committed"}),
            format!("{p}.index"),
            "needs \"index\"",
        ),
        (
            json!({"until": "committed", "index": 1, "on": "S7"}),
            format!("{p}.on"),
            "unknown node S7 (this cluster has S1 to S3); or \"all\" or \"majority\"",
        ),
        (
            json!({"until": "committed", "index": 1, "on": 2}),
            format!("{p}.on"),
            "expected \"all\"",
        ),
        (
            json!({"until": "packets_delivered", "kind": "heartbeats"}),
            format!("{p}.kind"),
            "did you mean \"heartbeat\"",
        ),
        (
            json!({"until": "packets_delivered"}),
            format!("{p}.kind"),
            "needs \"kind\"",
        ),
        (
            json!({"until": "votes_granted", "count": 0}),
            format!("{p}.count"),
            "too small",
        ),
        (
            json!({"until": "time", "ms": 500, "max_ms": 100}),
            format!("{p}.max_ms"),
            "shorter than the 500 ms",
        ),
        (json!({"until": "all"}), format!("{p}.of"), "needs \"of\""),
        (
            json!({"until": "all", "of": []}),
            format!("{p}.of"),
            "at least one",
        ),
        (
            json!({"until": "all", "of": [{"until": "none", "max_ms": 5}]}),
            format!("{p}.of[0].max_ms"),
            "belongs to the step's wait",
        ),
        (
            json!({"until": "all", "of": [{"until": "role", "node": "S4", "role": "leader"}]}),
            format!("{p}.of[0].node"),
            "unknown node S4",
        ),
        (
            json!({"until": "all", "of": [{"until": "all", "of": [{"until": "all", "of": [{"until": "all", "of": [{"until": "none"}]}]}]}]}),
            format!("{p}.of[0].of[0].of[0].of"),
            "nest at most 4 levels",
        ),
    ];
    for (wait, path, fragment) in cases {
        let message = refused(&with(small(), w, wait), &path);
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn mistakes_in_highlights_and_expectations_are_named_by_path() {
    let h = "/chapters/0/steps/1/highlight";
    let p = "chapters[0].steps[1]";
    let cases: Vec<(&str, Value, String, &str)> = vec![
        (
            h,
            json!("node:S1"),
            format!("{p}.highlight"),
            "expected a list, found the text",
        ),
        (
            h,
            json!([1]),
            format!("{p}.highlight[0]"),
            "expected an element name",
        ),
        (
            h,
            json!(["nod:S1"]),
            format!("{p}.highlight[0]"),
            "did you mean \"node\"",
        ),
        (
            h,
            json!(["node:S4"]),
            format!("{p}.highlight[0]"),
            "unknown node S4",
        ),
        (
            h,
            json!(["node"]),
            format!("{p}.highlight[0]"),
            "should look like \"node:S1\"",
        ),
        (
            h,
            json!(["entry:S1:x"]),
            format!("{p}.highlight[0]"),
            "whole number from 1",
        ),
        (
            h,
            json!(["link:S1:S1"]),
            format!("{p}.highlight[0]"),
            "two different servers",
        ),
        (
            h,
            json!(["messages:votes"]),
            format!("{p}.highlight[0]"),
            "unknown packet kind \"votes\"",
        ),
        (
            h,
            json!(["client:S1"]),
            format!("{p}.highlight[0]"),
            "with nothing after it",
        ),
        (
            "/chapters/0/steps/1/expect/leaders",
            json!("S1"),
            format!("{p}.expect.leaders"),
            "did you mean \"leader\"",
        ),
        (
            "/chapters/0/steps/1/expect/leader",
            json!("S9"),
            format!("{p}.expect.leader"),
            "unknown node S9",
        ),
        (
            "/chapters/0/steps/1/expect/nodes",
            json!({"S9": {}}),
            format!("{p}.expect.nodes.S9"),
            "unknown node S9",
        ),
        (
            "/chapters/0/steps/1/expect/nodes",
            json!({"S1": {"role": "boss"}}),
            format!("{p}.expect.nodes.S1.role"),
            "expected \"follower\"",
        ),
        (
            "/chapters/0/steps/1/expect/writes",
            json!(["done"]),
            format!("{p}.expect.writes[0]"),
            "expected \"committed\"",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"index": 1}]),
            format!("{p}.expect.entries[0].node"),
            "missing",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"node": "S1"}]),
            format!("{p}.expect.entries[0].index"),
            "missing",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"node": "S1", "index": 0}]),
            format!("{p}.expect.entries[0].index"),
            "too small",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"node": "S1", "index": 1, "comitted": true}]),
            format!("{p}.expect.entries[0].comitted"),
            "did you mean \"committed\"",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"node": "S1", "index": 1, "present": false, "committed": false}]),
            format!("{p}.expect.entries[0].committed"),
            "absent",
        ),
        (
            "/chapters/0/steps/1/expect/entries",
            json!([{"node": "S1", "index": 1, "command": "SET"}]),
            format!("{p}.expect.entries[0].command"),
            "takes a key",
        ),
        (
            "/chapters/0/steps/1/expect/term_leaders",
            json!({"one": "S1"}),
            format!("{p}.expect.term_leaders.one"),
            "not a term",
        ),
        (
            "/chapters/0/steps/1/expect/term_leaders",
            json!({"1": "S8"}),
            format!("{p}.expect.term_leaders.1"),
            "unknown node S8",
        ),
        (
            "/chapters/0/steps/1/expect/term_leaders",
            json!([]),
            format!("{p}.expect.term_leaders"),
            "expected an object, found a list",
        ),
    ];
    for (pointer, value, path, fragment) in cases {
        let doc = with(small(), pointer, value);
        let message = refused(&doc, &path);
        assert!(message.contains(fragment), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// No input makes reading or playing a lesson panic.

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (0u64..70_000).prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "S1",
            "S2",
            "S5",
            "S9",
            "S0",
            "*",
            "leader",
            "follower",
            "all",
            "majority",
            "none",
            "time",
            "all",
            "role",
            "crash",
            "heal",
            "timeout",
            "write",
            "SET x 1",
            "ADD x -2",
            "node:S1",
            "entry:S2:3",
            "messages:heartbeat",
            "heartbeat",
            "client",
            "",
            "**",
            "a-b",
            "Split Vote",
        ])
        .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "until",
                    "node",
                    "role",
                    "term",
                    "max_ms",
                    "ms",
                    "of",
                    "index",
                    "on",
                    "kind",
                    "count",
                    "do",
                    "after_ms",
                    "nodes",
                    "seed",
                    "id",
                    "title",
                    "narration",
                    "entries",
                    "present",
                    "committed",
                    "x",
                ])
                .prop_map(str::to_string),
                inner,
                0..4,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer in a document.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// Reads a lesson and, if it reads, plays every step; returns whether it read.
fn read_and_play(doc: &Value) -> bool {
    match Lesson::from_value(doc) {
        Err(e) => {
            // Every refusal names where.
            assert!(e.path().is_some_and(|p| !p.is_empty()), "{e}");
            false
        }
        Ok(lesson) => {
            let mut run = LessonRun::new(lesson);
            for k in 0..run.len() {
                if let Ok(end) = run.end_of(k) {
                    let end = end.clone();
                    let _ = run.check(k, &end);
                    let _ = run.condition_met(k, &end);
                }
            }
            true
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_reads_without_panicking(text in ".{0,200}") {
        let _ = Lesson::from_json(&text);
    }

    #[test]
    fn any_json_reads_without_panicking(doc in any_json()) {
        let _ = read_and_play(&doc);
        let wrapped = json!({"title": "t", "chapters": [{"id": "c", "title": "c", "steps": [doc]}]});
        let _ = read_and_play(&wrapped);
    }

    #[test]
    fn a_mutated_builtin_lesson_reads_and_plays_without_panicking(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any_json(), any::<bool>()), 1..4)
    ) {
        let mut doc = builtin_json();
        for (index, value, remove) in edits {
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            let pointer = index.get(&all).clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) if remove => { map.remove(key); }
                Some(Value::Array(list)) if remove => {
                    let i: usize = key.parse().unwrap();
                    list.remove(i);
                }
                _ => { *doc.pointer_mut(&pointer).unwrap() = value; }
            }
        }
        let _ = read_and_play(&doc);
    }

    #[test]
    fn mutated_small_lessons_play_frame_by_frame_like_the_runner(
        offset in 0u64..400, frame in 1u64..50_000, wait in any_json()
    ) {
        let doc = with(small(), "/chapters/0/steps/2/actions/0/after_ms", json!(offset));
        let doc = with(doc, "/chapters/0/steps/2/wait", wait);
        let doc = with(doc, "/chapters/0/steps/2/expect", json!({}));
        if let Ok(lesson) = Lesson::from_value(&doc) {
            let mut run = LessonRun::new(lesson);
            if let Ok(end) = run.end_of(2) {
                let want = fingerprint(end);
                let mut playback = run.playback(2).unwrap();
                let mut t = playback.started_at();
                while let Ok(Progress::Running) = playback.advance_to(t) {
                    t += frame;
                }
                prop_assert_eq!(fingerprint(playback.sim()), want);
            }
        }
    }
}

#[test]
fn the_example_in_the_format_docs_is_a_lesson_that_plays() {
    let doc = include_str!("../../docs/lessons.md");
    let start = doc.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("the example ends");
    let lesson = Lesson::from_json(&doc[start..end]).unwrap_or_else(|e| panic!("{e}"));
    let mut run = LessonRun::new(lesson);
    let end_state = run.end_of(0).unwrap().clone();
    assert!(run.played(0).unwrap().ending.met());
    assert_eq!(run.check(0, &end_state), Vec::<String>::new());
}

#[test]
fn lists_longer_than_their_limit_are_refused_with_the_count_and_the_limit() {
    let chapter = small()["chapters"][0].clone();
    let chapters: Vec<Value> = (0..33)
        .map(|i| with(chapter.clone(), "/id", json!(format!("c{i}"))))
        .collect();
    let message = refused(&with(small(), "/chapters", json!(chapters)), "chapters");
    assert!(
        message.ends_with("33 chapters is more than the 32 a lesson may have"),
        "{message}"
    );
    let highlights: Vec<Value> = (0..33).map(|_| json!("node:S1")).collect();
    let message = refused(
        &with(small(), "/chapters/0/steps/1/highlight", json!(highlights)),
        "chapters[0].steps[1].highlight",
    );
    assert!(
        message.ends_with("33 elements is more than the 32 a step may highlight"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// The reader's own guarantees: conditions and actions keep the full path of a mistake inside
// them, with the hints the scenario reader gives.

#[test]
fn an_unknown_field_inside_a_nested_condition_is_named_by_its_full_path() {
    let w = "/chapters/0/steps/1/wait";
    let doc = with(
        small(),
        w,
        json!({"until": "all", "of": [{"until": "logs_agree"}, {"until": "role", "rol": "leader"}]}),
    );
    let message = refused(&doc, "chapters[0].steps[1].wait.of[1].rol");
    assert_eq!(
        message,
        "chapters[0].steps[1].wait.of[1].rol: unknown field (did you mean \"role\"?); a `role` \
         condition has the fields until, node, role"
    );
    let doc = with(
        small(),
        w,
        json!({"until": "all", "of": [{"until": "role", "node": 2, "role": "leader"}]}),
    );
    let message = refused(&doc, "chapters[0].steps[1].wait.of[0].node");
    assert!(message.contains("expected a server name"), "{message}");
    let doc = with(
        small(),
        w,
        json!({"until": "all", "of": [{"role": "leader"}]}),
    );
    let message = refused(&doc, "chapters[0].steps[1].wait.of[0].until");
    assert!(message.contains("say which condition"), "{message}");
}

#[test]
fn an_unknown_condition_names_the_closest_condition() {
    let doc = with(
        small(),
        "/chapters/0/steps/1/wait",
        json!({"until": "quiet", "max_ms": 10}),
    );
    let message = refused(&doc, "chapters[0].steps[1].wait.until");
    assert!(
        message.contains("unknown condition \"quiet\"; the conditions are none, leader_elected"),
        "{message}"
    );
    let doc = with(
        small(),
        "/chapters/0/steps/1/wait",
        json!({"until": "leader_electd"}),
    );
    let message = refused(&doc, "chapters[0].steps[1].wait.until");
    assert!(
        message.contains("(did you mean \"leader_elected\"?)"),
        "{message}"
    );
}

#[test]
fn a_lesson_action_reads_like_a_script_step_timed_by_after_ms() {
    let a = "/chapters/0/steps/2/actions";
    let doc = with(
        small(),
        a,
        json!([{"after_ms": 0, "do": "write", "node": "S1", "command": "SET x 1"},
               {"after_ms": 5, "do": "cut", "from": "S1", "to": "S2", "both": 1}]),
    );
    let message = refused(&doc, "chapters[0].steps[2].actions[1].both");
    assert!(message.contains("expected true or false"), "{message}");
    let doc = with(
        small(),
        a,
        json!([{"after_ms": 0, "do": "crash", "node": "S1", "ms": 5}]),
    );
    let message = refused(&doc, "chapters[0].steps[2].actions[0].ms");
    assert!(
        message.contains("a `crash` step has the fields after_ms, do, node"),
        "{message}"
    );
    let lesson = Lesson::from_value(&with(
        small(),
        a,
        json!([{"do": "write", "node": "S1", "command": "SET x 1"},
               {"after_ms": 7, "do": "heal"}]),
    ))
    .unwrap();
    let actions = &lesson.chapters[0].steps[2].actions;
    assert_eq!(actions[0].after, 0);
    assert_eq!(actions[1].after, 7 * US_PER_MS);
    assert_eq!(actions[1].action.at, 7 * US_PER_MS);
    assert_eq!(actions[1].action.name, "heal");
    assert_eq!(actions[1].action.path, "chapters[0].steps[2].actions[1]");
}
