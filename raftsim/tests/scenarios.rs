//! Scenario files: every example runs as it says it does, every kind of mistake in a file is
//! reported at the right path, and no input whatsoever makes reading or running panic.

use proptest::prelude::*;
use raftsim::scenario::{Outcome, Scenario, ScenarioError};
use raftsim::{EventKind, Role, Sim, Term, US_PER_MS};
use serde_json::{json, Value};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Helpers.

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every example scenario file, as (file stem, text), sorted by name.
fn examples() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(scenarios_dir())
        .expect("raftsim/scenarios exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("readable scenario");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn example(name: &str) -> Scenario {
    let path = scenarios_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(name: &str) -> (Scenario, Sim, Outcome) {
    let scenario = example(name);
    let sim = scenario.run_sim().unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = Outcome::of(&scenario, &sim);
    (scenario, sim, outcome)
}

fn log_terms(sim: &Sim, node: usize) -> Vec<Term> {
    sim.nodes()[node].log.iter().map(|e| e.term).collect()
}

/// The message of a scenario that must be refused, checking that it names `path`.
fn refused(doc: Value, path: &str) -> String {
    let text = doc.to_string();
    match Scenario::from_json(&text) {
        Ok(_) => panic!("accepted, but should fail at {path}: {text}"),
        Err(e) => {
            let message = e.to_string();
            assert_eq!(e.path(), Some(path), "wrong path in `{message}`");
            assert!(
                message.starts_with(&format!("{path}: ")),
                "message should start with the path: {message}"
            );
            message
        }
    }
}

fn assert_contains(message: &str, part: &str) {
    assert!(
        message.contains(part),
        "`{message}` should contain `{part}`"
    );
}

// ---------------------------------------------------------------------------------------------
// Reading: defaults and the shapes the format allows.

#[test]
fn an_empty_object_is_a_fresh_five_server_cluster() {
    let s = Scenario::from_json("{}").unwrap();
    assert_eq!(s.config.nodes, 5);
    assert_eq!(s.config.seed, 1);
    assert_eq!(s.config.election_timeout_min_us, 150 * US_PER_MS);
    assert_eq!(s.config.election_timeout_max_us, 300 * US_PER_MS);
    assert_eq!(s.config.heartbeat_interval_us, 50 * US_PER_MS);
    assert_eq!(s.config.latency_min_us, 10 * US_PER_MS);
    assert_eq!(s.config.latency_max_us, 20 * US_PER_MS);
    assert_eq!(s.initial.len(), 5);
    assert!(s.script.is_empty());
    assert_eq!(s.run_until, 1_000 * US_PER_MS);
    assert!(s.expect.is_none());
}

#[test]
fn log_items_are_terms_or_entries() {
    let s = Scenario::from_json(
        &json!({
            "nodes": 3,
            "initial": [{"node": "S2", "term": 3, "voted_for": "S1",
                         "log": [1, {"term": 2, "command": "ADD y 4"}, {"term": 3}],
                         "election_timeout_ms": 400}]
        })
        .to_string(),
    )
    .unwrap();
    let s2 = &s.initial[1];
    assert_eq!(s2.current_term, 3);
    assert_eq!(s2.voted_for, Some(raftsim::NodeId(1)));
    assert_eq!(s2.election_timeout_us, Some(400 * US_PER_MS));
    let shown: Vec<String> = s2
        .log
        .iter()
        .map(|e| format!("{} {}", e.term, e.command))
        .collect();
    assert_eq!(shown, ["1 SET x 1", "2 ADD y 4", "3 SET x 3"]);
    assert_eq!(s.initial[0], raftsim::NodeSetup::default());
}

#[test]
fn every_action_reads() {
    let s = Scenario::from_json(
        &json!({
            "nodes": 3,
            "script": [
                {"at_ms": 0, "do": "timeout", "node": "S1"},
                {"at_ms": 10, "do": "crash", "node": "S2"},
                {"at_ms": 10, "do": "restart", "node": "S2"},
                {"at_ms": 20, "do": "write", "node": "S1", "command": "SET x 5"},
                {"at_ms": 30, "do": "partition", "groups": [["S1"], ["S2", "S3"]]},
                {"at_ms": 40, "do": "heal"},
                {"at_ms": 50, "do": "cut", "from": "S1", "to": "S2"},
                {"at_ms": 50, "do": "restore", "from": "S1", "to": "S2", "both": false},
                {"at_ms": 60, "do": "drop", "from": "S1", "to": "S2", "nth": 2},
                {"at_ms": 60, "do": "drop", "from": "client", "to": "S3"},
                {"at_ms": 60, "do": "drop", "packet": 12},
                {"at_ms": 70, "do": "loss", "percent": 2.5},
                {"at_ms": 70, "do": "loss", "ppm": 100},
                {"at_ms": 80, "do": "latency", "from": "S1", "to": "S3", "ms": [30, 40]},
                {"at_ms": 90, "do": "pin_timeout", "node": "S3", "ms": 500},
                {"at_ms": 90, "do": "pin_timeout", "node": "S3", "ms": null}
            ],
            "run_ms": 100
        })
        .to_string(),
    )
    .unwrap();
    use raftsim::scenario::StepAction::{Act, DropMatching};
    use raftsim::{Action, Addr, NodeId};
    let actions: Vec<_> = s.script.iter().map(|st| st.action.clone()).collect();
    assert_eq!(actions[0], Act(Action::Timeout { node: NodeId(1) }));
    assert_eq!(
        actions[4],
        Act(Action::Partition {
            groups: vec![vec![NodeId(1)], vec![NodeId(2), NodeId(3)]]
        })
    );
    assert_eq!(
        actions[6],
        Act(Action::Cut {
            from: NodeId(1),
            to: NodeId(2),
            both: true
        })
    );
    assert_eq!(
        actions[7],
        Act(Action::Restore {
            from: NodeId(1),
            to: NodeId(2),
            both: false
        })
    );
    assert_eq!(
        actions[8],
        DropMatching {
            from: Addr::Node(NodeId(1)),
            to: Addr::Node(NodeId(2)),
            nth: Some(2)
        }
    );
    assert_eq!(
        actions[9],
        DropMatching {
            from: Addr::Client,
            to: Addr::Node(NodeId(3)),
            nth: None
        }
    );
    assert_eq!(actions[10], Act(Action::Drop { packet: 12 }));
    assert_eq!(actions[11], Act(Action::Loss { ppm: 25_000 }));
    assert_eq!(actions[12], Act(Action::Loss { ppm: 100 }));
    assert_eq!(
        actions[13],
        Act(Action::LinkLatency {
            from: NodeId(1),
            to: NodeId(3),
            both: true,
            min_us: 30_000,
            max_us: 40_000
        })
    );
    assert_eq!(
        actions[15],
        Act(Action::PinTimeout {
            node: NodeId(3),
            timeout_us: None
        })
    );
    assert_eq!(s.script[3].path, "script[3]");
    assert_eq!(s.script[3].at, 20 * US_PER_MS);
}

#[test]
fn run_ms_defaults_to_a_second_after_the_last_step() {
    let s = Scenario::from_json(r#"{"script": [{"at_ms": 2500, "do": "heal"}]}"#).unwrap();
    assert_eq!(s.run_until, 3_500 * US_PER_MS);
}

// ---------------------------------------------------------------------------------------------
// Mistakes, each reported at its path.

#[test]
fn json_syntax_errors_give_line_and_column() {
    let e = Scenario::from_json("{\n  \"nodes\": 3,\n  \"seed\": }").unwrap_err();
    match &e {
        ScenarioError::Syntax { line, column, .. } => assert_eq!((*line, *column), (3, 11)),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert_contains(&e.to_string(), "line 3, column 11");
    assert!(Scenario::from_json("").is_err());
    assert!(Scenario::from_json("{\"nodes\": 3} trailing").is_err());
}

#[test]
fn the_top_level_must_be_an_object() {
    let e = Scenario::from_json("[1, 2]").unwrap_err();
    assert_contains(&e.to_string(), "expected a scenario");
}

#[test]
fn unknown_fields_are_refused_with_a_suggestion() {
    let m = refused(json!({"nodez": 3}), "nodez");
    assert_contains(&m, "did you mean \"nodes\"?");
    let m = refused(json!({"timing": {"heartbeat": 20}}), "timing.heartbeat");
    assert_contains(&m, "did you mean \"heartbeat_ms\"?");
    refused(
        json!({"initial": [{"node": "S1", "terms": 2}]}),
        "initial[0].terms",
    );
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "crash", "nod": "S1"}]}),
        "script[0].nod",
    );
    assert_contains(&m, "did you mean \"node\"?");
    // A field that belongs to another action is still unknown here.
    refused(
        json!({"script": [{"at_ms": 1, "do": "crash", "node": "S1", "command": "SET x 1"}]}),
        "script[0].command",
    );
    refused(json!({"expect": {"leaders": "S1"}}), "expect.leaders");
}

#[test]
fn node_counts_and_numbers_are_checked() {
    let m = refused(json!({"nodes": 10}), "nodes");
    assert_contains(&m, "10 is too large; the most allowed is 9");
    refused(json!({"nodes": 0}), "nodes");
    let m = refused(json!({"nodes": "five"}), "nodes");
    assert_contains(&m, "found the text \"five\"");
    refused(json!({"nodes": 2.5}), "nodes");
    refused(json!({"seed": -1}), "seed");
    refused(json!({"follow_redirects": "yes"}), "follow_redirects");
    refused(json!({"description": 7}), "description");
}

#[test]
fn timing_ranges_are_checked() {
    let m = refused(
        json!({"timing": {"election_timeout_ms": [300, 150]}}),
        "timing.election_timeout_ms",
    );
    assert_contains(&m, "min 300 is greater than max 150");
    refused(
        json!({"timing": {"election_timeout_ms": [150]}}),
        "timing.election_timeout_ms",
    );
    refused(
        json!({"timing": {"election_timeout_ms": [0, 150]}}),
        "timing.election_timeout_ms[0]",
    );
    let m = refused(
        json!({"timing": {"heartbeat_ms": 200}}),
        "timing.heartbeat_ms",
    );
    assert_contains(&m, "shorter than the smallest election timeout (150 ms)");
    refused(
        json!({"timing": {"election_timeout_ms": [40, 60]}}),
        "timing.election_timeout_ms",
    );
    refused(
        json!({"timing": {"latency_ms": [5, 20000]}}),
        "timing.latency_ms[1]",
    );
    refused(json!({"timing": [1, 2]}), "timing");
}

#[test]
fn starting_states_are_checked() {
    let m = refused(json!({"initial": [{"node": "S7"}]}), "initial[0].node");
    assert_contains(&m, "unknown node S7 (this cluster has S1 to S5)");
    refused(json!({"initial": [{"term": 2}]}), "initial[0].node");
    let m = refused(
        json!({"initial": [{"node": "S1"}, {"node": "s1"}]}),
        "initial[1].node",
    );
    assert_contains(&m, "S1 already has a starting state at initial[0]");
    let m = refused(json!({"initial": [{"node": "X"}]}), "initial[0].node");
    assert_contains(&m, "\"X\" is not a server name");
    refused(
        json!({"initial": [{"node": "S1", "voted_for": "S2"}]}),
        "initial[0].voted_for",
    );
    refused(
        json!({"initial": [{"node": "S1", "term": 1, "voted_for": "S6"}]}),
        "initial[0].voted_for",
    );
    refused(
        json!({"initial": [{"node": "S1", "term": 1, "election_timeout_ms": 0}]}),
        "initial[0].election_timeout_ms",
    );
    refused(json!({"initial": {"node": "S1"}}), "initial");
}

#[test]
fn starting_logs_are_checked() {
    let m = refused(
        json!({"initial": [{"node": "S1", "term": 5, "log": [1, 3, 2]}]}),
        "initial[0].log[2]",
    );
    assert_contains(
        &m,
        "terms in a log never decrease, but term 2 follows term 3",
    );
    let m = refused(
        json!({"initial": [{"node": "S1", "term": 5, "log": [1, {"term": 4}, {"term": 2}]}]}),
        "initial[0].log[2].term",
    );
    assert_contains(&m, "never decrease");
    let m = refused(
        json!({"initial": [{"node": "S1", "term": 2, "log": [1, 3]}]}),
        "initial[0].log[1]",
    );
    assert_contains(&m, "term 3 is newer than this server's current term 2");
    refused(
        json!({"initial": [{"node": "S1", "term": 2, "log": [0]}]}),
        "initial[0].log[0]",
    );
    refused(
        json!({"initial": [{"node": "S1", "term": 2, "log": ["two"]}]}),
        "initial[0].log[0]",
    );
    let m = refused(
        json!({"initial": [{"node": "S1", "term": 2, "log": [{"term": 1, "command": "DEL x"}]}]}),
        "initial[0].log[0].command",
    );
    assert_contains(&m, "unknown command `DEL`");
    refused(
        json!({"initial": [{"node": "S1", "term": 2, "log": [{"command": "SET x 1"}]}]}),
        "initial[0].log[0].term",
    );
}

#[test]
fn starting_logs_must_obey_log_matching() {
    // Same index, same term, different command: not a state Raft can reach.
    let m = refused(
        json!({"initial": [
            {"node": "S1", "term": 2, "log": [1, {"term": 2, "command": "SET y 1"}]},
            {"node": "S2", "term": 2, "log": [1, {"term": 2, "command": "SET y 2"}]}
        ]}),
        "initial[1].log[1]",
    );
    assert_contains(&m, "Log Matching");
    // Same term at index 3 but different histories before it.
    refused(
        json!({"initial": [
            {"node": "S1", "term": 3, "log": [1, 1, 3]},
            {"node": "S2", "term": 3, "log": [1, {"term": 1, "command": "SET z 9"}, 3]}
        ]}),
        "initial[1].log[1]",
    );
    // Diverging after a common prefix is fine: that is Figure 7.
    Scenario::from_json(
        &json!({"initial": [
            {"node": "S1", "term": 3, "log": [1, 1, 3]},
            {"node": "S2", "term": 3, "log": [1, 2, 2, 2]}
        ]})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn script_steps_are_checked() {
    let m = refused(
        json!({"script": [
            {"at_ms": 0, "do": "timeout", "node": "S1"},
            {"at_ms": 5, "do": "timeout", "node": "S2"},
            {"at_ms": 5, "do": "timeout", "node": "S3"},
            {"at_ms": 9, "do": "timeout", "node": "S7"}
        ]}),
        "script[3].node",
    );
    assert_eq!(
        m,
        "script[3].node: unknown node S7 (this cluster has S1 to S5)"
    );
    let m = refused(
        json!({"script": [{"at_ms": 100, "do": "heal"}, {"at_ms": 50, "do": "heal"}]}),
        "script[1].at_ms",
    );
    assert_contains(&m, "50 is earlier than script[0].at_ms 100");
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "timout"}]}),
        "script[0].do",
    );
    assert_contains(&m, "did you mean \"timeout\"?");
    refused(json!({"script": [{"at_ms": 1}]}), "script[0].do");
    refused(json!({"script": [{"at_ms": 1, "do": 3}]}), "script[0].do");
    refused(json!({"script": [{"do": "heal"}]}), "script[0].at_ms");
    refused(
        json!({"script": [{"at_ms": -4, "do": "heal"}]}),
        "script[0].at_ms",
    );
    refused(
        json!({"script": [{"at_ms": 1, "do": "crash"}]}),
        "script[0].node",
    );
    refused(json!({"script": ["crash S1"]}), "script[0]");
    refused(json!({"script": {"at_ms": 1}}), "script");
}

#[test]
fn action_arguments_are_checked() {
    let step = |s: Value| json!({"script": [s]});
    let m = refused(
        step(json!({"at_ms": 1, "do": "write", "node": "S1", "command": "SET x"})),
        "script[0].command",
    );
    assert_contains(&m, "`SET` takes a key and a whole number");
    refused(
        step(json!({"at_ms": 1, "do": "write", "node": "S1"})),
        "script[0].command",
    );
    let m = refused(
        step(json!({"at_ms": 1, "do": "partition", "groups": [["S1", "S2"], ["S2", "S3"]]})),
        "script[0].groups[1][0]",
    );
    assert_contains(&m, "S2 is already in script[0].groups[0]");
    refused(
        step(json!({"at_ms": 1, "do": "partition", "groups": [["S1"], []]})),
        "script[0].groups[1]",
    );
    refused(
        step(json!({"at_ms": 1, "do": "partition", "groups": []})),
        "script[0].groups",
    );
    let m = refused(
        step(json!({"at_ms": 1, "do": "cut", "from": "S2", "to": "S2"})),
        "script[0].to",
    );
    assert_contains(&m, "two different servers");
    refused(
        step(json!({"at_ms": 1, "do": "cut", "from": "S2", "to": "S3", "both": "yes"})),
        "script[0].both",
    );
    refused(
        step(json!({"at_ms": 1, "do": "loss", "percent": 101})),
        "script[0].percent",
    );
    refused(
        step(json!({"at_ms": 1, "do": "loss", "percent": 1, "ppm": 10})),
        "script[0].ppm",
    );
    refused(step(json!({"at_ms": 1, "do": "loss"})), "script[0].percent");
    refused(
        step(json!({"at_ms": 1, "do": "drop", "packet": 3, "from": "S1"})),
        "script[0].from",
    );
    refused(
        step(json!({"at_ms": 1, "do": "drop", "from": "S1", "to": "S2", "nth": 0})),
        "script[0].nth",
    );
    refused(
        step(json!({"at_ms": 1, "do": "drop", "from": "client"})),
        "script[0].to",
    );
    refused(
        step(json!({"at_ms": 1, "do": "latency", "from": "S1", "to": "S2", "ms": [9, 3]})),
        "script[0].ms",
    );
    refused(
        step(json!({"at_ms": 1, "do": "pin_timeout", "node": "S1", "ms": 0})),
        "script[0].ms",
    );
}

#[test]
fn run_ms_is_checked() {
    let m = refused(
        json!({"script": [{"at_ms": 800, "do": "heal"}], "run_ms": 500}),
        "run_ms",
    );
    assert_contains(&m, "500 is earlier than script[0].at_ms 800");
    refused(json!({"run_ms": 7_200_001}), "run_ms");
}

#[test]
fn expectations_are_checked() {
    refused(json!({"expect": {"leader": "S6"}}), "expect.leader");
    refused(
        json!({"expect": {"nodes": {"S9": {"role": "leader"}}}}),
        "expect.nodes.S9",
    );
    refused(
        json!({"expect": {"nodes": {"S1": {"role": "king"}}}}),
        "expect.nodes.S1.role",
    );
    refused(
        json!({"expect": {"nodes": {"S1": {"log": [1, "x"]}}}}),
        "expect.nodes.S1.log[1]",
    );
    refused(
        json!({"expect": {"nodes": {"S1": {"state": {"x": "five"}}}}}),
        "expect.nodes.S1.state.x",
    );
    refused(json!({"expect": {"writes": ["done"]}}), "expect.writes[0]");
}

/// The JSON examples in docs/scenarios.md: whole scenarios, or fragments of one (a top-level
/// field, or script steps). Each must read; the output sample is skipped.
#[test]
fn the_examples_in_the_docs_are_valid() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/scenarios.md"),
    )
    .expect("docs/scenarios.md exists");
    let blocks: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 5, "found {} JSON blocks", blocks.len());
    for block in blocks {
        if block.contains("\"events\"") {
            continue; // the output of `raftsim run`, not a scenario
        }
        let trimmed = block.trim().trim_end_matches(',');
        let candidates = [
            trimmed.to_string(),
            format!("{{{trimmed}}}"),
            format!("{{\"script\": [{trimmed}]}}"),
        ];
        let read = candidates
            .iter()
            .find(|c| serde_json::from_str::<Value>(c).is_ok())
            .unwrap_or_else(|| panic!("not JSON in any reading:\n{block}"));
        if let Err(e) = Scenario::from_json(read) {
            panic!("{e}\n{block}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Steps the simulation refuses when their time comes.

#[test]
fn a_refused_step_is_an_error_naming_the_step() {
    let s = Scenario::from_json(
        r#"{"nodes": 3, "script": [{"at_ms": 0, "do": "heal"},
                                   {"at_ms": 100, "do": "restart", "node": "S2"}]}"#,
    )
    .unwrap();
    let e = s.run().unwrap_err();
    assert!(matches!(e, ScenarioError::Step { .. }), "{e:?}");
    assert_eq!(e.path(), Some("script[1]"));
    assert_contains(
        &e.to_string(),
        "script[1]: at 100 ms, `restart` could not be done",
    );
    assert_contains(&e.to_string(), "S2 is not crashed");
}

#[test]
fn dropping_a_packet_that_is_not_there_is_an_error() {
    let s = Scenario::from_json(
        r#"{"nodes": 3, "script": [{"at_ms": 0, "do": "drop", "from": "S1", "to": "S2"}]}"#,
    )
    .unwrap();
    let e = s.run().unwrap_err();
    assert_eq!(e.path(), Some("script[0]"));
    assert_contains(&e.to_string(), "found no packet in flight from S1 to S2");
}

#[test]
fn drop_loses_the_packets_it_names() {
    // S1 times out at 0 and sends RequestVote to S2 and S3; drop the one to S2.
    let s = Scenario::from_json(
        r#"{"nodes": 3, "script": [{"at_ms": 0, "do": "timeout", "node": "S1"},
                                   {"at_ms": 1, "do": "drop", "from": "S1", "to": "S2"}],
            "run_ms": 5}"#,
    )
    .unwrap();
    let sim = s.run_sim().unwrap();
    let dropped: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageDropped { .. }))
        .collect();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
}

// ---------------------------------------------------------------------------------------------
// The example scenarios.

#[test]
fn every_example_runs_clean_and_meets_its_expectations() {
    let files = examples();
    assert!(
        files.len() >= 9,
        "expected the example scenarios, found {files:?}"
    );
    for (name, text) in files {
        let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            scenario.description.is_some(),
            "{name}: every example says what it shows"
        );
        assert!(
            scenario.expect.is_some(),
            "{name}: every example has an expect block"
        );
        let outcome = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
        if !scenario.config.broken_rules.is_empty() {
            // A rule broken on purpose: the run must end in a violation the checker names, and
            // the `expect` block says what Raft does with the rule intact (tests/lab.rs).
            assert!(
                !outcome.invariants.ok,
                "{name}: breaking a rule broke nothing"
            );
            continue;
        }
        assert!(
            outcome.invariants.ok,
            "{name}: {:#?}",
            outcome.invariants.violations
        );
        let expect = outcome.expect.as_ref().unwrap();
        assert!(expect.ok, "{name}: {:#?}", expect.failures);
        // Same file, same world: a run is a function of its input.
        let again = scenario.run().unwrap();
        assert_eq!(
            outcome.trace_text(),
            again.trace_text(),
            "{name} is not deterministic"
        );
    }
}

const FIGURE7_LEADER: [Term; 10] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];

/// The Figure 7 scenarios: S1 is the would-be leader, S2 the follower of case (x), S3 holds the
/// leader's log. The leader wins term 8, a client write lands at index 11 in term 8, and every
/// log ends up the leader's.
fn check_figure7(case: char, follower_before: &[Term], truncates: bool) {
    let name = format!("figure7-{case}");
    let (scenario, sim, _) = run(&name);
    assert_eq!(
        scenario.initial[1]
            .log
            .iter()
            .map(|e| e.term)
            .collect::<Vec<_>>(),
        follower_before,
        "{name}: the follower starts as in the paper"
    );
    assert_eq!(sim.leader(), Some(raftsim::NodeId(1)), "{name}");
    assert_eq!(sim.nodes()[0].current_term, 8, "{name}");
    let mut want = FIGURE7_LEADER.to_vec();
    want.push(8);
    for n in 0..3 {
        assert_eq!(log_terms(&sim, n), want, "{name}: S{}'s log", n + 1);
        assert_eq!(sim.nodes()[n].commit_index, 11, "{name}: S{} commit", n + 1);
    }
    let truncated = sim.trace().iter().any(|e| {
        e.node == Some(raftsim::NodeId(2)) && matches!(e.kind, EventKind::EntriesTruncated { .. })
    });
    assert_eq!(
        truncated, truncates,
        "{name}: whether S2 dropped extraneous entries"
    );
    let backed_off = sim
        .trace()
        .iter()
        .any(|e| matches!(e.kind, EventKind::NextIndexBackedOff { .. }));
    let missing_or_conflicting =
        follower_before.len() < 10 || follower_before[..10] != FIGURE7_LEADER;
    assert_eq!(
        backed_off, missing_or_conflicting,
        "{name}: the leader backs off nextIndex exactly when the follower lacks or conflicts with its entries"
    );
}

#[test]
fn figure7_a_is_missing_one_entry() {
    check_figure7('a', &[1, 1, 1, 4, 4, 5, 5, 6, 6], false);
}

#[test]
fn figure7_b_is_missing_many_entries() {
    check_figure7('b', &[1, 1, 1, 4], false);
}

#[test]
fn figure7_c_has_one_extra_entry() {
    check_figure7('c', &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], true);
}

#[test]
fn figure7_d_has_extra_entries_from_term_7() {
    check_figure7('d', &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], true);
}

#[test]
fn figure7_e_is_missing_and_conflicting() {
    check_figure7('e', &[1, 1, 1, 4, 4, 4, 4], true);
}

#[test]
fn figure7_f_has_entries_from_terms_2_and_3() {
    check_figure7('f', &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], true);
}

#[test]
fn figure7_all_at_once_brings_six_followers_into_line() {
    let (_, sim, _) = run("figure7");
    assert_eq!(sim.leader(), Some(raftsim::NodeId(1)));
    let mut want = FIGURE7_LEADER.to_vec();
    want.push(8);
    for n in 0..7 {
        assert_eq!(log_terms(&sim, n), want, "S{}'s log", n + 1);
    }
    // (c) and (d), at S4 and S5, refused their votes: their logs were more up to date.
    let refusals: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::VoteDenied { .. }))
        .filter_map(|e| e.node)
        .collect();
    assert_eq!(refusals, [raftsim::NodeId(4), raftsim::NodeId(5)]);
}

/// Runs a scenario's script up to `until_ms` and stops there.
fn run_until(scenario: &Scenario, until_ms: u64) -> Sim {
    let until = until_ms * US_PER_MS;
    let mut sim = scenario.build().unwrap();
    for step in scenario.script.iter().take_while(|s| s.at <= until) {
        sim.advance_to(step.at);
        raftsim::scenario::apply_step(&mut sim, step).unwrap();
    }
    sim.advance_to(until);
    sim
}

#[test]
fn figure8_an_old_term_entry_on_a_majority_is_not_committed_and_is_overwritten() {
    let scenario = example("figure8");
    // (c): S1 leads term 4 and has copied its term-2 entry to S2, S3 and S4.
    let mid = run_until(&scenario, 650);
    assert_eq!(mid.leader(), Some(raftsim::NodeId(1)));
    assert_eq!(mid.nodes()[0].current_term, 4);
    for n in 0..4 {
        assert_eq!(
            log_terms(&mid, n),
            [1, 2],
            "S{} holds the term-2 entry",
            n + 1
        );
        assert_eq!(
            mid.nodes()[n].commit_index,
            0,
            "S{} has committed nothing",
            n + 1
        );
    }
    assert_eq!(log_terms(&mid, 4), [1, 3]);
    // (d): S5 wins term 5 and its term-3 entry replaces the term-2 one everywhere.
    let (_, sim, _) = run("figure8");
    assert_eq!(sim.leader(), Some(raftsim::NodeId(5)));
    for n in 0..5 {
        assert_eq!(log_terms(&sim, n), [1, 3, 5], "S{}'s log", n + 1);
        assert_eq!(sim.nodes()[n].commit_index, 3);
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn split_vote_has_two_candidates_in_one_term_then_a_leader_later() {
    let (_, sim, _) = run("split-vote");
    // Who became candidate in which term, and who became leader in which term.
    let mut candidates: std::collections::BTreeMap<Term, Vec<raftsim::NodeId>> = Default::default();
    let mut leaders: Vec<(Term, raftsim::NodeId)> = Vec::new();
    for e in sim.trace().iter() {
        if let EventKind::RoleChanged { to, term, .. } = e.kind {
            let node = e.node.expect("role changes happen on a server");
            match to {
                Role::Candidate => candidates.entry(term).or_default().push(node),
                Role::Leader => leaders.push((term, node)),
                Role::Follower => {}
            }
        }
    }
    let split_term = 1;
    assert_eq!(
        candidates.get(&split_term).map(Vec::len),
        Some(2),
        "two candidates in term 1: {candidates:?}"
    );
    assert!(
        leaders.iter().all(|(t, _)| *t > split_term),
        "nobody wins the split term: {leaders:?}"
    );
    assert_eq!(leaders.len(), 1, "then one leader: {leaders:?}");
    assert!(sim.violations().is_empty());
}

#[test]
fn partitioned_leader_rejoins_and_loses_its_uncommitted_entry() {
    let (_, sim, outcome) = run("partitioned-leader");
    let n = sim.nodes();
    // The old leader S1 stepped down and has the new leader's log.
    assert_eq!(n[0].role, Role::Follower);
    let new_leader = sim.leader().expect("a leader at the end");
    assert_ne!(new_leader, raftsim::NodeId(1));
    for node in n {
        assert_eq!(node.log, n[0].log, "{} agrees with S1", node.id);
        assert!(
            node.log.iter().all(|e| e.command.to_string() != "SET x 2"),
            "the write to the isolated leader is gone from {}",
            node.id
        );
    }
    let outcomes: Vec<_> = outcome.clients.iter().map(|c| c.outcome).collect();
    use raftsim::scenario::WriteOutcome::{Committed, Pending};
    assert_eq!(outcomes, [Committed, Pending, Committed]);
    let truncated: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::EntriesTruncated { .. }))
        .filter_map(|e| e.node)
        .collect();
    assert!(truncated.contains(&raftsim::NodeId(1)), "{truncated:?}");
    assert!(truncated.contains(&raftsim::NodeId(2)), "{truncated:?}");
}

// ---------------------------------------------------------------------------------------------
// Nothing panics.

/// Reads, and if the text is a scenario runs it briefly; asserts only that nothing panics and
/// that errors say something.
fn read_and_run(text: &str) {
    match Scenario::from_json(text) {
        Ok(mut s) => {
            let cap = 1_500 * US_PER_MS;
            s.run_until = s.run_until.min(cap);
            s.script.retain(|step| step.at <= cap);
            match s.run() {
                Ok(outcome) => {
                    let _ = outcome.trace_text();
                    serde_json::to_string(&outcome).expect("an outcome always prints");
                }
                Err(e) => assert!(e.path().is_some_and(|p| p.starts_with("script["))),
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Values a mutation may put into a document: the interesting ones for this format.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0u64..12).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "S1",
            "S2",
            "S3",
            "S0",
            "S9",
            "s10",
            "client",
            "",
            "SET x 1",
            "ADD y -3",
            "SET",
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
            "leader",
            "follower",
            "committed",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "nodes",
            "seed",
            "timing",
            "initial",
            "script",
            "run_ms",
            "expect",
            "description",
            "follow_redirects",
            "election_timeout_ms",
            "heartbeat_ms",
            "latency_ms",
            "node",
            "term",
            "voted_for",
            "log",
            "command",
            "at_ms",
            "do",
            "groups",
            "from",
            "to",
            "both",
            "nth",
            "packet",
            "percent",
            "ppm",
            "ms",
            "leader",
            "logs_agree",
            "writes",
            "role",
            "state",
            "commit_index",
            "crashed",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ]
}

/// Number of values in a document, counting every nested one.
fn size(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(size).sum(),
        Value::Object(map) => map.values().map(size).sum(),
        _ => 0,
    }
}

/// The `n`th value of a document in pre-order.
fn nth_mut<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Array(items) => items.iter_mut().find_map(|c| nth_mut(c, n)),
        Value::Object(map) => map.values_mut().find_map(|c| nth_mut(c, n)),
        _ => None,
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize, usize),
    Insert(usize, String, Value),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any_value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(at, i)| Mutation::Remove(at, i)),
        (any::<usize>(), field_name(), any_value())
            .prop_map(|(at, k, v)| Mutation::Insert(at, k, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(at, i)| Mutation::Duplicate(at, i)),
    ]
}

fn mutate(doc: &mut Value, m: &Mutation) {
    let count = size(doc);
    let pick = |at: usize| at % count;
    match m {
        Mutation::Replace(at, v) => {
            if let Some(slot) = nth_mut(doc, &mut pick(*at)) {
                *slot = v.clone();
            }
        }
        Mutation::Remove(at, i) => match nth_mut(doc, &mut pick(*at)) {
            Some(Value::Array(items)) if !items.is_empty() => {
                items.remove(i % items.len());
            }
            Some(Value::Object(map)) if !map.is_empty() => {
                let key = map.keys().nth(i % map.len()).cloned().unwrap();
                map.remove(&key);
            }
            _ => {}
        },
        Mutation::Insert(at, key, v) => match nth_mut(doc, &mut pick(*at)) {
            Some(Value::Object(map)) => {
                map.insert(key.clone(), v.clone());
            }
            Some(Value::Array(items)) => items.push(v.clone()),
            _ => {}
        },
        Mutation::Duplicate(at, i) => {
            if let Some(Value::Array(items)) = nth_mut(doc, &mut pick(*at)) {
                if !items.is_empty() {
                    let copy = items[i % items.len()].clone();
                    items.push(copy);
                }
            }
        }
    }
}

fn node_name(n: u8) -> Value {
    Value::from(format!("S{n}"))
}

/// A scenario of the right shape with a random script; many are valid, some are refused when a
/// step's time comes (restarting a live server, say), none may panic.
fn shaped_scenario() -> impl Strategy<Value = Value> {
    (
        1u8..=9,
        any::<u64>(),
        1u64..200,
        0u64..150,
        0u64..40,
        0u64..40,
    )
        .prop_flat_map(|(nodes, seed, emin, espan, lmin, lspan)| {
            let node = (1..=nodes).prop_map(node_name);
            let step = (
                0u64..1_200,
                0usize..12,
                node.clone(),
                node.clone(),
                any::<bool>(),
                0u64..60,
                -5i64..5,
                prop::collection::vec(1..=nodes, 0..=nodes as usize),
            )
                .prop_map(move |(at, kind, a, b, both, n, v, members)| {
                    let mut s = match kind {
                        0 => json!({"do": "timeout", "node": a}),
                        1 => json!({"do": "crash", "node": a}),
                        2 => json!({"do": "restart", "node": a}),
                        3 => json!({"do": "write", "node": a, "command": format!("ADD x {v}")}),
                        4 => {
                            let mut seen = Vec::new();
                            let group: Vec<Value> = members
                                .into_iter()
                                .filter(|m| {
                                    let new = !seen.contains(m);
                                    seen.push(*m);
                                    new
                                })
                                .map(node_name)
                                .collect();
                            json!({"do": "partition", "groups": [group]})
                        }
                        5 => json!({"do": "heal"}),
                        6 => json!({"do": "cut", "from": a, "to": b, "both": both}),
                        7 => json!({"do": "restore", "from": a, "to": b, "both": both}),
                        8 => json!({"do": "drop", "from": a, "to": b, "nth": 1 + n % 3}),
                        9 => json!({"do": "loss", "percent": n}),
                        10 => json!({"do": "latency", "from": a, "to": b, "ms": [n, n + 5]}),
                        _ => json!({"do": "pin_timeout", "node": a, "ms": 100 + n}),
                    };
                    s["at_ms"] = Value::from(at);
                    s
                });
            let initial = (
                node.clone(),
                0u64..6,
                prop::collection::vec(1u64..6, 0..8),
                prop::option::of(node),
            )
                .prop_map(|(id, extra, mut log, voted)| {
                    log.sort_unstable();
                    // Mostly valid: the term covers the log, and only a server past term 0
                    // has voted.
                    let term = log.last().copied().unwrap_or(0) + extra;
                    let voted = if term == 0 {
                        Value::Null
                    } else {
                        voted.unwrap_or(Value::Null)
                    };
                    json!({"node": id, "term": term, "log": log, "voted_for": voted})
                });
            (
                prop::collection::vec(step, 0..12),
                prop::collection::vec(initial, 0..3),
            )
                .prop_map(move |(mut script, initial)| {
                    script.sort_by_key(|s| s["at_ms"].as_u64());
                    json!({
                        "nodes": nodes,
                        "seed": seed,
                        "timing": {
                            "election_timeout_ms": [emin, emin + espan],
                            "heartbeat_ms": (emin / 3).max(1),
                            "latency_ms": [lmin, lmin + lspan]
                        },
                        "initial": initial,
                        "script": script,
                        "run_ms": 1_300
                    })
                })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        read_and_run(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(doc in any_value()) {
        read_and_run(&doc.to_string());
    }

    #[test]
    fn mutated_examples_never_panic(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
        cut in any::<usize>(),
    ) {
        let files = examples();
        let (_, text) = &files[which % files.len()];
        let mut doc: Value = serde_json::from_str(text).unwrap();
        for m in &mutations {
            mutate(&mut doc, m);
        }
        let printed = doc.to_string();
        read_and_run(&printed);
        // And the same document cut short, as a half-saved file would be.
        let mut end = cut % (printed.len() + 1);
        while !printed.is_char_boundary(end) {
            end -= 1;
        }
        read_and_run(&printed[..end]);
    }

    #[test]
    fn shaped_scenarios_with_random_scripts_never_panic(doc in shaped_scenario()) {
        read_and_run(&doc.to_string());
    }
}

// ---------------------------------------------------------------------------------------------
// The reader's own guarantees: names and fields of actions come from one place, and every
// mistake keeps its full path.

#[test]
fn an_unknown_action_names_the_closest_action_and_lists_them_all() {
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "pin-timeout", "node": "S1"}]}),
        "script[0].do",
    );
    assert_contains(
        &m,
        "unknown action \"pin-timeout\" (did you mean \"pin_timeout\"?)",
    );
    assert_contains(
        &m,
        "the actions are timeout, crash, restart, write, retry, partition, heal, cut, restore, drop, \
         loss, duplicate, latency, pin_timeout",
    );
    let m = refused(json!({"script": [{"at_ms": 1}]}), "script[0].do");
    assert_contains(&m, "missing: say which action, one of timeout, crash");
    let m = refused(json!({"script": [{"at_ms": 1, "do": 3}]}), "script[0].do");
    assert_contains(&m, "expected an action name");
}

#[test]
fn an_unknown_field_of_an_action_lists_that_actions_fields() {
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "heal", "node": "S1"}]}),
        "script[0].node",
    );
    assert_eq!(
        m,
        "script[0].node: unknown field; a `heal` step has the fields at_ms, do"
    );
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "cut", "from": "S1", "to": "S2", "bth": true}]}),
        "script[0].bth",
    );
    assert_contains(&m, "(did you mean \"both\"?)");
    assert_contains(&m, "a `cut` step has the fields at_ms, do, from, to, both");
}

#[test]
fn a_wrong_value_inside_an_action_is_named_by_its_own_path() {
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "cut", "from": "S1", "to": "S2", "both": "yes"}]}),
        "script[0].both",
    );
    assert_eq!(
        m,
        "script[0].both: expected true or false, found the text \"yes\""
    );
    let m = refused(
        json!({"script": [{"at_ms": 1, "do": "partition", "groups": [["S1", 3]]}]}),
        "script[0].groups[0][1]",
    );
    assert_contains(&m, "expected a server name like \"S1\", found the number 3");
    refused(
        json!({"script": [{"at_ms": 1, "do": "pin_timeout", "node": "S1"}]}),
        "script[0].ms",
    );
    refused(
        json!({"script": [{"at_ms": 1, "do": "latency", "from": "S1", "to": "S2", "ms": [1, 2, 3]}]}),
        "script[0].ms",
    );
}

#[test]
fn an_object_is_never_read_from_a_list() {
    let m = refused(json!({"initial": [["S1", 2]]}), "initial[0]");
    assert_contains(
        &m,
        "expected a server's starting state (a JSON object {…}), found a list",
    );
    let m = refused(json!({"expect": [null, true]}), "expect");
    assert_contains(&m, "found a list");
}

#[test]
fn null_is_refused_unless_the_field_says_what_it_means() {
    let m = refused(json!({"nodes": null}), "nodes");
    assert_contains(&m, "expected a whole number, found null");
    refused(json!({"description": null}), "description");
    refused(
        json!({"script": [{"at_ms": null, "do": "heal"}]}),
        "script[0].at_ms",
    );
    // Where null has a meaning, it is read as that meaning.
    let s = Scenario::from_json(
        &json!({
            "initial": [{"node": "S1", "term": 1, "voted_for": null}],
            "script": [{"at_ms": 1, "do": "pin_timeout", "node": "S1", "ms": null}],
            "expect": {"leader": null, "nodes": {"S1": {"voted_for": null}}}
        })
        .to_string(),
    )
    .unwrap();
    let expect = s.expect.unwrap();
    assert_eq!(expect.leader, Some(None));
    assert_eq!(expect.nodes[0].1.voted_for, Some(None));
}

#[test]
fn write_outcomes_are_named_by_their_serde_names() {
    use raftsim::scenario::WriteOutcome;
    for (outcome, word) in [
        (WriteOutcome::Committed, "committed"),
        (WriteOutcome::Pending, "pending"),
        (WriteOutcome::Redirected, "redirected"),
    ] {
        assert_eq!(outcome.to_string(), word);
        assert_eq!(serde_json::to_value(outcome).unwrap(), json!(word));
    }
}

#[test]
fn values_nested_deeper_than_any_file_needs_are_refused_before_reading() {
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let path = format!("description{}", "[0]".repeat(32));
    let m = refused(json!({ "description": deep }), &path);
    assert_contains(&m, "nest more than 32 levels deep");
}

#[test]
fn the_client_retry_time_and_retry_steps_are_checked_with_their_paths() {
    let m = refused(
        json!({"timing": {"client_retry_ms": 0}}),
        "timing.client_retry_ms",
    );
    assert_contains(&m, "0 is too small; the least allowed is 1");
    let s = Scenario::from_json(r#"{"timing": {"client_retry_ms": 2500}}"#).unwrap();
    assert_eq!(s.config.client_retry_us, 2_500 * US_PER_MS);
    assert_eq!(
        Scenario::from_json(&s.to_json()).unwrap(),
        s,
        "written back"
    );
    let m = refused(
        json!({"script": [{"at_ms": 0, "do": "retry", "write": 0, "node": "S1"}]}),
        "script[0].write",
    );
    assert_contains(&m, "the least allowed is 1");
    refused(
        json!({"script": [{"at_ms": 0, "do": "retry", "write": 1, "node": "S9"}]}),
        "script[0].node",
    );
    let run = |script: Value| {
        Scenario::from_json(&json!({"nodes": 3, "script": script}).to_string())
            .unwrap()
            .run()
            .unwrap_err()
            .to_string()
    };
    let unknown = run(json!([{"at_ms": 0, "do": "retry", "write": 2, "node": "S1"}]));
    assert_contains(
        &unknown,
        "script[0]: at 0 ms, `retry` could not be done: unknown write #2",
    );
    let answered = run(json!([
        {"at_ms": 0, "do": "timeout", "node": "S1"},
        {"at_ms": 100, "do": "write", "node": "S1", "command": "SET x 1"},
        {"at_ms": 200, "do": "retry", "write": 1, "node": "S1"}
    ]));
    assert_contains(&answered, "script[2]: at 200 ms, `retry` could not be done: write #1 was already answered: committed at index 1");
    let crashed = run(json!([
        {"at_ms": 0, "do": "write", "node": "S1", "command": "SET x 1"},
        {"at_ms": 1, "do": "crash", "node": "S2"},
        {"at_ms": 2, "do": "retry", "write": 1, "node": "S2"}
    ]));
    assert_contains(&crashed, "S2 is crashed");
}
