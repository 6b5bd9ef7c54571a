//! The harsher faults of chaos runs: the scripted duplication rate (read, written, refused,
//! carried by a run and its link, and what it does), packets held back for longer than an
//! election timeout, loss of client requests and replies, and the cap on packets in flight
//! that turns a runaway into a failed seed.

use raftsim::chaos::{run_seed, ChaosOptions};
use raftsim::history::{fresh, History};
use raftsim::link::{decode, encode};
use raftsim::scenario::{action_name, Scenario, StepAction};
use raftsim::*;

fn actions(s: &Scenario) -> Vec<Action> {
    s.script
        .iter()
        .filter_map(|step| match &step.action {
            StepAction::Act(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn script(steps: &str) -> String {
    format!(r#"{{"script": [{steps}]}}"#)
}

/// The message of a scenario that must be refused, checking that it names `path`.
fn refused(steps: &str, path: &str) -> String {
    let e = Scenario::from_json(&script(steps)).expect_err("should be refused");
    assert_eq!(e.path(), Some(path), "wrong path in `{e}`");
    e.to_string()
}

fn sent_duplicates(sim: &Sim) -> usize {
    sim.trace()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::MessageSent {
                    duplicate: true,
                    ..
                }
            )
        })
        .count()
}

#[test]
fn duplicate_steps_are_read_in_percent_or_ppm_and_written_back() {
    let s = Scenario::from_json(&script(
        r#"{"at_ms": 10, "do": "duplicate", "percent": 12.5},
           {"at_ms": 20, "do": "duplicate", "ppm": 7},
           {"at_ms": 30, "do": "duplicate", "percent": 0}"#,
    ))
    .unwrap();
    assert_eq!(
        actions(&s),
        vec![
            Action::Duplicate { ppm: 125_000 },
            Action::Duplicate { ppm: 7 },
            Action::Duplicate { ppm: 0 },
        ]
    );
    assert_eq!(s.script[0].name, "duplicate");
    assert_eq!(action_name(&Action::Duplicate { ppm: 1 }), "duplicate");
    for text in [s.to_json(), s.to_compact_json()] {
        assert!(text.contains("\"duplicate\""), "{text}");
        assert_eq!(Scenario::from_json(&text).unwrap(), s);
    }
}

#[test]
fn bad_duplicate_steps_are_refused_at_their_field() {
    let m = refused(
        r#"{"at_ms": 1, "do": "duplicate", "percent": 101}"#,
        "script[0].percent",
    );
    assert!(m.contains("from 0 to 100, found the number 101"), "{m}");
    refused(
        r#"{"at_ms": 1, "do": "duplicate", "percent": -1}"#,
        "script[0].percent",
    );
    refused(
        r#"{"at_ms": 1, "do": "duplicate", "ppm": 1000001}"#,
        "script[0].ppm",
    );
    let m = refused(
        r#"{"at_ms": 1, "do": "duplicate", "percent": 1, "ppm": 10}"#,
        "script[0].ppm",
    );
    assert!(m.contains("give the duplicate rate once"), "{m}");
    let m = refused(r#"{"at_ms": 1, "do": "duplicate"}"#, "script[0].percent");
    assert!(m.contains("a `duplicate` step needs \"percent\""), "{m}");
    refused(
        r#"{"at_ms": 1, "do": "duplicate", "percent": "lots"}"#,
        "script[0].percent",
    );
    refused(
        r#"{"at_ms": 1, "do": "duplicate", "percent": 5, "node": "S1"}"#,
        "script[0].node",
    );
    // The loss step still words its own errors.
    let m = refused(r#"{"at_ms": 1, "do": "loss"}"#, "script[0].percent");
    assert!(m.contains("a `loss` step needs"), "{m}");
}

#[test]
fn the_duplication_rate_changes_during_a_run() {
    let mut sim = Sim::new(Config::default()).unwrap();
    sim.advance_to(1_000 * US_PER_MS);
    assert_eq!(sent_duplicates(&sim), 0);
    sim.apply(Action::Duplicate { ppm: 1_000_000 }).unwrap();
    assert_eq!(sim.network().duplicate_ppm(), 1_000_000);
    let before = sim.trace().len();
    sim.advance_by(500 * US_PER_MS);
    let sent = |sim: &Sim, before: usize, duplicate: bool| {
        sim.trace()
            .iter()
            .skip(before)
            .filter(
                |e| matches!(e.kind, EventKind::MessageSent { duplicate: d, .. } if d == duplicate),
            )
            .count()
    };
    // Every packet between servers is sent twice (heartbeats and their answers).
    assert!(sent(&sim, before, false) > 0);
    assert_eq!(sent(&sim, before, true), sent(&sim, before, false));
    sim.apply(Action::Duplicate { ppm: 0 }).unwrap();
    let before = sim.trace().len();
    sim.advance_by(500 * US_PER_MS);
    assert_eq!(sent(&sim, before, true), 0);
    assert!(sim.violations().is_empty());
    // Too high a rate is refused and changes nothing.
    let hash = sim.trace_hash();
    let e = sim.apply(Action::Duplicate { ppm: 1_000_001 }).unwrap_err();
    assert!(e.to_string().contains("more than 1000000"), "{e}");
    assert_eq!(sim.trace_hash(), hash);
    assert_eq!(sim.network().duplicate_ppm(), 0);
}

#[test]
fn a_run_with_duplication_travels_in_its_link_and_replays() {
    let (mut h, mut place) = History::new(fresh(Config::default())).unwrap();
    h.play(&mut place, 800 * US_PER_MS).unwrap();
    h.act(&mut place, Action::Duplicate { ppm: 250_000 })
        .unwrap();
    h.play(&mut place, 1_500 * US_PER_MS).unwrap();
    let scenario = h.to_scenario();
    assert!(actions(&scenario).contains(&Action::Duplicate { ppm: 250_000 }));
    let link = encode(&scenario, 1_200 * US_PER_MS);
    let (back, shown) = decode(&link).unwrap();
    assert_eq!(back, scenario);
    assert_eq!(shown, 1_200 * US_PER_MS);
    let replayed = back.run_sim().unwrap();
    assert_eq!(replayed.trace_hash(), place.sim.trace_hash());
    assert!(sent_duplicates(&replayed) > 0);
}

#[test]
fn packets_can_be_held_back_for_longer_than_an_election_timeout() {
    let held = |config: Config| {
        let mut sim = Sim::new(config).unwrap();
        sim.advance_to(3_000 * US_PER_MS);
        assert!(sim.violations().is_empty());
        let mut late = 0;
        let mut sent_at = std::collections::HashMap::new();
        for e in sim.trace().iter() {
            match e.kind {
                EventKind::MessageSent { packet, .. } => {
                    sent_at.insert(packet, e.at);
                }
                EventKind::MessageDelivered { packet, .. }
                    if e.at - sent_at[&packet] > 150 * US_PER_MS =>
                {
                    late += 1;
                }
                _ => {}
            }
        }
        late
    };
    assert_eq!(held(Config::default()), 0);
    let harsh = Config {
        slow_ppm: 100_000,
        slow_max_us: 600 * US_PER_MS,
        ..Config::default()
    };
    assert!(held(harsh.clone()) > 0);
    // Held-back packets replay the same.
    let run = || {
        let mut sim = Sim::new(harsh.clone()).unwrap();
        sim.advance_to(3_000 * US_PER_MS);
        sim.trace_hash()
    };
    assert_eq!(run(), run());
    let too_slow = Config {
        slow_max_us: 10_000_001,
        ..Config::default()
    };
    assert!(Sim::new(too_slow).is_err());
}

fn dropped_lost(sim: &Sim, from_client: bool) -> usize {
    let ids: std::collections::HashSet<PacketId> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageSent { packet, .. } if (e.node.is_none()) == from_client => {
                Some(packet)
            }
            _ => None,
        })
        .collect();
    sim.trace()
        .iter()
        .filter(|e| {
            matches!(e.kind, EventKind::MessageDropped { packet, reason: DropReason::Lost, .. }
                if ids.contains(&packet))
        })
        .count()
}

#[test]
fn client_requests_are_lost_only_when_client_loss_is_on() {
    let write = |client_loss: bool| {
        let mut sim = Sim::new(Config {
            nodes: 1,
            client_loss,
            ..Config::default()
        })
        .unwrap();
        sim.advance_to(1_000 * US_PER_MS);
        let leader = sim.leader().expect("a lone server elects itself");
        sim.apply(Action::Loss { ppm: 1_000_000 }).unwrap();
        let id = sim
            .submit_write(leader, Command::parse("SET x 1").unwrap())
            .unwrap();
        sim.advance_by(500 * US_PER_MS);
        (sim.clients()[id as usize - 1].status.clone(), sim)
    };
    let (status, sim) = write(false);
    assert!(
        matches!(status, WriteStatus::Committed { .. }),
        "{status:?}"
    );
    assert_eq!(dropped_lost(&sim, true), 0);
    let (status, sim) = write(true);
    assert_eq!(status, WriteStatus::Pending);
    assert_eq!(dropped_lost(&sim, true), 1);
    assert_eq!(sim.nodes()[0].log.len(), 0, "the request never arrived");
}

#[test]
fn client_replies_are_lost_too() {
    let mut sim = Sim::new(Config {
        nodes: 1,
        client_loss: true,
        latency_min_us: 10 * US_PER_MS,
        latency_max_us: 10 * US_PER_MS,
        ..Config::default()
    })
    .unwrap();
    sim.advance_to(1_000 * US_PER_MS);
    let leader = sim.leader().expect("a lone server elects itself");
    let id = sim
        .submit_write(leader, Command::parse("SET x 1").unwrap())
        .unwrap();
    // The request is on its way and will arrive; from now on everything sent is lost.
    sim.advance_by(5 * US_PER_MS);
    sim.apply(Action::Loss { ppm: 1_000_000 }).unwrap();
    sim.advance_by(500 * US_PER_MS);
    let server = &sim.nodes()[0];
    assert_eq!(server.commit_index, 1, "the write was committed");
    assert_eq!(
        sim.clients()[id as usize - 1].status,
        WriteStatus::Pending,
        "but its answer was lost"
    );
    assert_eq!(dropped_lost(&sim, false), 1);
}

#[test]
fn the_cap_on_packets_in_flight_stops_a_runaway() {
    let mut sim = Sim::new(Config {
        max_in_flight: Some(3),
        ..Config::default()
    })
    .unwrap();
    // The first election sends more than three vote requests at once.
    sim.advance_to(2_000 * US_PER_MS);
    let (at, count) = sim.network().runaway().expect("the cap was reached");
    assert_eq!(count, 3);
    assert!(at < 400 * US_PER_MS, "{at}");
    assert_eq!(sim.next_event_at(), None, "nothing happens after a runaway");
    assert_eq!(sim.step_next_event(), None);
    assert!(sim.network().in_flight_len() <= 3);
    // Without a cap the same run carries on.
    let mut free = Sim::new(Config::default()).unwrap();
    free.advance_to(2_000 * US_PER_MS);
    assert!(free.network().runaway().is_none());
    assert!(free.leader().is_some());
}

#[test]
fn a_chaos_run_past_the_cap_fails_with_its_seed() {
    let opts = ChaosOptions {
        max_in_flight: 4,
        ..ChaosOptions::default()
    };
    // Seed 0 draws a cluster that sends more than four packets at once sooner or later.
    let started = std::time::Instant::now();
    let failure = (0..20)
        .find_map(|seed| run_seed(seed, &opts).err())
        .expect("some seed runs away");
    assert!(started.elapsed().as_secs() < 30);
    let text = failure.to_string();
    assert!(
        text.contains("runaway: 4 packets were in flight at once"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("replay with seed {}", failure.seed)),
        "{text}"
    );
    // It replays identically.
    let again = run_seed(failure.seed, &opts).unwrap_err();
    assert_eq!((again.at, again.reason), (failure.at, failure.reason));
}

#[test]
fn chaos_runs_use_the_harsher_network() {
    let opts = ChaosOptions::default();
    let mut slow = 0;
    for seed in 0..40 {
        let r = run_seed(seed, &opts).unwrap_or_else(|f| panic!("{f}"));
        let c = r.sim.config();
        assert!(c.client_loss);
        assert_eq!(c.max_in_flight, Some(opts.max_in_flight));
        if c.slow_ppm > 0 {
            slow += 1;
            assert!(c.slow_max_us > c.election_timeout_min_us);
        }
    }
    assert!(slow > 10, "{slow} of 40 seeds hold packets back");
}
