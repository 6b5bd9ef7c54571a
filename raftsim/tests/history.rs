//! A run's history: a saved run replays in the `raftsim` command to the world the page shows,
//! going back in time gives the world a straight replay gives, checkpoints stay bounded, and
//! branching and undo keep the script right.

use raftsim::history::{fresh, History, Place, MAX_CHECKPOINTS};
use raftsim::scenario::{Outcome, Scenario};
use raftsim::{Action, Command, Config, NodeId, Time, US_PER_MS};
use serde_json::Value;
use std::process::Command as Process;

const BIN: &str = env!("CARGO_BIN_EXE_raftsim");

fn write(node: NodeId, value: i64) -> Action {
    Action::Write {
        node,
        command: Command::Set {
            key: "x".into(),
            value,
        },
    }
}

/// Free play as a person would do it: watch a leader get elected, write, crash the leader,
/// write to the new one, split the network and heal it, then go back and do something else.
fn free_play() -> (History, Place) {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    let play_to = |h: &mut History, place: &mut Place, t: Time| {
        // The page plays in frames of 1/60 s.
        while place.sim.now() < t {
            let next = (place.sim.now() + 16_667).min(t);
            h.play(place, next).unwrap();
        }
    };
    play_to(&mut h, &mut place, 800 * US_PER_MS);
    let first = place.sim.leader().expect("a leader by 800 ms");
    h.act(&mut place, write(first, 1)).unwrap();
    play_to(&mut h, &mut place, 1_200_333);
    h.act(&mut place, Action::Crash { node: first }).unwrap();
    play_to(&mut h, &mut place, 2_500 * US_PER_MS);
    let second = place.sim.leader().expect("a new leader");
    assert_ne!(first, second);
    h.act(&mut place, write(second, 2)).unwrap();
    let others: Vec<NodeId> = (1..=5).map(NodeId).filter(|n| *n != second).collect();
    play_to(&mut h, &mut place, 2_700 * US_PER_MS);
    h.act(
        &mut place,
        Action::Partition {
            groups: vec![vec![second, others[0]]],
        },
    )
    .unwrap();
    h.act(&mut place, write(second, 3)).unwrap();
    play_to(&mut h, &mut place, 4_100_250);
    h.act(&mut place, Action::Heal).unwrap();
    h.act(&mut place, Action::Restart { node: first }).unwrap();
    play_to(&mut h, &mut place, 6_000 * US_PER_MS);
    // Back in time, before the heal: write somewhere else instead, and play on.
    let mut past = h.world_at(3_000_500).unwrap();
    let leader = past.sim.leader().unwrap_or(second);
    h.act(&mut past, write(leader, 4)).unwrap();
    play_to(&mut h, &mut past, 5_500_010);
    h.act(&mut past, Action::Heal).unwrap();
    play_to(&mut h, &mut past, 7_000_003);
    (h, past)
}

#[test]
fn a_saved_run_replays_in_the_command_to_the_same_world() {
    let (h, place) = free_play();
    assert_eq!(h.end(), place.sim.now());
    let scenario = h.to_scenario();
    let text = scenario.to_json();
    let file = std::env::temp_dir().join(format!("raftsim-saved-run-{}.json", std::process::id()));
    std::fs::write(&file, &text).unwrap();
    let out = Process::new(BIN)
        .args(["run", "--no-events"])
        .arg(&file)
        .output()
        .expect("the raftsim binary runs");
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let here = serde_json::to_value(Outcome::of(&scenario, &place.sim)).unwrap();
    for part in ["nodes", "clients", "invariants"] {
        assert_eq!(cli[part], here[part], "{part}");
    }
    let nodes = cli["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert!(nodes.iter().any(|n| n["role"] == "leader"));
    assert!(nodes.iter().any(|n| n["commit_index"].as_u64() >= Some(2)));
    // The script is what was done on the branch kept, at its instants.
    let names: Vec<&str> = h.script().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "write",
            "crash",
            "write",
            "partition",
            "write",
            "write",
            "heal"
        ]
    );
    assert!(text.contains("\"at_ms\": 1200.333"), "{text}");
}

/// The run up to `t` as a scenario of its own, played straight through.
fn straight(h: &History, t: Time) -> Scenario {
    let mut s = h.to_scenario();
    s.script.retain(|step| step.at <= t);
    s.run_until = t;
    s
}

#[test]
fn the_world_at_any_instant_is_a_straight_replay_to_it() {
    let (mut h, _) = free_play();
    let end = h.end();
    let mut instants: Vec<Time> = (0..=40).map(|i| end * i / 40).collect();
    instants.extend(h.script().iter().map(|s| s.at));
    instants.extend(h.script().iter().map(|s| s.at + 1));
    instants.extend(h.script().iter().map(|s| s.at.saturating_sub(1)));
    // Out of order on purpose: seeking back and forth.
    instants.sort_by_key(|t| (t * 7_919) % 1_000_003);
    for t in instants {
        let seen = h.world_at(t).unwrap();
        let replayed = straight(&h, t).run_sim().unwrap();
        assert_eq!(seen.sim.now(), t);
        assert_eq!(seen.sim.trace_hash(), replayed.trace_hash(), "at {t} µs");
        assert_eq!(
            seen.applied,
            h.script().iter().filter(|s| s.at <= t).count(),
            "at {t} µs"
        );
    }
}

#[test]
fn checkpoints_thin_out_on_a_long_run() {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    let mut most = 0;
    for second in 1..=400 {
        h.play(&mut place, second * 1_000 * US_PER_MS).unwrap();
        most = most.max(h.checkpoint_count());
        assert!(h.checkpoint_count() <= MAX_CHECKPOINTS);
    }
    assert!(most > MAX_CHECKPOINTS / 2, "checkpoints were kept: {most}");
    let end = place.sim.trace_hash();
    assert_eq!(
        h.world_at(400_000 * US_PER_MS).unwrap().sim.trace_hash(),
        end
    );
    let mid = h.world_at(123_456_789).unwrap();
    assert_eq!(
        mid.sim.trace_hash(),
        straight(&h, 123_456_789).run_sim().unwrap().trace_hash()
    );
}

#[test]
fn undo_walks_back_through_several_branches() {
    let (mut h, mut place) = History::new(fresh(Config {
        seed: 21,
        ..Config::default()
    }))
    .unwrap();
    h.play(&mut place, 1_000 * US_PER_MS).unwrap();
    h.act(&mut place, Action::Crash { node: NodeId(1) })
        .unwrap();
    h.play(&mut place, 2_000 * US_PER_MS).unwrap();
    let a = (h.script().to_vec(), h.end(), place.sim.trace_hash());

    let mut p = h.world_at(1_500 * US_PER_MS).unwrap();
    h.act(&mut p, Action::Crash { node: NodeId(2) }).unwrap();
    h.play(&mut p, 2_500 * US_PER_MS).unwrap();
    let b = (h.script().to_vec(), h.end(), p.sim.trace_hash());

    let mut q = h.world_at(500 * US_PER_MS).unwrap();
    h.act(&mut q, Action::Timeout { node: NodeId(3) }).unwrap();
    h.play(&mut q, 3_000 * US_PER_MS).unwrap();
    assert_eq!(
        h.script().len(),
        1,
        "both crashes were after 500 ms and are cut"
    );

    assert_eq!(h.undo(), Some(500 * US_PER_MS));
    assert_eq!((h.script().to_vec(), h.end()), (b.0.clone(), b.1));
    assert_eq!(h.world_at(b.1).unwrap().sim.trace_hash(), b.2);
    assert_eq!(h.undo(), Some(1_500 * US_PER_MS));
    assert_eq!((h.script().to_vec(), h.end()), (a.0.clone(), a.1));
    assert_eq!(h.world_at(a.1).unwrap().sim.trace_hash(), a.2);
    assert_eq!(h.undo(), Some(1_000 * US_PER_MS));
    assert!(h.script().is_empty() && !h.can_undo());
    assert_eq!(h.undo(), None);
    let t = 2_200 * US_PER_MS;
    assert_eq!(
        h.world_at(t).unwrap().sim.trace_hash(),
        straight(&h, t).run_sim().unwrap().trace_hash()
    );
}

#[test]
fn two_actions_at_the_same_instant_happen_in_the_order_done() {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    h.play(&mut place, 900 * US_PER_MS).unwrap();
    h.act(&mut place, Action::Crash { node: NodeId(4) })
        .unwrap();
    h.act(&mut place, Action::Restart { node: NodeId(4) })
        .unwrap();
    assert_eq!(h.script().len(), 2);
    assert_eq!(h.script()[0].at, h.script()[1].at);
    h.play(&mut place, 1_500 * US_PER_MS).unwrap();
    let s = h.to_scenario();
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
    assert_eq!(s.run_sim().unwrap().trace_hash(), place.sim.trace_hash());
    // Seeking to that instant applies both; undo takes back the second only.
    let at = h.world_at(900 * US_PER_MS).unwrap();
    assert_eq!(at.applied, 2);
    assert!(!at.sim.node(NodeId(4)).unwrap().crashed);
    assert_eq!(h.undo(), Some(900 * US_PER_MS));
    assert_eq!(h.script().len(), 1);
    assert!(
        h.world_at(900 * US_PER_MS)
            .unwrap()
            .sim
            .node(NodeId(4))
            .unwrap()
            .crashed
    );
}

#[test]
fn acting_at_time_zero() {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    h.act(&mut place, Action::Timeout { node: NodeId(2) })
        .unwrap();
    h.play(&mut place, 1_000 * US_PER_MS).unwrap();
    assert_eq!(
        place.sim.leader(),
        Some(NodeId(2)),
        "S2 started the first election"
    );
    let s = h.to_scenario();
    assert_eq!(s.script[0].at, 0);
    assert!(s.to_json().contains("\"at_ms\": 0"));
    assert_eq!(s.run_sim().unwrap().trace_hash(), place.sim.trace_hash());
    // Going back to 0 and acting again: the world at 0 has had the first action, so the new
    // one comes after it.
    let mut zero = h.world_at(0).unwrap();
    assert_eq!(
        zero.applied, 1,
        "the world at 0 has had the action done at 0"
    );
    h.act(&mut zero, Action::Timeout { node: NodeId(3) })
        .unwrap();
    assert_eq!(h.script().len(), 2, "acting after the step at 0 keeps it");
    let mut fresh_start = History::new(fresh(Config::default())).unwrap();
    let p = &mut fresh_start.1;
    fresh_start
        .0
        .act(p, Action::Crash { node: NodeId(1) })
        .unwrap();
    assert_eq!(fresh_start.0.world_at(0).unwrap().applied, 1);
}
