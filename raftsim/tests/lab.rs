//! The safety lab: each rule of the paper broken on purpose in its classic scenario
//! (`raftsim/scenarios/broken-*.json`) ends in the violation the rule exists to prevent, named by
//! the checker; the same scenario with the rule intact is clean and meets its expectations.
//! Tests are named after the section of the rule.

use raftsim::invariants::Invariant;
use raftsim::scenario::{Outcome, Scenario};
use raftsim::trace::EventKind;
use raftsim::{BrokenRule, BrokenRules, Sim};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn example(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Runs the scenario as written (its rule broken) and with every rule intact.
fn broken_and_intact(name: &str, rule: BrokenRule) -> ((Sim, Outcome), (Sim, Outcome)) {
    let broken = example(name);
    assert_eq!(
        broken.config.broken_rules,
        BrokenRules::of(&[rule]),
        "{name} breaks exactly {rule}"
    );
    let description = broken.description.clone().unwrap_or_default();
    assert!(
        description.contains(rule.name()),
        "{name}: the description names the rule it breaks"
    );
    let mut intact = broken.clone();
    intact.config.broken_rules = BrokenRules::NONE;
    let run = |s: &Scenario| {
        let sim = s.run_sim().unwrap_or_else(|e| panic!("{name}: {e}"));
        let outcome = Outcome::of(s, &sim);
        (sim, outcome)
    };
    (run(&broken), run(&intact))
}

fn violated(sim: &Sim) -> BTreeSet<Invariant> {
    sim.violations().iter().map(|v| v.invariant).collect()
}

/// The checks common to every rule: the broken run names `must` among its violations, each
/// violation says which broken rule allowed it, the trace cites the broken rule, and the intact
/// run is clean and meets the file's expectations.
fn check(name: &str, rule: BrokenRule, must: &[Invariant]) -> Sim {
    let ((sim, outcome), (intact_sim, intact)) = broken_and_intact(name, rule);
    let found = violated(&sim);
    for inv in must {
        assert!(found.contains(inv), "{name}: expected {inv:?} in {found:?}");
    }
    assert!(!outcome.ok(), "{name}: the broken run fails");
    assert_eq!(outcome.invariants.broken_rules, vec![rule.name()]);
    for v in sim.violations() {
        assert_eq!(v.broken_rules, BrokenRules::of(&[rule]), "{name}: {v}");
        assert!(v.to_string().contains(rule.name()), "{v}");
    }
    for v in &outcome.invariants.violations {
        assert_eq!(v.broken_rules, vec![rule.name()]);
    }
    assert!(
        sim.trace()
            .iter()
            .any(|e| std::ptr::eq(e.rule, rule.rule())),
        "{name}: the trace cites the broken rule"
    );
    assert_eq!(sim.broken_rules_used(), BrokenRules::of(&[rule]));
    // The report says which rules the run broke.
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        json["invariants"]["broken_rules"],
        serde_json::json!([rule.name()])
    );

    assert!(
        intact_sim.violations().is_empty(),
        "{name} with the rule intact: {:?}",
        intact_sim.violations()
    );
    assert!(intact.ok(), "{name} intact: {:?}", intact.expect);
    assert!(
        intact_sim
            .trace()
            .iter()
            .all(|e| !e.rule.text.starts_with("BROKEN")),
        "{name}: nothing broken with the rule intact"
    );
    sim
}

/// §5.4.2, Figure 8: a leader that commits an entry of an earlier term by counting replicas
/// lets a later leader overwrite a committed entry.
#[test]
fn s5_4_2_committing_an_old_term_entry_by_counting_loses_it() {
    let sim = check(
        "broken-commit-old-term",
        BrokenRule::CommitOldTermEntries,
        &[
            Invariant::LeaderCommitsCurrentTerm,
            Invariant::LeaderCompleteness,
            Invariant::CommittedPrefixStable,
            Invariant::StateMachineSafety,
        ],
    );
    // The first violation is the commit itself, the cause of the rest.
    assert_eq!(
        sim.violations()[0].invariant,
        Invariant::LeaderCommitsCurrentTerm
    );
}

/// §5.4.1: voting without the up-to-date check elects a leader that lacks a committed entry.
#[test]
fn s5_4_1_voting_without_the_log_check_elects_an_incomplete_leader() {
    let sim = check(
        "broken-vote-without-log-check",
        BrokenRule::VoteWithoutLogCheck,
        &[
            Invariant::LeaderCompleteness,
            Invariant::StateMachineSafety,
            Invariant::CommittedPrefixStable,
        ],
    );
    assert_eq!(sim.violations()[0].invariant, Invariant::LeaderCompleteness);
}

/// §5.2: a server that votes twice in a term lets two candidates win the same term.
#[test]
fn s5_2_voting_twice_elects_two_leaders_in_one_term() {
    let sim = check(
        "broken-vote-twice",
        BrokenRule::VoteTwice,
        &[
            Invariant::ElectionSafety,
            Invariant::OneVotePerTerm,
            Invariant::StateMachineSafety,
        ],
    );
    // Each changed vote is reported once, not at every step after it.
    let votes = sim
        .violations()
        .iter()
        .filter(|v| v.invariant == Invariant::OneVotePerTerm)
        .count();
    assert!(votes <= 3, "{votes} reports");
}

/// Figure 2: votedFor is persistent state; a restart that forgets it lets a server vote again
/// in the same term and elect a second leader.
#[test]
fn figure_2_forgetting_the_vote_on_restart_elects_two_leaders() {
    let sim = check(
        "broken-forget-vote",
        BrokenRule::ForgetVoteOnRestart,
        &[Invariant::OneVotePerTerm, Invariant::ElectionSafety],
    );
    assert!(sim
        .trace()
        .iter()
        .any(|e| matches!(e.kind, EventKind::VoteForgotten { term: 1, .. })));
}

/// §5.3: a follower that keeps a conflicting entry ends with a log that matches the leader's
/// at an index and term but differs before it, and commits a different entry.
#[test]
fn s5_3_keeping_conflicting_entries_breaks_log_matching() {
    let sim = check(
        "broken-keep-conflicting",
        BrokenRule::KeepConflictingEntries,
        &[Invariant::LogMatching, Invariant::StateMachineSafety],
    );
    assert_eq!(sim.violations()[0].invariant, Invariant::LogMatching);
    assert!(sim.trace().iter().any(|e| matches!(
        e.kind,
        EventKind::ConflictKept {
            first_index: 2,
            count: 1
        }
    )));
}

/// Every rule that can be broken has its classic scenario.
#[test]
fn every_broken_rule_has_a_scenario() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut covered = BrokenRules::NONE;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let s = Scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
            covered = covered.union(s.config.broken_rules);
        }
    }
    for rule in BrokenRule::ALL {
        assert!(covered.contains(rule), "no scenario breaks {rule}");
    }
}

/// The scenario field reads rule names, refuses unknown ones with a hint, and is written back.
#[test]
fn broken_rules_read_write_and_refuse_unknown_names() {
    let s = Scenario::from_json(r#"{"broken_rules": ["vote_twice", "commit_old_term_entries"]}"#)
        .unwrap();
    assert_eq!(
        s.config.broken_rules,
        BrokenRules::of(&[BrokenRule::VoteTwice, BrokenRule::CommitOldTermEntries])
    );
    for text in [s.to_json(), s.to_compact_json()] {
        assert!(text.contains(r#""broken_rules":"#), "written back: {text}");
        assert_eq!(Scenario::from_json(&text).unwrap(), s);
    }
    let plain = Scenario::from_json("{}").unwrap();
    assert!(
        !plain.to_json().contains("broken_rules"),
        "left out when none"
    );
    let e = Scenario::from_json(r#"{"broken_rules": ["vote_twise"]}"#).unwrap_err();
    assert_eq!(e.path(), Some("broken_rules[0]"));
    assert!(e.to_string().contains("did you mean \"vote_twice\""), "{e}");
    let e = Scenario::from_json(r#"{"broken_rules": "vote_twice"}"#).unwrap_err();
    assert_eq!(e.path(), Some("broken_rules"), "{e}");
}
