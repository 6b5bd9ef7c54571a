//! One scenario, one outcome: each test checks one rule of the Raft paper (§5, Figure 2) and names
//! its section. Latency is a fixed 10 ms and election timeouts are pinned unless a test says
//! otherwise, so the times in the comments are exact.

mod common;

use common::*;
use raftsim::*;

// ----- §5.2 Leader election -----

/// The first vote `node` refused: to whom, and why.
fn first_denial(sim: &Sim, node: NodeId) -> Option<(NodeId, VoteDenial)> {
    events_on(sim, node).into_iter().find_map(|e| match e.kind {
        EventKind::VoteDenied {
            candidate, reason, ..
        } => Some((candidate, reason)),
        _ => None,
    })
}

/// §5.2: a follower that hears nothing for an election timeout becomes a candidate: it
/// increments its term, votes for itself, restarts its timer and asks everyone for a vote.
#[test]
fn s5_2_follower_times_out_and_starts_an_election() {
    let mut setup = quiet(3);
    setup[0].election_timeout_us = Some(ms(100));
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    sim.advance_to(ms(100));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!(n1.role, Role::Candidate);
    assert_eq!(n1.current_term, 1);
    assert_eq!(n1.voted_for, Some(s(1)));
    assert_eq!(n1.votes_granted, vec![s(1)]);
    assert_eq!(n1.election_deadline, ms(200), "timer restarted at 100 ms");
    let asks: Vec<(Addr, Rpc)> = sim
        .in_flight()
        .filter_map(|p| match &p.payload {
            Payload::Rpc(rpc) => Some((p.to, rpc.clone())),
            _ => None,
        })
        .collect();
    let expected = Rpc::RequestVote {
        term: 1,
        last_log_index: 0,
        last_log_term: 0,
    };
    assert_eq!(
        asks,
        vec![
            (Addr::Node(s(2)), expected.clone()),
            (Addr::Node(s(3)), expected)
        ]
    );
    let kinds: Vec<&EventKind> = events_on(&sim, s(1)).into_iter().map(|e| &e.kind).collect();
    assert!(matches!(
        kinds[0],
        EventKind::TimerFired {
            timer: Timer::Election
        }
    ));
    assert_safe(&sim);
}

/// §5.2: a candidate that wins votes from a majority becomes leader and sends heartbeats at
/// once; Figure 2: nextIndex starts after the leader's last entry, matchIndex at 0.
#[test]
fn s5_2_candidate_with_a_majority_becomes_leader_and_sends_heartbeats() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    // Requests arrive at 10 ms, replies at 20 ms: one other vote is a majority of three.
    sim.advance_to(ms(20));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!(n1.role, Role::Leader);
    assert_eq!(sim.leader(), Some(s(1)));
    assert_eq!(n1.next_index, vec![1, 1, 1]);
    assert_eq!(n1.match_index, vec![0, 0, 0]);
    // Both followers voted for S1 and restarted their timers when they did.
    for id in [s(2), s(3)] {
        let n = sim.node(id).unwrap();
        assert_eq!(n.voted_for, Some(s(1)));
        assert_eq!(n.election_timer_start, ms(10));
    }
    let heartbeats = sim
        .in_flight()
        .filter(|p| {
            p.sent_at == ms(20)
                && matches!(&p.payload, Payload::Rpc(Rpc::AppendEntries { term: 1, entries, .. }) if entries.is_empty())
        })
        .count();
    assert_eq!(heartbeats, 2);
    assert_safe(&sim);
}

/// §5.2: a leader repeats heartbeats every heartbeat interval, which keeps followers from
/// starting elections.
#[test]
fn s5_2_leader_sends_heartbeats_every_interval_and_followers_stay() {
    let mut sim = Sim::new(cfg(3)).unwrap();
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(2_000));
    assert_eq!(sim.leader(), Some(s(1)));
    assert_eq!(sim.node(s(1)).unwrap().current_term, 1, "no other election");
    let beats = events_on(&sim, s(1))
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::TimerFired {
                    timer: Timer::Heartbeat
                }
            )
        })
        .count();
    // Leader from 20 ms, a beat every 50 ms up to 2000 ms.
    assert_eq!(beats, 39);
    assert_safe(&sim);
}

/// §5.2: when a vote splits, nobody wins; the candidates time out and a later term decides.
#[test]
fn s5_2_split_vote_is_resolved_in_a_later_term() {
    let mut setup = quiet(4);
    setup[0].election_timeout_us = Some(ms(100));
    setup[1].election_timeout_us = Some(ms(170));
    let mut sim = Sim::with_setup(cfg(4), setup).unwrap();
    // S3 hears S1 first, S4 hears S2 first.
    for (from, to, lat) in [(1, 3, 5), (2, 3, 15), (1, 4, 15), (2, 4, 5)] {
        sim.apply(Action::LinkLatency {
            from: s(from),
            to: s(to),
            both: false,
            min_us: ms(lat),
            max_us: ms(lat),
        })
        .unwrap();
    }
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.apply(Action::Timeout { node: s(2) }).unwrap();
    sim.advance_to(ms(50));
    assert_eq!(sim.leader(), None, "two votes each, three needed");
    for id in [s(1), s(2)] {
        let n = sim.node(id).unwrap();
        assert_eq!(
            (n.role, n.current_term, n.votes_granted.len()),
            (Role::Candidate, 1, 2)
        );
    }
    // S1's timer runs out first (100 ms): term 2, and this time everyone votes for it.
    sim.advance_to(ms(200));
    assert_eq!(sim.leader(), Some(s(1)));
    assert_eq!(sim.node(s(1)).unwrap().current_term, 2);
    assert_eq!(sim.node(s(2)).unwrap().role, Role::Follower);
    assert_safe(&sim);
}

/// §5.2: each server votes for at most one candidate per term, first come first served.
#[test]
fn s5_2_one_vote_per_term_first_come_first_served() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    for (from, lat) in [(1, 5), (2, 15)] {
        sim.apply(Action::LinkLatency {
            from: s(from),
            to: s(3),
            both: false,
            min_us: ms(lat),
            max_us: ms(lat),
        })
        .unwrap();
    }
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.apply(Action::Timeout { node: s(2) }).unwrap();
    sim.advance_to(ms(16));
    assert_eq!(sim.node(s(3)).unwrap().voted_for, Some(s(1)));
    let denial = first_denial(&sim, s(3));
    assert_eq!(
        denial,
        Some((s(2), VoteDenial::AlreadyVoted { for_node: s(1) }))
    );
    sim.advance_to(ms(100));
    assert_eq!(sim.leader(), Some(s(1)));
    assert_safe(&sim);
}

/// §5.1: a vote request from an older term is refused for its term, even by a server that has
/// not voted in its own, newer term; the refusal leaves its vote free.
#[test]
fn s5_1_a_vote_request_from_an_older_term_is_refused() {
    let setup = vec![
        setup(1, None, &[], Some(10_000)),
        setup(3, None, &[], Some(10_000)),
        setup(1, None, &[], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    sim.apply(Action::Partition {
        groups: vec![vec![s(1), s(2)], vec![s(3)]],
    })
    .unwrap();
    // S1 stands for term 2; S2 is in term 3 and has voted for no one there.
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(10));
    let n2 = sim.node(s(2)).unwrap();
    assert_eq!((n2.current_term, n2.voted_for), (3, None));
    let denial = first_denial(&sim, s(2));
    assert_eq!(denial, Some((s(1), VoteDenial::StaleTerm)));
    // Its reply carries term 3, which sends S1 back to follower.
    sim.advance_to(ms(20));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!((n1.role, n1.current_term), (Role::Follower, 3));
    assert_safe(&sim);
}

/// §5.2: a candidate counts only the votes of its current election: a grant from an earlier
/// term that arrives late is ignored, however it answered.
#[test]
fn s5_2_a_late_vote_from_an_earlier_election_is_not_counted() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    // S3 is out of reach; S2's replies to S1 take 100 ms.
    sim.apply(Action::Partition {
        groups: vec![vec![s(1), s(2)], vec![s(3)]],
    })
    .unwrap();
    sim.apply(Action::LinkLatency {
        from: s(2),
        to: s(1),
        both: false,
        min_us: ms(100),
        max_us: ms(100),
    })
    .unwrap();
    // Term 1: S2 grants at 10 ms; the grant reaches S1 at 110 ms.
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(50));
    // Term 2: S2 grants again at 60 ms; that grant reaches S1 at 160 ms.
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(120));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!((n1.role, n1.current_term), (Role::Candidate, 2));
    assert_eq!(n1.votes_granted, vec![s(1)], "only its own vote counts yet");
    assert!(events_on(&sim, s(1)).iter().any(|e| matches!(
        e.kind,
        EventKind::StaleReplyIgnored { from, term: 1 } if from == s(2)
    )));
    sim.advance_to(ms(170));
    assert_eq!(sim.leader(), Some(s(1)), "term 2's own grant elects it");
    assert_eq!(sim.node(s(1)).unwrap().current_term, 2);
    assert_safe(&sim);
}

/// §5.2: granting a vote restarts the voter's election timer; refusing one does not.
#[test]
fn s5_2_granting_a_vote_resets_the_timer_refusing_does_not() {
    let setup = vec![
        setup(1, None, &[1], Some(10_000)),
        setup(1, None, &[1, 1], Some(10_000)),
        setup(1, None, &[], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(10));
    let refused = sim.node(s(2)).unwrap();
    let granted = sim.node(s(3)).unwrap();
    assert_eq!(refused.voted_for, None);
    assert_eq!(
        refused.election_timer_start, 0,
        "refusal leaves the timer alone"
    );
    assert_eq!(granted.voted_for, Some(s(1)));
    assert_eq!(granted.election_timer_start, ms(10));
    assert_safe(&sim);
}

/// §5.2: a candidate that receives AppendEntries from a leader of its own term recognizes the
/// leader and returns to follower.
#[test]
fn s5_2_candidate_steps_down_on_append_entries_of_its_term() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    for (from, lat) in [(1, 5), (3, 15)] {
        sim.apply(Action::LinkLatency {
            from: s(from),
            to: s(2),
            both: false,
            min_us: ms(lat),
            max_us: ms(lat),
        })
        .unwrap();
    }
    // S1 and S3 both stand in term 1; S2 hears S1 first, so S1 wins 2 of 3.
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.apply(Action::Timeout { node: s(3) }).unwrap();
    sim.advance_to(ms(20));
    assert_eq!(sim.leader(), Some(s(1)));
    assert_eq!(sim.node(s(3)).unwrap().role, Role::Candidate);
    // S1's first heartbeat reaches S3 at 25 ms.
    sim.advance_to(ms(30));
    let n3 = sim.node(s(3)).unwrap();
    assert_eq!(
        (n3.role, n3.current_term, n3.leader_id),
        (Role::Follower, 1, Some(s(1)))
    );
    let step_down = events_on(&sim, s(3))
        .into_iter()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::RoleChanged {
                    from: Role::Candidate,
                    to: Role::Follower,
                    term: 1
                }
            )
        })
        .expect("S3 stepped down");
    assert_eq!(step_down.rule.section, "§5.2");
    assert_safe(&sim);
}

/// §5.2: a single server is its own majority: it elects itself as soon as its timer fires and
/// commits writes alone.
#[test]
fn s5_2_single_server_elects_itself_and_commits_alone() {
    let mut sim = Sim::new(cfg(1)).unwrap();
    sim.advance_to(ms(300));
    assert_eq!(sim.leader(), Some(s(1)));
    let n = sim.node(s(1)).unwrap();
    assert_eq!(n.current_term, 1);
    let became = events_on(&sim, s(1))
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::RoleChanged { .. }))
        .map(|e| e.at)
        .collect::<Vec<_>>();
    assert_eq!(became.len(), 2, "candidate then leader");
    assert_eq!(became[0], became[1], "in the same instant");
    let w = sim.submit_write(s(1), cmd("SET x 3")).unwrap();
    sim.advance_by(ms(30));
    assert!(matches!(
        sim.clients()[w as usize - 1].status,
        WriteStatus::Committed {
            index: 1,
            value: 3,
            ..
        }
    ));
    assert_safe(&sim);
}

// ----- §5.4.1 Election restriction -----

/// §5.4.1: a server refuses its vote to a candidate whose log is shorter with the same last term.
#[test]
fn s5_4_1_vote_refused_to_a_shorter_log() {
    let setup = vec![
        setup(1, None, &[1, 1], Some(10_000)),
        setup(1, None, &[1], Some(10_000)),
        setup(1, None, &[1], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    sim.apply(Action::Timeout { node: s(2) }).unwrap();
    sim.advance_to(ms(10));
    let denial = events_on(&sim, s(1))
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::VoteDenied { reason, .. } => Some((reason, e.rule.section)),
            _ => None,
        });
    assert_eq!(denial, Some((VoteDenial::LogNotUpToDate, "§5.4.1")));
    assert_eq!(sim.node(s(1)).unwrap().voted_for, None);
    assert_eq!(
        sim.node(s(3)).unwrap().voted_for,
        Some(s(2)),
        "equal logs: granted"
    );
    assert_safe(&sim);
}

/// §5.4.1: the later last term wins even against a longer log.
#[test]
fn s5_4_1_later_last_term_beats_a_longer_log() {
    let setup = vec![
        setup(2, None, &[1, 1, 1], Some(10_000)),
        setup(2, None, &[1, 2], Some(10_000)),
        setup(2, None, &[1, 1, 1], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    sim.apply(Action::Timeout { node: s(1) }).unwrap();
    sim.advance_to(ms(10));
    assert_eq!(
        sim.node(s(2)).unwrap().voted_for,
        None,
        "S1's last term 1 < 2"
    );
    sim.apply(Action::Timeout { node: s(2) }).unwrap();
    sim.advance_to(ms(30));
    assert_eq!(sim.node(s(1)).unwrap().voted_for, Some(s(2)));
    assert_eq!(sim.leader(), Some(s(2)));
    let n = sim.node(s(2)).unwrap();
    assert!(n.is_up_to_date(1, 3) && !n.is_up_to_date(3, 1));
    assert_safe(&sim);
}

// ----- §5.1 Terms -----

/// §5.1: a leader that sees a higher term steps down to follower and adopts the term; the client
/// writes it was waiting to answer are dropped (their entries may or may not survive).
#[test]
fn s5_1_higher_term_makes_a_leader_step_down() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    let w = sim.submit_write(s(1), cmd("SET x 1")).unwrap();
    sim.advance_by(ms(15));
    assert_eq!(sim.node(s(1)).unwrap().pending_writes.len(), 1);
    // S2 stands for term 2; its RequestVote reaches S1 10 ms later.
    sim.apply(Action::Timeout { node: s(2) }).unwrap();
    sim.advance_by(ms(10));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!((n1.role, n1.current_term), (Role::Follower, 2));
    assert!(n1.pending_writes.is_empty());
    assert!(events_on(&sim, s(1)).iter().any(|e| matches!(
        e.kind,
        EventKind::RoleChanged {
            from: Role::Leader,
            to: Role::Follower,
            term: 2
        }
    )));
    sim.advance_by(ms(100));
    assert_eq!(sim.clients()[w as usize - 1].status, WriteStatus::Pending);
    assert_safe(&sim);
}

/// §5.1: a request with a stale term is rejected, and the reply's newer term makes the stale
/// sender step down.
#[test]
fn s5_1_stale_leader_is_rejected_and_steps_down() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    sim.apply(Action::Partition {
        groups: vec![vec![s(1)]],
    })
    .unwrap();
    elect(&mut sim, s(2));
    // Now only S1 and S3 can talk: S1 still thinks it leads term 1.
    sim.apply(Action::Partition {
        groups: vec![vec![s(1), s(3)], vec![s(2)]],
    })
    .unwrap();
    assert_eq!(sim.node(s(1)).unwrap().role, Role::Leader);
    sim.advance_by(ms(100));
    assert!(events_on(&sim, s(3))
        .iter()
        .any(|e| matches!(e.kind, EventKind::StaleTermRejected { from, term: 1 } if from == s(1))));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!((n1.role, n1.current_term), (Role::Follower, 2));
    sim.apply(Action::Heal).unwrap();
    sim.advance_by(ms(100));
    assert_eq!(sim.node(s(1)).unwrap().leader_id, Some(s(2)));
    assert_safe(&sim);
}

// ----- §5.3 Log replication -----

/// §5.3: a follower refuses AppendEntries whose previous entry it lacks; the leader decrements
/// nextIndex and retries until the logs match, then the follower takes the missing entries.
#[test]
fn s5_3_consistency_check_rejects_and_leader_backs_off() {
    let setup = vec![
        setup(2, None, &[1, 1, 2, 2], Some(10_000)),
        setup(2, None, &[1], Some(10_000)),
        setup(2, None, &[1, 1, 2, 2], Some(10_000)),
    ];
    let config = Config {
        heartbeat_interval_us: ms(140),
        ..cfg(3)
    };
    let mut sim = Sim::with_setup(config, setup).unwrap();
    elect(&mut sim, s(1));
    sim.advance_by(ms(100));
    let rejected: Vec<LogIndex> = events_on(&sim, s(2))
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::AppendRejected { prev_log_index, .. } => Some(prev_log_index),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, vec![4, 3, 2]);
    let backed_off: Vec<LogIndex> = events_on(&sim, s(1))
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::NextIndexBackedOff {
                follower,
                next_index,
            } if follower == s(2) => Some(next_index),
            _ => None,
        })
        .collect();
    assert_eq!(backed_off, vec![4, 3, 2]);
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!(sim.node(s(2)).unwrap().log, n1.log);
    assert_eq!((n1.next_index[1], n1.match_index[1]), (5, 4));
    assert_safe(&sim);
}

/// §5.3: an entry that conflicts with the leader's (same index, different term) is deleted with
/// everything after it, and the leader's entries take their place.
#[test]
fn s5_3_conflicting_entries_are_truncated() {
    let setup = vec![
        setup(3, None, &[1, 3], Some(10_000)),
        setup(3, None, &[1, 2, 2], Some(10_000)),
        setup(3, None, &[1, 3], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(3), setup).unwrap();
    elect(&mut sim, s(1));
    sim.advance_by(ms(100));
    let truncated: Vec<(LogIndex, usize)> = events_on(&sim, s(2))
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::EntriesTruncated { first_index, count } => Some((first_index, count)),
            _ => None,
        })
        .collect();
    assert_eq!(truncated, vec![(2, 2)]);
    assert_eq!(sim.node(s(2)).unwrap().log, sim.node(s(1)).unwrap().log);
    assert_eq!(sim.node(s(2)).unwrap().log.len(), 2);
    assert_safe(&sim);
}

/// §5.3: an old AppendEntries arriving late must not truncate newer entries that match; it
/// only confirms what it carries.
#[test]
fn s5_3_late_append_entries_does_not_truncate_matching_entries() {
    let mut bench = Bench::new(3);
    let mut n = Node::new(s(2), 3, 1, None, entries(&[1, 1, 1]));
    let old = entries(&[1]);
    n.handle_append_entries(&mut bench.ctx(), s(1), 1, 0, 0, old, 0);
    assert_eq!(n.log, entries(&[1, 1, 1]), "nothing deleted");
    assert!(bench.changes.is_empty(), "the log did not change");
    let reply = bench.sent().last().map(|p| p.payload.clone());
    assert_eq!(
        reply,
        Some(Payload::Rpc(Rpc::AppendEntriesReply {
            term: 1,
            success: true,
            match_index: 1
        }))
    );
}

/// §5.3: a leader that hears a follower hold all it sent sends what it appended since at once,
/// not at the next heartbeat; and a reply from an older term (sent to this server when it led
/// before) is ignored however it answered, since the follower's log may have changed since.
#[test]
fn s5_3_a_leader_acts_on_replies_of_its_term_only_and_sends_the_rest_at_once() {
    let mut bench = Bench::new(3);
    let mut n = Node::new(s(1), 3, 2, Some(s(1)), entries(&[1, 2]));
    n.role = Role::Candidate;
    n.become_leader(&mut bench.ctx(), raftsim::trace::rules::WIN_ELECTION);
    assert_eq!(n.role, Role::Leader);
    // The leader of term 2 took a write after its heartbeats went out.
    n.log.push(Entry::new(2, cmd("SET x 1")));
    let sent_before = bench.sent().len();
    // A late success from when it led term 1, claiming three entries: ignored.
    n.handle_append_reply(&mut bench.ctx(), s(2), 1, true, 3);
    assert_eq!(n.match_index[1], 0);
    assert_eq!(bench.sent().len(), sent_before, "nothing sent for it");
    // S2 answers the heartbeat of term 2: it holds both entries; the third goes out now.
    n.handle_append_reply(&mut bench.ctx(), s(2), 2, true, 2);
    assert_eq!(n.match_index[1], 2);
    let last = bench.sent().last().map(|p| (p.to, p.payload.clone()));
    match last {
        Some((
            to,
            Payload::Rpc(Rpc::AppendEntries {
                prev_log_index,
                entries,
                ..
            }),
        )) => {
            assert_eq!(
                (to, prev_log_index, entries.len()),
                (Addr::Node(s(2)), 2, 1)
            );
        }
        other => panic!("expected AppendEntries to S2, got {other:?}"),
    }
}

/// §5.3 (Figure 2, AppendEntries step 5): a follower sets its commit index to the smaller of
/// leaderCommit and the index of the last new entry, never past what the leader vouched for.
#[test]
fn s5_3_follower_commit_is_min_of_leader_commit_and_last_new_entry() {
    let mut bench = Bench::new(3);
    // S2 holds three entries; the leader's request covers only the first two.
    let mut n = Node::new(s(2), 3, 2, None, entries(&[1, 1, 1]));
    n.handle_append_entries(
        &mut bench.ctx(),
        s(1),
        2,
        1,
        1,
        entries(&[1, 1])[1..].to_vec(),
        3,
    );
    assert_eq!(n.commit_index, 2, "min(leaderCommit 3, last new entry 2)");
    assert_eq!(n.last_applied, 2);
    // With nothing new, leaderCommit 1 is below what it has: the commit index never goes back.
    n.handle_append_entries(&mut bench.ctx(), s(1), 2, 1, 1, Vec::new(), 1);
    assert_eq!(n.commit_index, 2);
}

/// §5.3: a follower commits what the leader has committed, as it learns of it in the next
/// AppendEntries, and applies it in order.
#[test]
fn s5_3_followers_learn_commits_from_the_leader_and_apply_in_order() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    for c in ["SET x 1", "ADD x 2", "ADD x 3"] {
        sim.submit_write(s(1), cmd(c)).unwrap();
    }
    sim.advance_by(ms(200));
    for n in sim.nodes() {
        assert_eq!((n.commit_index, n.last_applied), (3, 3), "{}", n.id);
        assert_eq!(n.kv.get("x"), Some(6));
        let applied: Vec<LogIndex> = events_on(&sim, n.id)
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Applied { index, .. } => Some(index),
                _ => None,
            })
            .collect();
        assert_eq!(applied, vec![1, 2, 3]);
    }
    assert_safe(&sim);
}

// ----- §5.4.2 Committing entries from previous terms -----

/// §5.4.2, Figure 8: a leader does not commit an entry from an earlier term just because a
/// majority stores it; it commits it only together with an entry of its own term.
#[test]
fn s5_4_2_figure_8_old_term_entry_is_not_committed_by_counting_replicas() {
    let setup = vec![
        setup(3, None, &[1, 2], Some(10_000)),
        setup(3, None, &[1, 2], Some(10_000)),
        setup(3, None, &[1], Some(10_000)),
        setup(3, None, &[1], Some(10_000)),
        setup(3, None, &[1, 3], Some(10_000)),
    ];
    let mut sim = Sim::with_setup(cfg(5), setup).unwrap();
    elect(&mut sim, s(1));
    sim.advance_by(ms(300));
    let n1 = sim.node(s(1)).unwrap();
    assert_eq!(n1.current_term, 4);
    assert!(
        n1.match_index.iter().all(|&m| m >= 2),
        "every server stores entry 2 (term 2): {:?}",
        n1.match_index
    );
    assert_eq!(
        n1.commit_index, 0,
        "entry 2 is of term 2, not 4: not committed"
    );
    // An entry of term 4 commits, and everything before it with it.
    sim.submit_write(s(1), cmd("SET x 9")).unwrap();
    sim.advance_by(ms(100));
    let commits: Vec<(LogIndex, LogIndex)> = events_on(&sim, s(1))
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::CommitAdvanced { from, to } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(commits, vec![(0, 3)]);
    assert_eq!(sim.node(s(5)).unwrap().log, sim.node(s(1)).unwrap().log);
    assert_safe(&sim);
}

// ----- Figure 2: persistent and volatile state -----

/// Figure 2: a crash loses volatile state (commit index, applied state) but keeps the persistent
/// term, vote and log; the server relearns the commit index from the leader and re-applies.
#[test]
fn figure_2_restart_keeps_term_vote_and_log_then_relearns_commit() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    sim.submit_write(s(1), cmd("SET x 7")).unwrap();
    sim.advance_by(ms(200));
    let before = sim.node(s(3)).unwrap().clone();
    assert_eq!((before.commit_index, before.kv.get("x")), (1, Some(7)));
    sim.apply(Action::Crash { node: s(3) }).unwrap();
    assert!(sim.node(s(3)).unwrap().crashed);
    sim.advance_by(ms(100));
    sim.apply(Action::Restart { node: s(3) }).unwrap();
    let after = sim.node(s(3)).unwrap();
    assert_eq!(
        (after.current_term, after.voted_for, &after.log),
        (before.current_term, before.voted_for, &before.log)
    );
    assert_eq!((after.commit_index, after.last_applied), (0, 0));
    assert!(after.kv.values.is_empty());
    assert_eq!((after.role, after.leader_id), (Role::Follower, None));
    sim.advance_by(ms(100));
    let relearned = sim.node(s(3)).unwrap();
    assert_eq!(
        (relearned.commit_index, relearned.kv.get("x")),
        (1, Some(7))
    );
    assert_safe(&sim);
}

/// A crashed server does nothing: its timers do not fire and packets sent to it are lost.
#[test]
fn crashed_server_loses_packets_and_its_timers_stop() {
    let mut sim = Sim::new(cfg(3)).unwrap();
    sim.apply(Action::Crash { node: s(2) }).unwrap();
    sim.advance_to(ms(2_000));
    let n2 = sim.node(s(2)).unwrap();
    assert_eq!((n2.current_term, n2.role), (0, Role::Follower));
    assert!(events_on(&sim, s(2)).iter().any(|e| matches!(
        e.kind,
        EventKind::MessageDropped {
            reason: DropReason::ReceiverCrashed,
            ..
        }
    )));
    assert!(sim.leader().is_some(), "two of three still elect a leader");
    assert_safe(&sim);
}

// ----- §8 Client interaction -----

/// §8: a server that is not the leader answers a client with a redirect naming the leader.
#[test]
fn s8_write_to_a_follower_is_redirected() {
    let config = Config {
        client_follows_redirects: false,
        ..cfg(3)
    };
    let mut sim = Sim::with_setup(config, quiet(3)).unwrap();
    elect(&mut sim, s(1));
    sim.advance_by(ms(60));
    let w = sim.submit_write(s(2), cmd("SET x 1")).unwrap();
    sim.advance_by(ms(20));
    assert_eq!(
        sim.clients()[w as usize - 1].status,
        WriteStatus::Redirected {
            leader: Some(s(1)),
            at: sim.now()
        }
    );
    assert!(sim.node(s(1)).unwrap().log.is_empty());
    assert_safe(&sim);
}

/// §8: the client follows a redirect to the leader, which answers once the write is committed.
#[test]
fn s8_client_follows_a_redirect_to_the_leader() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    sim.advance_by(ms(60));
    let w = sim.submit_write(s(3), cmd("SET x 4")).unwrap();
    sim.advance_by(ms(100));
    let write = &sim.clients()[w as usize - 1];
    assert_eq!(write.sent_to, vec![s(3), s(1)]);
    assert!(matches!(
        write.status,
        WriteStatus::Committed {
            index: 1,
            value: 4,
            ..
        }
    ));
    assert_safe(&sim);
}

/// §8: the leader answers a write only after its entry is committed and applied.
#[test]
fn s8_leader_answers_only_after_commit() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    let start = sim.now();
    let w = sim.submit_write(s(1), cmd("SET x 5")).unwrap();
    // Client → S1 10 ms, S1 → followers 10 ms, replies 10 ms: commit at +30 ms, answer at +40.
    sim.advance_to(start + ms(39));
    assert_eq!(sim.clients()[w as usize - 1].status, WriteStatus::Pending);
    assert_eq!(sim.node(s(1)).unwrap().commit_index, 1);
    sim.advance_to(start + ms(40));
    assert_eq!(
        sim.clients()[w as usize - 1].status,
        WriteStatus::Committed {
            index: 1,
            value: 5,
            at: start + ms(40)
        }
    );
    let seq_commit = events_on(&sim, s(1))
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::CommitAdvanced { .. }))
        .unwrap()
        .seq;
    let seq_answer = sim
        .trace()
        .iter()
        .find(|e| matches!(e.kind, EventKind::ClientAnswered { .. }))
        .unwrap()
        .seq;
    assert!(seq_commit < seq_answer);
    assert_safe(&sim);
}

/// How many times the client was answered for write `w`.
fn answers(sim: &Sim, w: ClientWriteId) -> usize {
    sim.trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ClientAnswered { write, .. } if write == w))
        .count()
}

/// §8: a client write sent twice is applied once. ADD x 5 reaches S2 and S3, its leader S1
/// crashes before it commits, S2 leads, and the client sends the write again to S2: S2 appends
/// a second copy, both commit, the first applies and the second is recognised as a duplicate
/// and skipped. x is 5 everywhere, not 10, and the client is answered once.
#[test]
fn s8_a_write_sent_again_after_its_leader_crashed_is_applied_once() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    let start = sim.now();
    let w = sim.submit_write(s(1), cmd("ADD x 5")).unwrap();
    // S1 appends at +10 ms, S2 and S3 at +20; their replies would reach S1 at +30.
    sim.advance_to(start + ms(25));
    for id in [s(2), s(3)] {
        assert_eq!(sim.node(id).unwrap().log.len(), 1, "{id} holds the write");
    }
    sim.apply(Action::Crash { node: s(1) }).unwrap();
    elect(&mut sim, s(2));
    assert_eq!(sim.node(s(2)).unwrap().commit_index, 0, "not committed yet");
    sim.apply(Action::Retry {
        write: w,
        node: s(2),
    })
    .unwrap();
    assert!(run_until(&mut sim, 200, |sim| sim.clients()[0].status
        != WriteStatus::Pending));
    sim.apply(Action::Restart { node: s(1) }).unwrap();
    sim.advance_by(ms(500));
    let answered = &sim.clients()[w as usize - 1];
    assert!(
        matches!(
            answered.status,
            WriteStatus::Committed {
                index: 1,
                value: 5,
                ..
            }
        ),
        "{:?}",
        answered.status
    );
    assert!(
        answered.duplicate,
        "the answer says a duplicate was skipped"
    );
    assert_eq!(answers(&sim, w), 1, "answered once");
    for n in sim.nodes() {
        assert_eq!(n.log.len(), 2, "{}: two copies in the log", n.id);
        assert_eq!(n.last_applied, 2, "{}", n.id);
        assert_eq!(n.kv.get("x"), Some(5), "{}: applied once", n.id);
        let skipped = events_on(&sim, n.id).into_iter().any(|e| {
            matches!(
                e.kind,
                EventKind::DuplicateSkipped {
                    index: 2,
                    seq: 1,
                    of: Duplicate::Applied { index: 1, value: 5 },
                    ..
                }
            )
        });
        assert!(skipped, "{} skipped the copy at index 2", n.id);
    }
    assert_safe(&sim);
}

/// Cuts the links from S2 and S3 to S1 (or restores them), so that S1 hears nothing back.
fn deafen_s1(sim: &mut Sim, deaf: bool) {
    for from in [s(2), s(3)] {
        let (to, both) = (s(1), false);
        let action = if deaf {
            Action::Cut { from, to, both }
        } else {
            Action::Restore { from, to, both }
        };
        sim.apply(action).unwrap();
    }
}

/// §8: a write whose leader stepped down before answering is answered once its entry commits
/// under the next leader: the client, hearing nothing, sends it again after its retry timeout.
/// With `leader_noop`, the entry has already committed by then and the new leader answers
/// with the recorded result; without it, the copy sent again makes it commit.
#[test]
fn s8_a_write_whose_leader_stepped_down_is_answered_after_the_retry() {
    for noop in [false, true] {
        let mut config = cfg(3);
        config.protocol.leader_noop = noop;
        let mut sim = Sim::with_setup(config, quiet(3)).unwrap();
        elect(&mut sim, s(1));
        // Let the no-op, if any, commit first.
        sim.advance_by(ms(50));
        let start = sim.now();
        let w = sim.submit_write(s(1), cmd("ADD x 5")).unwrap();
        sim.advance_to(start + ms(15));
        deafen_s1(&mut sim, true);
        sim.advance_to(start + ms(25));
        elect(&mut sim, s(2));
        deafen_s1(&mut sim, false);
        assert!(run_until(&mut sim, 200, |sim| sim.node(s(1)).unwrap().role
            == Role::Follower));
        let retry_at = start + sim.config().client_retry_us;
        sim.advance_to(retry_at - 1);
        assert_eq!(
            sim.clients()[0].status,
            WriteStatus::Pending,
            "noop {noop}: nobody answers"
        );
        sim.advance_to(retry_at + ms(100));
        let answered = &sim.clients()[w as usize - 1];
        assert!(
            matches!(
                answered.status,
                WriteStatus::Committed { index, value: 5, .. } if index == 1 + u64::from(noop)
            ),
            "noop {noop}: {:?}",
            answered.status
        );
        assert_eq!(answered.retries, 1);
        assert_eq!(answered.sent_to, vec![s(1), s(2)], "sent again to S2");
        assert!(answered.duplicate);
        assert_eq!(answers(&sim, w), 1);
        let retried = sim.trace().iter().any(|e| {
            matches!(e.kind, EventKind::ClientRetried { write, attempt: 2 } if write == w)
                && e.rule.section == "§8"
        });
        assert!(retried, "the retry is in the trace");
        let from_record = events_on(&sim, s(2)).into_iter().any(|e| {
            matches!(
                e.kind,
                EventKind::DuplicateRequest {
                    of: Duplicate::Applied { value: 5, .. },
                    ..
                }
            )
        });
        assert_eq!(from_record, noop, "answered from the recorded result");
        for n in sim.nodes() {
            assert_eq!(n.kv.get("x"), Some(5), "noop {noop}: {}", n.id);
        }
        assert_safe(&sim);
    }
}

/// §8: a write lost before any server stored it still applies when sent again, after later
/// writes applied (the state machine keeps every result the client may still ask about, not
/// only the last one); and the retry action refuses what it cannot do.
#[test]
fn s8_a_write_lost_before_it_was_stored_applies_when_sent_again() {
    let mut sim = Sim::with_setup(cfg(3), quiet(3)).unwrap();
    elect(&mut sim, s(1));
    let lost = sim.submit_write(s(1), cmd("ADD x 1")).unwrap();
    let packet = sim.in_flight().last().unwrap().id;
    sim.apply(Action::Drop { packet }).unwrap();
    let later = sim.submit_write(s(1), cmd("ADD x 10")).unwrap();
    assert!(run_until(&mut sim, 200, |sim| sim.clients()[1].status
        != WriteStatus::Pending));
    sim.apply(Action::Retry {
        write: lost,
        node: s(1),
    })
    .unwrap();
    assert!(run_until(&mut sim, 200, |sim| sim.clients()[0].status
        != WriteStatus::Pending));
    assert!(!sim.clients()[0].duplicate);
    assert_eq!(sim.node(s(1)).unwrap().kv.get("x"), Some(11));
    let refused = |sim: &mut Sim, write, node| {
        sim.apply(Action::Retry { write, node })
            .unwrap_err()
            .to_string()
    };
    assert!(refused(&mut sim, later, s(1)).contains("already answered"));
    assert!(refused(&mut sim, 9, s(1)).contains("unknown write #9"));
    sim.apply(Action::Crash { node: s(3) }).unwrap();
    sim.submit_write(s(1), cmd("SET y 1")).unwrap();
    assert!(refused(&mut sim, 3, s(3)).contains("crashed"));
    assert!(refused(&mut sim, 3, s(7)).contains("unknown node"));
    assert_safe(&sim);
}
