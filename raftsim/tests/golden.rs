//! Golden traces: every example scenario's events as readable text, one line per event, compared
//! with `tests/golden/<name>.txt`. A change in behaviour shows up here as a readable diff.
//!
//! When a change is intended, regenerate the files and review the diff in git:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p raftsim --test golden
//! ```

use raftsim::scenario::{terms_of, Outcome, Scenario};
use std::path::{Path, PathBuf};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    manifest().join("tests").join("golden")
}

fn example_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(manifest().join("scenarios"))
        .expect("raftsim/scenarios exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The golden text of one scenario: a header, every event, and the servers as they end.
fn render(name: &str) -> String {
    let path = manifest().join("scenarios").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome: Outcome = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
    let sim = scenario.run_sim().unwrap();

    let mut out = format!(
        "# Events of raftsim/scenarios/{name}.json, one per line: time, server, what happened, rule.\n\
         # Regenerate with UPDATE_GOLDEN=1 cargo test -p raftsim --test golden\n"
    );
    out.push_str(&outcome.trace_text());
    out.push_str(&format!("# At {} ms:\n", outcome.ended_at_ms));
    for n in sim.nodes() {
        let state: Vec<String> =
            n.kv.values
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
        out.push_str(&format!(
            "# {} {:<9} term {:<2} commit {:<2} log {}  state {{{}}}{}\n",
            n.id,
            n.role.to_string(),
            n.current_term,
            n.commit_index,
            terms_of(&n.log),
            state.join(", "),
            if n.crashed { "  (crashed)" } else { "" }
        ));
    }
    for v in &outcome.invariants.violations {
        out.push_str(&format!(
            "# VIOLATION at {} ms: {}: {}\n",
            v.at_ms, v.property, v.detail
        ));
    }
    out
}

/// The first lines where two texts differ, with a little context, for a failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let Some(at) = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i)) else {
        return "the texts differ only in line endings".to_string();
    };
    let mut out = format!(
        "first difference at line {} (expected {} lines, got {}):\n",
        at + 1,
        e.len(),
        a.len()
    );
    for line in &e[at.saturating_sub(2)..at] {
        out.push_str(&format!("    {line}\n"));
    }
    for line in e.iter().skip(at).take(4) {
        out.push_str(&format!("  - {line}\n"));
    }
    for line in a.iter().skip(at).take(4) {
        out.push_str(&format!("  + {line}\n"));
    }
    out
}

fn check(name: &str, update: bool) -> Result<(), String> {
    let file = golden_dir().join(format!("{name}.txt"));
    let actual = render(name);
    if update {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&file, &actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "{name}: cannot read {}: {e}; create it with UPDATE_GOLDEN=1",
            display(&file)
        )
    })?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{name}: the trace differs from {}; {}If the change is intended, rerun with \
             UPDATE_GOLDEN=1 and review the diff.",
            display(&file),
            first_difference(&expected, &actual)
        ))
    }
}

fn display(p: &Path) -> String {
    p.strip_prefix(manifest())
        .unwrap_or(p)
        .display()
        .to_string()
}

#[test]
fn example_traces_match_their_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let names = example_names();
    assert!(!names.is_empty());
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| check(name, update).err())
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_golden_file_has_its_scenario() {
    let names = example_names();
    let Ok(dir) = std::fs::read_dir(golden_dir()) else {
        return;
    };
    for entry in dir {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            names.contains(&stem),
            "{} has no scenario in raftsim/scenarios; delete it",
            display(&path)
        );
    }
}

#[test]
fn the_difference_report_points_at_the_first_changed_line() {
    let report = first_difference("a\nb\nc\nd\n", "a\nb\nX\nd\n");
    assert!(report.starts_with("first difference at line 3"), "{report}");
    assert!(report.contains("  - c\n"));
    assert!(report.contains("  + X\n"));
}
