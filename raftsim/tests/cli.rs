//! The `raftsim` command as a person (or a script) uses it: output shape, exit status, errors.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_raftsim");

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn raftsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the raftsim binary runs")
}

fn raftsim_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the raftsim binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn has(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "missing `{f}` in {v}");
    }
}

#[test]
fn run_prints_one_json_object_with_every_part() {
    let o = raftsim(&["run", &scenario_path("partitioned-leader")]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v = json(&o);
    has(
        &v,
        &[
            "nodes",
            "clients",
            "invariants",
            "events",
            "seed",
            "description",
        ],
    );

    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    for n in nodes {
        has(
            n,
            &[
                "id",
                "role",
                "term",
                "voted_for",
                "commit_index",
                "log",
                "state",
                "crashed",
            ],
        );
    }
    let s1 = &nodes[0];
    assert_eq!(s1["id"], "S1");
    assert_eq!(s1["role"], "follower");
    assert_eq!(s1["term"], 2);
    assert_eq!(s1["state"]["x"], 3);
    assert_eq!(s1["log"][1]["term"], 2);
    assert_eq!(s1["log"][1]["command"], "SET x 3");
    assert_eq!(nodes[2]["role"], "leader");

    let clients = v["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 3);
    for c in clients {
        has(
            c,
            &[
                "id",
                "command",
                "sent_to",
                "outcome",
                "submitted_at_ms",
                "answered_at_ms",
            ],
        );
    }
    assert_eq!(clients[0]["outcome"], "committed");
    assert_eq!(clients[0]["index"], 1);
    assert_eq!(clients[0]["value"], 1);
    assert_eq!(clients[0]["sent_to"][0], "S1");
    assert_eq!(clients[1]["outcome"], "pending");
    assert!(clients[1]["answered_at_ms"].is_null());
    assert_eq!(clients[2]["outcome"], "committed");
    assert_eq!(clients[2]["submitted_at_ms"], 400.0);

    assert_eq!(v["invariants"]["ok"], true);
    assert_eq!(v["invariants"]["violations"].as_array().unwrap().len(), 0);
    assert_eq!(v["expect"]["ok"], true);

    let events = v["events"].as_array().unwrap();
    assert!(events.len() > 100);
    for e in events {
        has(e, &["at_ms", "node", "type", "description", "rule"]);
        has(&e["rule"], &["section", "text"]);
        assert!(e["at_ms"].is_number());
        assert!(!e["description"].as_str().unwrap().is_empty());
    }
    assert!(events
        .iter()
        .any(|e| e["type"] == "role_changed" && e["node"] == "S3"));
    // Times are milliseconds, fractional where the simulation's microseconds say so.
    assert!(events.iter().any(|e| {
        let t = e["at_ms"].as_f64().unwrap();
        t.fract() != 0.0
    }));
}

#[test]
fn run_reads_standard_input() {
    let text = std::fs::read_to_string(scenario_path("split-vote")).unwrap();
    let o = raftsim_stdin(&["run", "-"], &text);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(v["nodes"][0]["role"], "leader");
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let bad = r#"{"nodes": 5, "script": [
        {"at_ms": 0, "do": "timeout", "node": "S1"},
        {"at_ms": 5, "do": "crash", "node": "S2"},
        {"at_ms": 6, "do": "restart", "node": "S2"},
        {"at_ms": 9, "do": "timeout", "node": "S7"}]}"#;
    let o = raftsim_stdin(&["run", "-"], bad);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: script[3].node: unknown node S7 (this cluster has S1 to S5)"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_json_syntax_error_gives_line_and_column() {
    let o = raftsim_stdin(&["check", "-"], "{\n  \"nodes\": 3,,\n}");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: line 2, column 14"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_step_refused_at_run_time_exits_2_naming_the_step() {
    let o = raftsim_stdin(
        &["run", "-"],
        r#"{"nodes": 3, "script": [{"at_ms": 50, "do": "restart", "node": "S3"}]}"#,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: script[0]: at 50 ms, `restart` could not be done"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unmet_expectation_exits_1_and_says_which() {
    let o = raftsim_stdin(
        &["run", "--no-events", "-"],
        r#"{"nodes": 3, "script": [{"at_ms": 0, "do": "timeout", "node": "S1"}],
            "expect": {"leader": "S2"}}"#,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("expectation not met: expect.leader: expected S2, found S1"),
        "{}",
        stderr(&o)
    );
    let v = json(&o);
    assert_eq!(v["expect"]["ok"], false);
    assert_eq!(v["invariants"]["ok"], true);
    assert_eq!(v["events"].as_array().unwrap().len(), 0, "--no-events");
}

#[test]
fn a_missing_file_exits_2() {
    let o = raftsim(&["run", "/no/such/scenario.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: cannot read /no/such/scenario.json"));
}

#[test]
fn non_utf8_input_exits_2() {
    let mut child = Command::new(BIN)
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0xff, 0xfe, b'{'])
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not UTF-8"));
}

#[test]
fn usage_mistakes_exit_2_with_the_usage_text() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["run"][..],
        &["run", "a.json", "b.json"][..],
        &["run", "--seed"][..],
        &["run", "--seed", "many", "a.json"][..],
        &["check", "--no-events", "a.json"][..],
        &["run", "--verbose", "a.json"][..],
    ] {
        let o = raftsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains("Usage:"), "{args:?}: {err}");
    }
}

#[test]
fn help_prints_the_usage_text() {
    for args in [&["--help"][..], &["help"][..], &["run", "-h"][..]] {
        let o = raftsim(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Usage:"));
        assert!(stdout(&o).contains("Exit status:"));
    }
}

#[test]
fn check_validates_without_running() {
    let o = raftsim(&["check", &scenario_path("figure8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "ok: 5 servers, 23 scripted step(s), runs for 1400 ms\n"
    );
}

#[test]
fn trace_prints_one_line_per_event() {
    let o = raftsim(&["trace", &scenario_path("figure7-b")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let first = text.lines().next().unwrap();
    assert!(first.contains("ms  S1"), "{first}");
    assert!(text.contains("won the election and leads term 8"));
    let runs = json(&raftsim(&["run", &scenario_path("figure7-b")]));
    assert_eq!(
        text.lines().count(),
        runs["events"].as_array().unwrap().len()
    );
}

#[test]
fn seed_overrides_the_file() {
    let o = raftsim(&[
        "run",
        "--seed",
        "42",
        "--no-events",
        &scenario_path("figure7-a"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["seed"], 42);
}

/// A crashed server is never reported as a leader: the report shows the role it restarts with,
/// and an `expect` block on the role sees the same.
#[test]
fn a_crashed_leader_is_not_reported_as_leader() {
    let doc = r#"{
        "nodes": 3,
        "script": [
            {"at_ms": 0, "do": "timeout", "node": "S1"},
            {"at_ms": 200, "do": "crash", "node": "S1"}
        ],
        "run_ms": 250,
        "expect": {"nodes": {"S1": {"role": "follower", "crashed": true}}}
    }"#;
    let o = raftsim_stdin(&["run", "-"], doc);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v = json(&o);
    let s1 = &v["nodes"][0];
    assert_eq!(s1["id"], "S1");
    assert_eq!(s1["crashed"], true);
    assert_eq!(s1["role"], "follower");
}

/// A run that breaks a rule says so next to its violations, on stdout and stderr, and fails.
#[test]
fn a_broken_rule_is_named_next_to_its_violations() {
    let o = raftsim(&["run", &scenario_path("broken-vote-twice")]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["invariants"]["ok"], false);
    assert_eq!(v["invariants"]["broken_rules"][0], "vote_twice");
    let first = &v["invariants"]["violations"][0];
    assert_eq!(first["broken_rules"][0], "vote_twice");
    assert!(stderr(&o).contains("allowed by rules broken on purpose: vote_twice"));
}
