//! A small network harness (cut, isolate, heal, crash, restart, drop) and table-driven
//! scenarios. Each scenario is a list of steps: things to do and things to expect. Invariants
//! are checked after every step.

mod common;

use common::*;
use raftsim::*;

/// A simulation with verbs for breaking and mending the world.
struct Harness {
    sim: Sim,
    /// Client writes in the order the scenario made them (1-based in steps).
    writes: Vec<ClientWriteId>,
}

impl Harness {
    fn new(nodes: usize, pinned: bool) -> Harness {
        let sim = if pinned {
            Sim::with_setup(cfg(nodes), quiet(nodes)).unwrap()
        } else {
            Sim::new(cfg(nodes)).unwrap()
        };
        Harness {
            sim,
            writes: Vec::new(),
        }
    }

    fn act(&mut self, action: Action) {
        let shown = format!("{action:?}");
        self.sim
            .apply(action)
            .unwrap_or_else(|e| panic!("{shown} refused: {e}"));
    }

    /// Takes the link between `a` and `b` down, both ways.
    fn cut(&mut self, a: NodeId, b: NodeId) {
        self.act(Action::Cut {
            from: a,
            to: b,
            both: true,
        });
    }

    /// Cuts `a` off from every other server.
    fn isolate(&mut self, a: NodeId) {
        self.act(Action::Partition {
            groups: vec![vec![a]],
        });
    }

    fn heal(&mut self) {
        self.act(Action::Heal);
    }

    fn crash(&mut self, a: NodeId) {
        self.act(Action::Crash { node: a });
    }

    fn restart(&mut self, a: NodeId) {
        self.act(Action::Restart { node: a });
    }

    /// Drops every packet in flight to `a`.
    fn drop_to(&mut self, a: NodeId) {
        let doomed: Vec<PacketId> = self
            .sim
            .in_flight()
            .filter(|p| p.to == Addr::Node(a))
            .map(|p| p.id)
            .collect();
        for packet in doomed {
            self.act(Action::Drop { packet });
        }
    }

    fn write(&mut self, to: NodeId, command: &str) {
        let id = self.sim.submit_write(to, cmd(command)).unwrap();
        self.writes.push(id);
    }

    fn status(&self, nth: usize) -> &WriteStatus {
        let id = self.writes[nth - 1];
        &self.sim.clients()[id as usize - 1].status
    }

    fn node(&self, n: u8) -> &Node {
        self.sim.node(s(n)).unwrap()
    }
}

/// One line of a scenario.
#[derive(Clone, Debug)]
enum Step {
    // Doing.
    Elect(u8),
    Timeout(u8),
    Write(u8, &'static str),
    Run(u64),
    Cut(u8, u8),
    CutOneWay(u8, u8),
    Isolate(u8),
    Partition(&'static [&'static [u8]]),
    Heal,
    Crash(u8),
    Restart(u8),
    DropTo(u8),
    /// Fixed latency (ms) on the link `a` → `b`.
    Latency(u8, u8, u64),
    // Expecting.
    Leader(Option<u8>),
    SomeLeaderAllAgree,
    RoleIs(u8, Role),
    TermIs(u8, Term),
    TermAtLeast(u8, Term),
    Commit(u8, LogIndex),
    LogLen(u8, usize),
    /// Every live server has the same log and commit index.
    AllLogsEqual,
    Kv(u8, &'static str, Option<i64>),
    /// The n-th write of the scenario (1-based) is committed / still unanswered.
    Committed(usize),
    Pending(usize),
    /// Every committed write is in the log of every live server at its index.
    CommittedWritesEverywhere,
}

use Step::*;

struct Scenario {
    name: &'static str,
    nodes: usize,
    /// Pinned 10 s election timeouts: only `Elect`/`Timeout` start elections.
    pinned: bool,
    steps: Vec<Step>,
}

fn run(scenario: &Scenario) {
    let mut h = Harness::new(scenario.nodes, scenario.pinned);
    for (i, step) in scenario.steps.iter().enumerate() {
        let here = format!("scenario `{}`, step {} {:?}", scenario.name, i + 1, step);
        match *step {
            Elect(n) => elect(&mut h.sim, s(n)),
            Timeout(n) => h.act(Action::Timeout { node: s(n) }),
            Write(n, c) => h.write(s(n), c),
            Run(t) => h.sim.advance_by(ms(t)),
            Cut(a, b) => h.cut(s(a), s(b)),
            CutOneWay(a, b) => h.act(Action::Cut {
                from: s(a),
                to: s(b),
                both: false,
            }),
            Isolate(n) => h.isolate(s(n)),
            Partition(groups) => h.act(Action::Partition {
                groups: groups
                    .iter()
                    .map(|g| g.iter().map(|&n| s(n)).collect())
                    .collect(),
            }),
            Heal => h.heal(),
            Crash(n) => h.crash(s(n)),
            Restart(n) => h.restart(s(n)),
            DropTo(n) => h.drop_to(s(n)),
            Latency(a, b, t) => h.act(Action::LinkLatency {
                from: s(a),
                to: s(b),
                both: false,
                min_us: ms(t),
                max_us: ms(t),
            }),
            Leader(expected) => assert_eq!(h.sim.leader(), expected.map(s), "{here}"),
            SomeLeaderAllAgree => {
                let leader = h
                    .sim
                    .leader()
                    .unwrap_or_else(|| panic!("{here}: no leader"));
                for n in h
                    .sim
                    .nodes()
                    .iter()
                    .filter(|n| !n.crashed && n.id != leader)
                {
                    assert_eq!(n.leader_id, Some(leader), "{here}: {} disagrees", n.id);
                    assert_eq!(n.role, Role::Follower, "{here}");
                }
            }
            RoleIs(n, role) => assert_eq!(h.node(n).role, role, "{here}"),
            TermIs(n, t) => assert_eq!(h.node(n).current_term, t, "{here}"),
            TermAtLeast(n, t) => assert!(h.node(n).current_term >= t, "{here}"),
            Commit(n, c) => assert_eq!(h.node(n).commit_index, c, "{here}"),
            LogLen(n, l) => assert_eq!(h.node(n).log.len(), l, "{here}"),
            AllLogsEqual => {
                let live: Vec<&Node> = h.sim.nodes().iter().filter(|n| !n.crashed).collect();
                for n in &live {
                    assert_eq!(n.log, live[0].log, "{here}: {} vs {}", n.id, live[0].id);
                    assert_eq!(n.commit_index, live[0].commit_index, "{here}: {}", n.id);
                    assert_eq!(n.kv, live[0].kv, "{here}: {}", n.id);
                }
            }
            Kv(n, key, value) => assert_eq!(h.node(n).kv.get(key), value, "{here}"),
            Committed(w) => assert!(
                matches!(h.status(w), WriteStatus::Committed { .. }),
                "{here}: {:?}",
                h.status(w)
            ),
            Pending(w) => assert_eq!(h.status(w), &WriteStatus::Pending, "{here}"),
            CommittedWritesEverywhere => {
                for w in h.sim.clients() {
                    if let WriteStatus::Committed { index, .. } = w.status {
                        for n in h.sim.nodes().iter().filter(|n| !n.crashed) {
                            let e = n.log.get(index as usize - 1);
                            assert_eq!(e.map(|e| &e.command), Some(&w.command), "{here}: {}", n.id);
                        }
                    }
                }
            }
        }
        assert!(
            h.sim.violations().is_empty(),
            "{here}: invariants broken: {:#?}",
            h.sim.violations()
        );
    }
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "leader replicates and every server applies",
            nodes: 5,
            pinned: true,
            steps: vec![
                Elect(1),
                Write(1, "SET x 1"),
                Write(1, "ADD x 2"),
                Run(200),
                Committed(1),
                Committed(2),
                AllLogsEqual,
                Commit(5, 2),
                Kv(5, "x", Some(3)),
            ],
        },
        Scenario {
            name: "dueling candidates settle on one leader",
            nodes: 5,
            pinned: false,
            steps: vec![
                // Three candidates at once; S4 hears S1 first, S5 hears S2 first: 2, 2 and 1
                // votes, three needed.
                Latency(1, 4, 5),
                Latency(2, 5, 5),
                Timeout(1),
                Timeout(2),
                Timeout(3),
                Run(30),
                Leader(None),
                Run(2_000),
                SomeLeaderAllAgree,
                TermAtLeast(1, 1),
            ],
        },
        Scenario {
            name: "isolated leader rejoins, steps down, loses its uncommitted entry",
            nodes: 5,
            pinned: true,
            steps: vec![
                Elect(1),
                Write(1, "SET x 1"),
                Run(100),
                Committed(1),
                Isolate(1),
                Write(1, "SET x 2"),
                Run(200),
                LogLen(1, 2),
                Commit(1, 1),
                Pending(2),
                Elect(2),
                Write(2, "SET x 3"),
                Run(100),
                Committed(3),
                RoleIs(1, Role::Leader),
                Heal,
                Run(200),
                RoleIs(1, Role::Follower),
                TermIs(1, 2),
                Leader(Some(2)),
                AllLogsEqual,
                Kv(1, "x", Some(3)),
                Pending(2),
                CommittedWritesEverywhere,
            ],
        },
        Scenario {
            name: "minority partition cannot commit, majority can",
            nodes: 5,
            pinned: true,
            steps: vec![
                Elect(1),
                Partition(&[&[1, 2], &[3, 4, 5]]),
                Write(1, "SET x 1"),
                Run(500),
                LogLen(1, 1),
                LogLen(2, 1),
                Commit(1, 0),
                Pending(1),
                Elect(3),
                Write(3, "SET y 1"),
                Run(200),
                Committed(2),
                Commit(3, 1),
                Heal,
                Run(300),
                Leader(Some(3)),
                AllLogsEqual,
                Kv(1, "y", Some(1)),
                Kv(1, "x", None),
                Pending(1),
            ],
        },
        Scenario {
            name: "crashed leader is replaced and returns as a follower",
            nodes: 3,
            pinned: true,
            steps: vec![
                Elect(1),
                Write(1, "SET x 1"),
                Run(100),
                Crash(1),
                Elect(2),
                Write(2, "ADD x 1"),
                Run(100),
                Committed(2),
                Restart(1),
                RoleIs(1, Role::Follower),
                Commit(1, 0),
                Run(200),
                TermIs(1, 2),
                AllLogsEqual,
                Commit(1, 2),
                Kv(1, "x", Some(2)),
            ],
        },
        Scenario {
            name: "lost AppendEntries are sent again with the next heartbeat",
            nodes: 3,
            pinned: true,
            steps: vec![
                Elect(1),
                Write(1, "SET x 1"),
                Run(10),
                DropTo(2),
                DropTo(3),
                Run(15),
                LogLen(2, 0),
                Run(200),
                LogLen(2, 1),
                Commit(2, 1),
                Committed(1),
            ],
        },
        Scenario {
            name: "restarted follower catches up on what it missed",
            nodes: 5,
            pinned: true,
            steps: vec![
                Elect(1),
                Crash(5),
                Write(1, "SET a 1"),
                Write(1, "SET b 2"),
                Write(1, "SET c 3"),
                Run(200),
                Commit(1, 3),
                LogLen(5, 0),
                Restart(5),
                Run(300),
                AllLogsEqual,
                Kv(5, "c", Some(3)),
            ],
        },
        Scenario {
            name: "a stale candidate cannot win, but unseats the leader",
            nodes: 3,
            pinned: true,
            steps: vec![
                Elect(1),
                Isolate(3),
                Write(1, "SET x 1"),
                Run(100),
                Committed(1),
                LogLen(3, 0),
                Heal,
                Timeout(3),
                Run(50),
                RoleIs(1, Role::Follower),
                TermIs(1, 2),
                RoleIs(3, Role::Candidate),
                Leader(None),
                Elect(2),
                TermIs(2, 3),
                Run(100),
                AllLogsEqual,
                RoleIs(3, Role::Follower),
            ],
        },
        Scenario {
            name: "a one-way cut causes elections but never unsafety",
            nodes: 3,
            pinned: false,
            steps: vec![
                Timeout(1),
                Run(100),
                Leader(Some(1)),
                CutOneWay(1, 2),
                Write(1, "SET x 1"),
                Run(3_000),
                TermAtLeast(2, 2),
                Heal,
                Run(1_000),
                SomeLeaderAllAgree,
                CommittedWritesEverywhere,
            ],
        },
        Scenario {
            name: "cut links around the leader force a new one",
            nodes: 5,
            pinned: false,
            steps: vec![
                Timeout(1),
                Run(100),
                Leader(Some(1)),
                Write(1, "SET x 1"),
                Run(100),
                Cut(1, 2),
                Cut(1, 3),
                Cut(1, 4),
                Run(2_000),
                Heal,
                Run(1_000),
                SomeLeaderAllAgree,
                CommittedWritesEverywhere,
                Kv(1, "x", Some(1)),
            ],
        },
        Scenario {
            name: "writes during a partition: acknowledged ones survive the heal",
            nodes: 5,
            pinned: false,
            steps: vec![
                Timeout(1),
                Run(100),
                Write(1, "SET x 1"),
                Run(100),
                Partition(&[&[1, 2], &[3, 4, 5]]),
                Run(1_500),
                Write(3, "SET y 2"),
                Write(1, "SET z 3"),
                Run(500),
                Committed(2),
                Pending(3),
                Heal,
                Run(1_000),
                SomeLeaderAllAgree,
                CommittedWritesEverywhere,
                Kv(2, "y", Some(2)),
            ],
        },
    ]
}

#[test]
fn table_driven_scenarios() {
    for scenario in scenarios() {
        run(&scenario);
    }
}

#[test]
fn harness_drop_and_cut_report_reasons() {
    let mut h = Harness::new(3, true);
    elect(&mut h.sim, s(1));
    h.cut(s(1), s(2));
    h.sim.advance_by(ms(60));
    let reasons: Vec<DropReason> = h
        .sim
        .trace()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDropped { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert!(reasons.contains(&DropReason::LinkDown));
    h.heal();
    assert!(h.sim.network().is_healthy());
    let first = h.sim.in_flight().next().map(|p| p.id);
    if let Some(packet) = first {
        h.act(Action::Drop { packet });
        assert!(h.sim.packet(packet).is_none());
        assert_eq!(
            h.sim.apply(Action::Drop { packet }),
            Err(ActionError::NoSuchPacket(packet))
        );
    }
}

#[test]
fn bad_actions_are_refused_and_change_nothing() {
    let mut h = Harness::new(3, true);
    elect(&mut h.sim, s(1));
    let before = (h.sim.trace().len(), h.sim.trace_hash(), h.sim.now());
    let bad = [
        (
            Action::Crash { node: s(4) },
            ActionError::UnknownNode(s(4), 3),
        ),
        (
            Action::Restart { node: s(2) },
            ActionError::NotCrashed(s(2)),
        ),
        (
            Action::Cut {
                from: s(1),
                to: s(1),
                both: true,
            },
            ActionError::SelfLink(s(1)),
        ),
        (
            Action::Drop { packet: 99_999 },
            ActionError::NoSuchPacket(99_999),
        ),
    ];
    for (action, err) in bad {
        assert_eq!(h.sim.apply(action), Err(err));
    }
    assert!(matches!(
        h.sim.apply(Action::Partition {
            groups: vec![vec![s(1)], vec![s(1), s(2)]]
        }),
        Err(ActionError::BadPartition(_))
    ));
    assert!(matches!(
        h.sim.apply(Action::Timeout { node: s(1) }),
        Err(ActionError::BadValue(_))
    ));
    assert!(matches!(
        h.sim.apply(Action::Loss { ppm: 2_000_000 }),
        Err(ActionError::BadValue(_))
    ));
    h.crash(s(2));
    assert_eq!(
        h.sim.submit_write(s(2), cmd("SET x 1")),
        Err(ActionError::Crashed(s(2)))
    );
    h.restart(s(2));
    let after = (h.sim.trace().len(), h.sim.trace_hash(), h.sim.now());
    assert_eq!(
        after.0,
        before.0 + 2,
        "only the crash and restart were recorded"
    );
    assert_eq!(after.2, before.2);
}

#[test]
fn network_state_is_visible() {
    let mut h = Harness::new(5, true);
    h.act(Action::Partition {
        groups: vec![vec![s(1), s(2)]],
    });
    assert_eq!(
        h.sim.network().partition_groups(),
        Some(&[vec![s(1), s(2)], vec![s(3), s(4), s(5)]][..])
    );
    assert!(!h.sim.network().link_up(s(1), s(3)));
    h.act(Action::Cut {
        from: s(3),
        to: s(4),
        both: false,
    });
    assert_eq!(
        h.sim.network().cut_links().collect::<Vec<_>>(),
        vec![(s(3), s(4))]
    );
    h.act(Action::LinkLatency {
        from: s(1),
        to: s(2),
        both: true,
        min_us: ms(40),
        max_us: ms(50),
    });
    assert_eq!(h.sim.network().link_latency(s(2), s(1)), (ms(40), ms(50)));
    assert_eq!(h.sim.network().link_latency(s(1), s(3)), (ms(10), ms(10)));
    h.act(Action::Loss { ppm: 5_000 });
    assert_eq!(h.sim.network().loss_ppm(), 5_000);
    h.heal();
    assert_eq!(h.sim.network().partition_groups(), None);
    assert_eq!(h.sim.network().cut_links().count(), 0);
    let described: Vec<String> = h
        .sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::NetworkChanged { .. }))
        .map(|e| e.describe())
        .collect();
    assert_eq!(described.len(), 5);
    assert!(
        described[0].contains("{S1, S2} | {S3, S4, S5}"),
        "{}",
        described[0]
    );
}
