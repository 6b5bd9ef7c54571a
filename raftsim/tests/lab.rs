//! The safety lab: each rule of the paper broken on purpose in its classic scenario
//! (`raftsim/scenarios/broken-*.json`) ends in the violation the rule exists to prevent, named by
//! the checker; the same scenario with the rule intact is clean and meets its expectations.
//! Then the protocol options: each scenario (`leader-noop.json`, `pre-vote.json`,
//! `check-quorum.json`) meets its expectations with its option on and differs with it off.
//! Tests are named after the section of the rule or option.

use raftsim::invariants::Invariant;
use raftsim::scenario::{Outcome, Scenario};
use raftsim::trace::EventKind;
use raftsim::{BrokenRule, BrokenRules, Command, NodeId, Protocol, ProtocolOption, Role, Sim};
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
    let cited: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| std::ptr::eq(e.rule, rule.rule()))
        .collect();
    assert!(!cited.is_empty(), "{name}: the trace cites the broken rule");
    for e in cited {
        assert!(
            e.describe().ends_with("(rule broken on purpose)"),
            "{name}: {}",
            e.describe()
        );
    }
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

// ----- Protocol options -----

/// Runs an option's scenario as written (the option on) and with it off; both are safe.
fn on_and_off(name: &str, option: ProtocolOption) -> (Sim, Sim) {
    let on = example(name);
    let mut expected = Protocol::default();
    expected.set(option, true);
    assert_eq!(
        on.config.protocol, expected,
        "{name} turns on exactly {option}"
    );
    let outcome = on.run().unwrap();
    assert!(
        outcome.ok(),
        "{name}: {:?} {:?}",
        outcome.invariants,
        outcome.expect
    );
    assert_eq!(outcome.protocol, vec![option.name()]);
    let mut off = on.clone();
    off.config.protocol = Protocol::default();
    let off_outcome = off.run().unwrap();
    assert!(
        off_outcome.invariants.ok,
        "{name} off: {:?}",
        off_outcome.invariants
    );
    assert!(
        !off_outcome.expect.as_ref().unwrap().ok,
        "{name}: without {option} the run ends differently"
    );
    (on.run_sim().unwrap(), off.run_sim().unwrap())
}

fn state(sim: &Sim, id: u8) -> Vec<(String, i64)> {
    let n = sim.node(NodeId(id)).unwrap();
    n.kv.values.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

/// §8: with a no-op on election, a new leader commits the entries of earlier terms at once, so
/// restarted state machines catch up without a client write; without it they stay empty.
#[test]
fn s8_leader_noop_lets_restarted_stores_catch_up_without_a_write() {
    let (on, off) = on_and_off("leader-noop", ProtocolOption::LeaderNoop);
    for id in 1..=3 {
        assert_eq!(state(&on, id), vec![("x".to_string(), 3)], "S{id} on");
        assert!(
            state(&off, id).is_empty(),
            "S{id} off: {:?}",
            state(&off, id)
        );
        assert_eq!(off.node(NodeId(id)).unwrap().commit_index, 0);
    }
    let leader = on.node(NodeId(2)).unwrap();
    assert_eq!(leader.log.last().unwrap().command, Command::Noop);
    // The no-op is appended citing its rule, and applied without touching the store.
    assert!(on
        .trace()
        .iter()
        .any(|e| e.rule.section == "§8"
            && matches!(e.kind, EventKind::EntriesAppended { count: 1, .. })));
    assert!(on.trace().iter().any(|e| matches!(
        &e.kind,
        EventKind::Applied {
            command: Command::Noop,
            value: 0,
            ..
        }
    )));
}

/// Thesis §9.6: with pre-vote, a server cut off by a partition never raises its term, so on
/// its return it does not depose the healthy leader; without it, it does.
#[test]
fn thesis_9_6_pre_vote_keeps_a_returning_server_from_deposing_the_leader() {
    let (on, off) = on_and_off("pre-vote", ProtocolOption::PreVote);
    assert_eq!(on.leader(), Some(NodeId(1)));
    assert!(on.nodes().iter().all(|n| n.current_term == 1));
    assert!(on
        .trace()
        .iter()
        .any(|e| e.node == Some(NodeId(3))
            && matches!(e.kind, EventKind::PreVoteStarted { term: 2 })));
    assert!(
        on.trace()
            .iter()
            .all(|e| !matches!(e.kind, EventKind::TermAdvanced { to, .. } if to > 1)),
        "with pre-vote nobody raises the term past 1"
    );
    let s1 = off.node(NodeId(1)).unwrap();
    assert!(s1.current_term > 1, "without pre-vote the term is raised");
    assert!(
        off.trace().iter().any(|e| e.node == Some(NodeId(1))
            && matches!(
                e.kind,
                EventKind::RoleChanged {
                    from: Role::Leader,
                    to: Role::Follower,
                    ..
                }
            )),
        "without pre-vote S1 is deposed"
    );
}

/// A pre-vote asks without changing anything: the receiver keeps its term and vote, and a
/// server that hears from a leader refuses.
#[test]
fn thesis_9_6_a_pre_vote_changes_nothing_and_is_refused_while_a_leader_is_heard() {
    let mut s = example("pre-vote");
    s.script.truncate(2);
    s.run_until = 400_000;
    let mut sim = s.run_sim().unwrap();
    let before: Vec<_> = sim
        .nodes()
        .iter()
        .map(|n| (n.current_term, n.voted_for))
        .collect();
    sim.apply(raftsim::Action::Timeout { node: NodeId(3) })
        .unwrap();
    sim.advance_by(100_000);
    let after: Vec<_> = sim
        .nodes()
        .iter()
        .map(|n| (n.current_term, n.voted_for))
        .collect();
    assert_eq!(before, after, "nobody's term or vote changed");
    assert_eq!(sim.leader(), Some(NodeId(1)));
    let refusals = sim
        .trace()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PreVoteDenied {
                    reason: raftsim::PreVoteDenial::LeaderAlive,
                    ..
                }
            )
        })
        .count();
    assert_eq!(refusals, 2, "S1 (the leader) and S2 (its follower) refuse");
    assert!(sim.violations().is_empty());
}

/// Check-quorum: a leader cut off from the majority steps down within an election timeout or
/// two; without the option it goes on calling itself leader.
#[test]
fn check_quorum_makes_an_isolated_leader_step_down() {
    let (on, off) = on_and_off("check-quorum", ProtocolOption::CheckQuorum);
    assert_eq!(on.node(NodeId(1)).unwrap().role, Role::Follower);
    assert_eq!(off.node(NodeId(1)).unwrap().role, Role::Leader);
    let step_down = on
        .trace()
        .iter()
        .find(|e| {
            e.node == Some(NodeId(1))
                && matches!(
                    e.kind,
                    EventKind::RoleChanged {
                        from: Role::Leader,
                        to: Role::Follower,
                        ..
                    }
                )
        })
        .expect("S1 stepped down");
    assert!(step_down.rule.text.contains("check-quorum"));
    // Partitioned at 200 ms; one election timeout (150 ms) or two later at the most.
    assert!(step_down.at > 200_000 && step_down.at <= 200_000 + 2 * 150_000);
    // With the option on, only the majority's leader calls itself leader.
    assert_eq!(
        on.nodes().iter().filter(|n| n.role == Role::Leader).count(),
        1
    );
}

/// With every option off and every rule intact, nothing of the lab shows in a run.
#[test]
fn the_paper_protocol_is_the_default() {
    let c = raftsim::Config::default();
    assert!(c.broken_rules.is_empty());
    assert!(c.protocol.is_paper());
    let mut sim = Sim::new(c).unwrap();
    sim.advance_by(3_000_000);
    assert!(sim.trace().iter().all(|e| !matches!(
        e.kind,
        EventKind::PreVoteStarted { .. }
            | EventKind::PreVoteGranted { .. }
            | EventKind::PreVoteDenied { .. }
            | EventKind::PreVoteReceived { .. }
            | EventKind::VoteForgotten { .. }
            | EventKind::ConflictKept { .. }
    ) && !e.rule.text.starts_with("BROKEN")));
}

/// The scenario field reads option names, refuses unknown ones with a hint, and is written back.
#[test]
fn protocol_reads_writes_and_refuses_unknown_options() {
    let s =
        Scenario::from_json(r#"{"protocol": {"pre_vote": true, "check_quorum": true}}"#).unwrap();
    assert_eq!(
        s.config.protocol,
        Protocol {
            leader_noop: false,
            pre_vote: true,
            check_quorum: true
        }
    );
    for text in [s.to_json(), s.to_compact_json()] {
        assert!(text.contains(r#""protocol":"#), "{text}");
        assert_eq!(Scenario::from_json(&text).unwrap(), s);
    }
    assert!(!Scenario::from_json("{}")
        .unwrap()
        .to_json()
        .contains("protocol"));
    let e = Scenario::from_json(r#"{"protocol": {"prevote": true}}"#).unwrap_err();
    assert_eq!(e.path(), Some("protocol.prevote"), "{e}");
    assert!(e.to_string().contains("did you mean \"pre_vote\""), "{e}");
    let e = Scenario::from_json(r#"{"protocol": {"pre_vote": 1}}"#).unwrap_err();
    assert_eq!(e.path(), Some("protocol.pre_vote"), "{e}");
}

/// A running simulation's rules and options can be changed for what happens next.
#[test]
fn rules_and_options_can_be_set_on_a_running_sim() {
    let mut sim = Sim::new(raftsim::Config::default()).unwrap();
    sim.advance_by(500_000);
    sim.set_protocol(Protocol {
        check_quorum: true,
        ..Protocol::default()
    });
    sim.set_broken_rules(BrokenRules::of(&[BrokenRule::VoteTwice]));
    assert!(sim.config().protocol.check_quorum);
    assert!(sim.config().broken_rules.contains(BrokenRule::VoteTwice));
    sim.advance_by(1_000_000);
    assert!(
        sim.violations().is_empty(),
        "a healthy cluster breaks nothing"
    );
}
