//! Writing scenarios back to their file format: whatever is written reads back as the same
//! scenario, a saved run replays to the same world, and instants between milliseconds are
//! written to the microsecond.

mod common;

use common::*;
use proptest::prelude::*;
use raftsim::history::{fresh, History};
use raftsim::scenario::{action_name, Scenario, StepAction};
use raftsim::{Action, Config, NodeId, US_PER_MS};
use std::path::PathBuf;

fn examples() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<(String, Scenario)> = std::fs::read_dir(dir)
        .expect("raftsim/scenarios exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, scenario)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 10, "the examples are there");
    out
}

fn assert_round_trip(what: &str, s: &Scenario) {
    let pretty = s.to_json();
    let back = Scenario::from_json(&pretty).unwrap_or_else(|e| panic!("{what}: {e}\n{pretty}"));
    assert_eq!(
        &back, s,
        "{what}: the indented form reads back the same\n{pretty}"
    );
    let compact = s.to_compact_json();
    let back = Scenario::from_json(&compact).unwrap_or_else(|e| panic!("{what}: {e}\n{compact}"));
    assert_eq!(
        &back, s,
        "{what}: the compact form reads back the same\n{compact}"
    );
}

#[test]
fn every_example_reads_back_as_itself() {
    for (name, s) in examples() {
        assert_round_trip(&name, &s);
        assert!(
            s.expect.is_some(),
            "{name} has an expect block, written too"
        );
    }
}

#[test]
fn the_indented_form_spells_out_the_settings_and_the_compact_form_leaves_defaults_out() {
    let s = Scenario::from_json(
        r#"{"script": [{"at_ms": 10, "do": "cut", "from": "S1", "to": "S2"}]}"#,
    )
    .unwrap();
    let pretty = s.to_json();
    for field in [
        "\"nodes\": 5",
        "\"seed\": 1",
        "\"heartbeat_ms\": 50",
        "\"both\": true",
        "\"run_ms\": 1010",
    ] {
        assert!(pretty.contains(field), "{field} in\n{pretty}");
    }
    assert!(
        pretty.contains("\n  \"nodes\""),
        "two-space indent:\n{pretty}"
    );
    assert_eq!(
        s.to_compact_json(),
        r#"{"script":[{"at_ms":10,"do":"cut","from":"S1","to":"S2"}]}"#
    );
    assert_eq!(Scenario::from_json("{}").unwrap().to_compact_json(), "{}");
}

#[test]
fn every_action_and_expectation_reads_back() {
    let text = r#"{
      "description": "all of it",
      "nodes": 4, "seed": 9, "follow_redirects": false,
      "timing": {"election_timeout_ms": [200, 400], "heartbeat_ms": 40, "latency_ms": [5, 9]},
      "initial": [
        {"node": "S2", "term": 3, "voted_for": "S1", "log": [1, {"term": 2, "command": "ADD y 4"}, 3],
         "election_timeout_ms": 250},
        {"node": "S4", "term": 1}
      ],
      "script": [
        {"at_ms": 0, "do": "timeout", "node": "S1"},
        {"at_ms": 5, "do": "drop", "from": "client", "to": "S1", "nth": 2},
        {"at_ms": 5, "do": "drop", "from": "S1", "to": "S2"},
        {"at_ms": 6, "do": "drop", "packet": 3},
        {"at_ms": 7, "do": "loss", "percent": 2.5},
        {"at_ms": 8, "do": "latency", "from": "S1", "to": "S3", "ms": [1, 2], "both": false},
        {"at_ms": 9, "do": "pin_timeout", "node": "S3", "ms": null},
        {"at_ms": 9, "do": "pin_timeout", "node": "S3", "ms": 700},
        {"at_ms": 10, "do": "partition", "groups": [["S1"], ["S2", "S3"]]},
        {"at_ms": 11, "do": "heal"},
        {"at_ms": 12, "do": "cut", "from": "S1", "to": "S2", "both": false},
        {"at_ms": 13, "do": "restore", "from": "S1", "to": "S2"},
        {"at_ms": 14, "do": "crash", "node": "S4"},
        {"at_ms": 15, "do": "restart", "node": "S4"},
        {"at_ms": 16.25, "do": "write", "node": "S1", "command": "SET x 5"}
      ],
      "run_ms": 3000,
      "expect": {
        "leader": null, "logs_agree": true, "writes": ["committed", "pending"],
        "nodes": {"S1": {"role": "leader", "term": 2, "voted_for": null,
                         "log": [1, {"term": 2, "command": "SET x 5"}], "commit_index": 2,
                         "state": {"x": 5}, "crashed": false},
                  "S3": {"voted_for": "S1"}}
      }
    }"#;
    let s = Scenario::from_json(text).unwrap();
    assert_eq!(s.script[14].at, 16_250);
    assert_round_trip("all of it", &s);
    // A step's name is the file's name for its action, whichever way the step was made.
    for step in &s.script {
        if let StepAction::Act(action) = &step.action {
            assert_eq!(action_name(action), step.name, "{}", step.path);
        }
    }
    let loss = Action::Loss { ppm: 7 };
    assert_eq!(action_name(&loss), "loss");
    assert_eq!(action_name(&Action::Heal), "heal");
}

#[test]
fn instants_between_milliseconds_are_read_to_the_microsecond() {
    let at = |v: &str| {
        Scenario::from_json(&format!(
            r#"{{"script": [{{"at_ms": {v}, "do": "heal"}}]}}"#
        ))
        .map(|s| s.script[0].at)
        .map_err(|e| e.to_string())
    };
    assert_eq!(at("1520.5"), Ok(1_520_500));
    assert_eq!(at("0.001"), Ok(1));
    assert_eq!(at("3.0"), Ok(3_000));
    assert_eq!(
        at("1.0005"),
        Err(
            "script[0].at_ms: 1.0005 is finer than a microsecond; give at most three decimals \
             of a millisecond"
                .to_string()
        )
    );
    assert_eq!(
        at("-1"),
        Err("script[0].at_ms: -1 is too small; the least allowed is 0".to_string())
    );
    assert_eq!(
        at("7200000.5"),
        Err("script[0].at_ms: 7200000.5 is too large; the most allowed is 7200000".to_string())
    );
    let late =
        Scenario::from_json(r#"{"script": [{"at_ms": 20.5, "do": "heal"}], "run_ms": 20.25}"#);
    assert_eq!(
        late.unwrap_err().to_string(),
        "run_ms: 20.25 is earlier than script[0].at_ms 20.5; the run must last until the \
         script's last step"
    );
    let order = Scenario::from_json(
        r#"{"script": [{"at_ms": 20.5, "do": "heal"}, {"at_ms": 20.25, "do": "heal"}]}"#,
    );
    assert!(order
        .unwrap_err()
        .to_string()
        .starts_with("script[1].at_ms: 20.25 is earlier than script[0].at_ms 20.5"));
    // Durations stay whole milliseconds.
    let pin = Scenario::from_json(
        r#"{"script": [{"at_ms": 1, "do": "pin_timeout", "node": "S1", "ms": 2.5}]}"#,
    );
    assert!(pin.is_err());
}

#[test]
fn a_run_acted_between_milliseconds_saves_and_replays_exactly() {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    h.play(&mut place, 1_520_500).unwrap();
    h.act(&mut place, Action::Timeout { node: NodeId(2) })
        .unwrap();
    h.play(&mut place, 2_000_123).unwrap();
    let s = h.to_scenario();
    let text = s.to_json();
    assert!(text.contains("\"at_ms\": 1520.5"), "{text}");
    assert!(text.contains("\"run_ms\": 2000.123"), "{text}");
    assert_round_trip("acted at 1520.5 ms", &s);
    let again = Scenario::from_json(&text).unwrap().run_sim().unwrap();
    assert_eq!(again.trace_hash(), place.sim.trace_hash());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_runs_read_back_and_replay(
        seed in 0u64..1_000,
        nodes in 1usize..=5,
        ops in prop::collection::vec((0u64..400_000, any::<u8>(), any::<u8>()), 0..12),
    ) {
        let (h, place) = acted_run(seed, nodes, &ops);
        let s = h.to_scenario();
        let pretty = Scenario::from_json(&s.to_json()).expect("the saved run reads");
        prop_assert_eq!(&pretty, &s);
        let compact = Scenario::from_json(&s.to_compact_json()).expect("the compact run reads");
        prop_assert_eq!(&compact, &s);
        prop_assert_eq!(pretty.run_sim().unwrap().trace_hash(), place.sim.trace_hash());
        prop_assert!(s.run_until / US_PER_MS <= 5_000);
    }
}
