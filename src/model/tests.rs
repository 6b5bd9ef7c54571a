//! The reducers' tests: free play, the clock and the tour, driven by actions as the page sends
//! them.

use super::action::{ClockAction, NodeOp, PageAction, TourAction, WorldAction};
use super::tour::{Asked, StepIndex, StepStatus, Tour};
use super::*;

fn state(seed: u64, nodes: usize) -> AppState {
    let start = StartParams {
        seed: Some(seed),
        nodes,
        run: None,
        problems: Vec::new(),
    };
    AppState::new(&start, 0)
}

/// Plays until a leader is elected, in 10 ms steps; returns it.
fn elect(s: &mut AppState) -> NodeId {
    for _ in 0..500 {
        if let Some(l) = s.sim.leader() {
            return l;
        }
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    panic!("no leader after 5 s")
}

#[test]
fn starts_playing_at_the_default_speed_with_the_asked_seed() {
    let s = state(42, 7);
    assert!(s.playing);
    assert_eq!(s.seed, 42);
    assert_eq!(s.sim.nodes().len(), 7);
    assert_eq!(s.sim.config().seed, 42);
    assert_eq!(s.sim.now(), 0);
    assert!(s.notice.is_none());
}

#[test]
fn start_problems_are_shown() {
    let start = params::parse_query("?nodes=12");
    let s = AppState::new(&start, 9);
    assert_eq!(s.seed, 9, "a fresh seed is used");
    assert_eq!(s.sim.nodes().len(), params::DEFAULT_NODES);
    assert!(s.notice.as_ref().is_some_and(|n| n.error));
}

#[test]
fn step_tick_advances_exactly_one_tick_and_pauses() {
    let mut s = state(1, 5);
    s.update(AppAction::Clock(ClockAction::StepTick));
    assert!(!s.playing);
    assert_eq!(s.sim.now(), s.tick_us());
    s.update(AppAction::Clock(ClockAction::SetTick(1)));
    s.update(AppAction::Clock(ClockAction::StepTick));
    assert_eq!(s.sim.now(), params::TICKS_US[params::DEFAULT_TICK] + 1000);
}

#[test]
fn free_play_keeps_a_bounded_trace() {
    let mut s = state(3, 5);
    s.update(AppAction::Clock(ClockAction::SetTick(
        params::TICKS_US.len() - 1,
    )));
    for _ in 0..1000 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    assert!(s.sim.trace().len() > TRACE_KEPT, "{}", s.sim.trace().len());
    assert!(s.sim.trace().iter().count() < TRACE_KEPT + 512);
    assert!(s.sim.leader().is_some());
}

#[test]
fn frames_advance_only_while_playing() {
    let mut s = state(1, 5);
    assert!(s.update(AppAction::Clock(ClockAction::Frame(20.0))));
    assert_eq!(s.sim.now(), 1000, "20 ms at 1/20 speed");
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    assert!(!s.update(AppAction::Clock(ClockAction::Frame(20.0))));
    assert_eq!(s.sim.now(), 1000);
}

#[test]
fn a_frame_while_paused_keeps_the_same_state() {
    let mut s = state(1, 5);
    s.update(AppAction::Clock(ClockAction::Pause));
    let rc = Rc::new(s);
    let after = AppState::next(rc.clone(), AppAction::Clock(ClockAction::Frame(16.0)));
    assert!(Rc::ptr_eq(&rc, &after), "no re-render while paused");
}

#[test]
fn step_event_moves_the_clock_to_the_next_event() {
    let mut s = state(3, 5);
    let next = s.sim.next_event_at().expect("timers are running");
    s.update(AppAction::Clock(ClockAction::StepEvent));
    assert_eq!(s.sim.now(), next);
    assert!(!s.playing);
}

#[test]
fn crash_the_leader_and_another_is_elected_in_a_higher_term() {
    let mut s = state(5, 5);
    let old = elect(&mut s);
    let old_term = s.sim.node(old).map(|n| n.current_term).unwrap_or(0);
    s.update(AppAction::World(WorldAction::ClickNode(old)));
    s.update(AppAction::World(WorldAction::Node(NodeOp::Crash, None)));
    assert!(s.sim.node(old).is_some_and(|n| n.crashed));
    let new = elect(&mut s);
    assert_ne!(new, old);
    assert!(s.sim.node(new).is_some_and(|n| n.current_term > old_term));
}

#[test]
fn node_actions_without_a_selection_ask_for_one() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::Node(NodeOp::Crash, None)));
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("Select a server")));
    assert!(s.sim.nodes().iter().all(|n| !n.crashed));
}

#[test]
fn refusals_from_the_core_become_notices() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Restart,
        Some(NodeId(2)),
    )));
    let notice = s.notice.clone().expect("a notice");
    assert!(notice.error);
    assert!(notice.text.contains("S2"), "{}", notice.text);
}

#[test]
fn bad_client_commands_are_explained_inline() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::SetClientText("DEL x".into())));
    s.update(AppAction::World(WorldAction::SendWrite));
    assert!(s.client_error.as_ref().is_some_and(|e| e.contains("DEL")));
    assert!(s.sim.clients().is_empty());
    s.update(AppAction::World(WorldAction::SetClientText(
        "SET x 5".into(),
    )));
    assert!(s.client_error.is_none());
    s.update(AppAction::World(WorldAction::SendWrite));
    assert_eq!(s.sim.clients().len(), 1);
    assert!(s.client_text.is_empty());
}

#[test]
fn partition_needs_a_proper_subset_and_heals() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::TogglePartitionMode));
    s.update(AppAction::World(WorldAction::ApplyPartition));
    assert!(s.draft.is_some(), "an empty side is refused");
    assert!(s.notice.as_ref().is_some_and(|n| n.error));
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(1))));
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(2))));
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(2))));
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(4))));
    assert_eq!(
        s.selected, None,
        "clicks pick, not select, while partitioning"
    );
    s.update(AppAction::World(WorldAction::TogglePartitionMode));
    assert!(s.draft.is_none());
    let groups = s.sim.network().partition_groups().map(|g| g.to_vec());
    assert_eq!(
        groups,
        Some(vec![
            vec![NodeId(1), NodeId(4)],
            vec![NodeId(2), NodeId(3), NodeId(5)]
        ])
    );
    s.update(AppAction::World(WorldAction::Heal));
    assert!(s.sim.network().is_healthy());
}

#[test]
fn links_toggle_between_cut_and_restored() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::ToggleLink(
        NodeId(1),
        NodeId(3),
    )));
    assert!(!s.sim.network().link_up(NodeId(3), NodeId(1)));
    s.update(AppAction::World(WorldAction::ToggleLink(
        NodeId(3),
        NodeId(1),
    )));
    assert!(s.sim.network().is_healthy());
}

#[test]
fn selecting_a_message_pauses_and_it_can_be_dropped() {
    let mut s = state(2, 5);
    let leader = elect(&mut s);
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    while s.sim.in_flight().next().is_none() {
        s.update(AppAction::Clock(ClockAction::Frame(20.0)));
    }
    let id = s.sim.in_flight().next().map(|p| p.id).expect("a packet");
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    s.update(AppAction::World(WorldAction::SelectPacket(id)));
    assert!(!s.playing);
    s.update(AppAction::World(WorldAction::DropPacket(None)));
    assert!(s.sim.packet(id).is_none());
    assert!(s.notice.is_none(), "{:?}", s.notice);
    assert_eq!(s.sim.leader(), Some(leader));
}

#[test]
fn messages_can_be_selected_one_after_another() {
    let mut s = state(2, 5);
    elect(&mut s);
    let mut ids: Vec<PacketId> = s.sim.in_flight().map(|p| p.id).collect();
    ids.sort_unstable();
    assert!(ids.len() >= 2, "heartbeats are in flight");
    s.update(AppAction::World(WorldAction::SelectNextPacket));
    assert_eq!(s.selected, Some(Selection::Packet(ids[0])));
    s.update(AppAction::World(WorldAction::SelectNextPacket));
    assert_eq!(s.selected, Some(Selection::Packet(ids[1])));
    assert!(!s.playing);
}

#[test]
fn reset_keeps_or_changes_the_seed_and_size() {
    let mut s = state(7, 5);
    s.update(AppAction::Clock(ClockAction::StepTick));
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(5))));
    s.update(AppAction::World(WorldAction::Reset {
        seed: None,
        nodes: Some(3),
    }));
    assert_eq!((s.seed, s.sim.nodes().len(), s.sim.now()), (7, 3, 0));
    assert_eq!(s.selected, None);
    assert_eq!(s.client_target, NodeId(1), "S5 is gone");
    s.update(AppAction::World(WorldAction::Reset {
        seed: Some(8),
        nodes: Some(4),
    }));
    assert_eq!(s.seed, 8);
    assert_eq!(s.sim.nodes().len(), 4, "the core accepts 4");
}

#[test]
fn same_seed_and_actions_give_the_same_world() {
    let run = || {
        let mut s = state(11, 5);
        for _ in 0..40 {
            s.update(AppAction::Clock(ClockAction::StepTick));
        }
        s.update(AppAction::World(WorldAction::SetClientText(
            "ADD x 2".into(),
        )));
        s.update(AppAction::World(WorldAction::SendWrite));
        for _ in 0..40 {
            s.update(AppAction::Clock(ClockAction::StepTick));
        }
        s.sim.trace_hash()
    };
    assert_eq!(run(), run());
}

#[test]
fn speed_and_tick_stay_in_range() {
    let mut s = state(1, 5);
    for _ in 0..20 {
        s.update(AppAction::Clock(ClockAction::Faster));
        s.update(AppAction::Clock(ClockAction::LongerTick));
    }
    assert_eq!(s.speed, params::SPEEDS.len() - 1);
    assert_eq!(s.tick, params::TICKS_US.len() - 1);
    for _ in 0..20 {
        s.update(AppAction::Clock(ClockAction::Slower));
        s.update(AppAction::Clock(ClockAction::ShorterTick));
    }
    assert_eq!((s.speed, s.tick), (0, 0));
    s.update(AppAction::Clock(ClockAction::SetSpeed(999)));
    assert_eq!(s.speed, params::SPEEDS.len() - 1);
}

#[test]
fn escape_closes_one_thing_at_a_time() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(2))));
    s.update(AppAction::World(WorldAction::TogglePartitionMode));
    s.update(AppAction::Page(PageAction::ToggleHelp));
    s.update(AppAction::Page(PageAction::Escape));
    assert!(!s.help && s.draft.is_some());
    s.update(AppAction::Page(PageAction::Escape));
    assert!(s.draft.is_none() && s.selected.is_some());
    s.update(AppAction::Page(PageAction::Escape));
    assert!(s.selected.is_none());
}

#[test]
fn unknown_servers_are_refused_politely() {
    let mut s = state(1, 3);
    s.update(AppAction::World(WorldAction::ClickNode(NodeId(7))));
    assert!(s.notice.is_some());
    assert_eq!(s.selected, None);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(NodeId(9)),
    )));
    assert!(s.notice.as_ref().is_some_and(|n| n.error));
}

/// Plays the tour's current step to its end with 20 ms frames.
fn play_step(s: &mut AppState) {
    for _ in 0..10_000 {
        if !s.playing {
            return;
        }
        s.update(AppAction::Clock(ClockAction::Frame(20.0)));
    }
    panic!("the step never ended");
}

fn fragment(s: &AppState) -> String {
    s.tour.as_ref().map(|t| t.fragment()).unwrap_or_default()
}

#[test]
fn the_tour_opens_plays_a_step_and_stops_at_its_end() {
    let mut s = state(1, 5);
    s.update(AppAction::Clock(ClockAction::Pause));
    let free_world = s.sim.clone();
    s.update(AppAction::Tour(TourAction::Open(None)));
    assert_eq!(fragment(&s), "consensus/one-server");
    assert!(s.playing, "a step plays when it is shown");
    assert_eq!(s.shown().nodes().len(), 1);
    play_step(&mut s);
    assert!(
        !s.playing,
        "the step stops at its end: no frames while waiting"
    );
    assert_eq!(
        s.tour.as_ref().map(|t| t.status().status),
        Some(StepStatus::Done)
    );
    assert!(s.shown().leader().is_some());
    assert!(s.sim == free_world, "free play's world is left alone");
}

#[test]
fn continue_back_and_chapters_move_through_the_tour() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Open(Some(StepIndex(0)))));
    s.update(AppAction::Tour(TourAction::Next));
    assert_eq!(fragment(&s), "consensus/client-sets-value");
    s.update(AppAction::Tour(TourAction::Back));
    assert_eq!(fragment(&s), "consensus/one-server");
    s.update(AppAction::Tour(TourAction::Back));
    assert_eq!(fragment(&s), "consensus/one-server");
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("first step")));
    s.update(AppAction::Tour(TourAction::Chapter(2)));
    assert_eq!(fragment(&s), "election/election-timeout");
    assert!(s.notice.is_none(), "moving on clears the last message");
    s.update(AppAction::Tour(TourAction::Chapter(9)));
    assert_eq!(fragment(&s), "election/election-timeout");
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("no chapter 10")));
    s.update(AppAction::Tour(TourAction::Replay));
    assert_eq!(fragment(&s), "election/election-timeout");
    // Free-play actions do nothing while the tour is on screen.
    let before = s.clone();
    assert!(!s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(NodeId(1))
    ))));
    assert!(!s.update(AppAction::Clock(ClockAction::StepTick)));
    assert_eq!(s, before);
}

#[test]
fn pausing_a_step_part_way_and_resuming_it() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#overview/candidate".into(),
    )));
    s.update(AppAction::Tour(TourAction::Answer(1)));
    assert!(s.playing);
    s.update(AppAction::Clock(ClockAction::Frame(20.0)));
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    assert!(!s.playing);
    let at = s.shown().now();
    s.update(AppAction::Clock(ClockAction::Frame(20.0)));
    assert_eq!(s.shown().now(), at, "paused");
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    play_step(&mut s);
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    assert!(!s.playing, "a finished step does not play on");
}

fn asked(s: &AppState) -> Option<Asked> {
    s.tour.as_ref().map(|t| t.status().asked)
}

#[test]
fn a_question_is_answered_by_digit_or_click_and_nothing_plays_before() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#overview/candidate".into(),
    )));
    assert_eq!(asked(&s), Some(Asked::Open));
    assert!(!s.playing, "nothing plays before the answer");
    let start = s.shown().now();
    s.update(AppAction::Clock(ClockAction::Frame(20.0)));
    s.update(AppAction::Clock(ClockAction::TogglePlay));
    assert!(!s.playing, "P does not play a step whose question is open");
    assert_eq!(s.shown().now(), start);
    // Continue asks for an answer first.
    s.update(AppAction::Tour(TourAction::Next));
    assert_eq!(fragment(&s), "overview/candidate");
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("press 1 to 3")));
    // While a question is open, digits answer it: 9 is no answer (and no chapter jump).
    s.update(AppAction::Tour(TourAction::Number(9)));
    assert_eq!(fragment(&s), "overview/candidate");
    assert_eq!(asked(&s), Some(Asked::Open));
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("3 answers")));
    s.update(AppAction::Tour(TourAction::Number(2)));
    assert_eq!(asked(&s), Some(Asked::Answered(1)));
    assert!(s.playing, "the answer plays the step");
    assert!(s.notice.is_none());
    play_step(&mut s);
    assert_eq!(
        s.tour.as_ref().map(|t| t.status().status),
        Some(StepStatus::Done)
    );
    assert!(s
        .shown()
        .nodes()
        .iter()
        .any(|n| n.role == raftsim::Role::Candidate));
    // No question open: digits open chapters again.
    s.update(AppAction::Tour(TourAction::Number(3)));
    assert_eq!(fragment(&s), "election/election-timeout");
    // A click sends the answer itself; a wrong one plays the step just the same.
    s.update(AppAction::Tour(TourAction::Locate(
        "#replication/minority-write".into(),
    )));
    assert_eq!(asked(&s), Some(Asked::Open));
    s.update(AppAction::Tour(TourAction::Answer(0)));
    assert_eq!(asked(&s), Some(Asked::Answered(0)));
    assert!(s.playing);
    assert!(
        !s.update(AppAction::Tour(TourAction::Answer(1))),
        "answered already"
    );
}

#[test]
fn with_questions_off_the_tour_plays_straight_through() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#election/split-vote".into(),
    )));
    assert_eq!(asked(&s), Some(Asked::Open));
    assert!(s.update(AppAction::Tour(TourAction::Questions(false))));
    assert!(
        !s.update(AppAction::Tour(TourAction::Questions(false))),
        "no change"
    );
    assert_eq!(asked(&s), Some(Asked::Nothing));
    assert!(s.playing, "the open question closes and the step plays");
    s.update(AppAction::Tour(TourAction::Locate(
        "#replication/heal".into(),
    )));
    assert_eq!(asked(&s), Some(Asked::Nothing));
    assert!(s.playing);
    s.update(AppAction::Tour(TourAction::Number(2)));
    assert_eq!(
        fragment(&s),
        "overview/three-states",
        "digits open chapters"
    );
    // Closed and opened again, the tour asks (the page applies the remembered switch).
    s.update(AppAction::Tour(TourAction::Close));
    assert!(
        !s.update(AppAction::Tour(TourAction::Questions(false))),
        "no tour open"
    );
    s.update(AppAction::Tour(TourAction::Locate(
        "#election/split-vote".into(),
    )));
    assert_eq!(asked(&s), Some(Asked::Open));
}

#[test]
fn page_addresses_open_steps_and_bad_ones_are_explained() {
    let mut s = state(1, 5);
    assert!(!s.update(AppAction::Tour(TourAction::Locate(String::new()))));
    assert!(s.tour.is_none());
    s.update(AppAction::Tour(TourAction::Locate(
        "#election/split-vote".into(),
    )));
    assert_eq!(fragment(&s), "election/split-vote");
    s.update(AppAction::Tour(TourAction::Locate("#replication".into())));
    assert_eq!(fragment(&s), "replication/leader");
    assert!(
        !s.update(AppAction::Tour(TourAction::Locate("#replication".into()))),
        "the step on screen is not restarted"
    );
    s.update(AppAction::Tour(TourAction::Locate(
        "#no-such-chapter/x".into(),
    )));
    assert_eq!(
        fragment(&s),
        "replication/leader",
        "the tour stays where it was"
    );
    let notice = s.notice.clone().expect("a notice");
    assert!(notice.error && notice.text.contains("#no-such-chapter/x"));
    assert!(notice.text.contains("#election"), "{}", notice.text);
    s.update(AppAction::Tour(TourAction::Locate(String::new())));
    assert!(
        s.tour.is_none(),
        "an address without a step leaves the tour"
    );
    let mut fresh = state(1, 5);
    fresh.update(AppAction::Tour(TourAction::Locate("#election/nope".into())));
    assert!(fresh.tour.is_none(), "a bad address leaves free play on");
    assert!(fresh.notice.is_some());
}

#[test]
fn taking_over_turns_the_step_into_free_play() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#replication/partition".into(),
    )));
    play_step(&mut s);
    let world = s.shown().trace_hash();
    let now = s.shown().now();
    s.update(AppAction::Tour(TourAction::TakeOver));
    assert!(s.tour.is_none());
    assert!(!s.playing, "free play starts paused at that moment");
    assert_eq!((s.sim.trace_hash(), s.sim.now()), (world, now));
    assert!(s.sim.network().partition_groups().is_some());
    assert_eq!(s.seed, s.sim.config().seed);
    // Every control works on it.
    s.update(AppAction::World(WorldAction::Heal));
    assert!(s.sim.network().is_healthy());
    // The tour reopens where it was left.
    s.update(AppAction::Tour(TourAction::Open(None)));
    assert_eq!(fragment(&s), "replication/partition");
}

#[test]
fn continue_on_the_last_step_starts_free_play_and_escape_leaves() {
    let mut s = state(1, 5);
    let last = Tour::builtin(StepIndex(usize::MAX))
        .map(|t| t.index())
        .expect("lesson");
    s.update(AppAction::Tour(TourAction::Open(Some(last))));
    s.update(AppAction::Tour(TourAction::Next));
    assert!(s.tour.is_none());
    assert!(s.playing);
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| !n.error && !n.text.contains("paused")));
    s.update(AppAction::Tour(TourAction::Open(Some(StepIndex(3)))));
    s.update(AppAction::Page(PageAction::ToggleHelp));
    s.update(AppAction::Page(PageAction::Escape));
    assert!(s.tour.is_some() && !s.help, "Esc closes the help first");
    s.update(AppAction::Page(PageAction::Escape));
    assert!(s.tour.is_none());
    assert!(!s.playing, "free play is left paused");
}

#[test]
fn going_back_shows_the_world_before_and_the_same_future_follows() {
    let mut s = state(5, 5);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(leader),
    )));
    let crashed_at = s.sim.now();
    let new_leader = elect(&mut s);
    assert_ne!(new_leader, leader);
    for _ in 0..30 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    let (end, future) = (s.sim.now(), s.sim.trace_hash());
    s.update(AppAction::Clock(ClockAction::Seek(crashed_at - 1)));
    assert_eq!(s.sim.now(), crashed_at - 1);
    assert_eq!(s.sim.leader(), Some(leader), "alive and leading again");
    assert!(!s.playing);
    s.update(AppAction::Clock(ClockAction::Seek(end)));
    assert_eq!(
        s.sim.trace_hash(),
        future,
        "the same future, event for event"
    );
    s.update(AppAction::Clock(ClockAction::ToStart));
    assert_eq!(s.sim.now(), 0);
    s.update(AppAction::Clock(ClockAction::ToEnd));
    assert_eq!(s.sim.now(), end);
    s.update(AppAction::Clock(ClockAction::StepBack));
    assert_eq!(s.sim.now(), end - s.tick_us());
    let before = s.sim.now();
    s.update(AppAction::Clock(ClockAction::StepBackEvent));
    assert!(s.sim.now() < before);
    assert!(s.sim.trace().iter().all(|e| e.at <= s.sim.now()));
}

#[test]
fn acting_in_the_past_branches_and_undo_brings_the_old_future_back() {
    let mut s = state(5, 5);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(leader),
    )));
    for _ in 0..40 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    let (end, future) = (s.sim.now(), s.sim.trace_hash());
    s.update(AppAction::Clock(ClockAction::Seek(100_000)));
    let other = if leader == NodeId(1) {
        NodeId(2)
    } else {
        NodeId(1)
    };
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(other),
    )));
    assert_eq!(s.history.end(), 100_000, "the old future is cut");
    assert_eq!(s.history.script().len(), 1);
    assert!(s.sim.node(leader).is_some_and(|n| !n.crashed));
    s.update(AppAction::World(WorldAction::Undo));
    assert_eq!(s.sim.now(), 100_000);
    assert!(s.sim.node(other).is_some_and(|n| !n.crashed));
    assert_eq!(s.history.end(), end);
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("crash")));
    s.update(AppAction::Clock(ClockAction::ToEnd));
    assert_eq!(s.sim.trace_hash(), future);
}

#[test]
fn the_tour_has_no_time_travel_of_its_own() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#election/votes".into(),
    )));
    assert!(!s.update(AppAction::Clock(ClockAction::StepBack)));
    assert!(!s.update(AppAction::Clock(ClockAction::Seek(0))));
}

#[test]
fn a_taken_over_step_is_a_run_that_can_be_rewound() {
    let mut s = state(1, 5);
    s.update(AppAction::Tour(TourAction::Locate(
        "#replication/partition".into(),
    )));
    play_step(&mut s);
    let now = s.shown().now();
    s.update(AppAction::Tour(TourAction::TakeOver));
    assert!(
        !s.history.script().is_empty(),
        "the step's actions are the run's"
    );
    assert_eq!(s.history.end(), now);
    s.update(AppAction::Clock(ClockAction::ToStart));
    assert!(s.sim.network().is_healthy(), "before the partition");
    s.update(AppAction::Clock(ClockAction::ToEnd));
    assert!(s.sim.network().partition_groups().is_some());
}

/// The timeline of the run on screen, read afresh from its start.
fn chronicle_from_start(s: &AppState) -> chronicle::Chronicle {
    let mut history = (*s.history).clone();
    let start = history.world_at(0).expect("the start");
    let mut c = chronicle::Chronicle::new(&start.sim);
    c.refill(&mut history, &start);
    c
}

#[test]
fn the_timeline_follows_branches_and_undo() {
    let mut s = state(6, 5);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(leader),
    )));
    elect(&mut s);
    assert_eq!(*s.chronicle, chronicle_from_start(&s));
    s.update(AppAction::Clock(ClockAction::Seek(50_000)));
    assert_eq!(
        *s.chronicle,
        chronicle_from_start(&s),
        "going back changes nothing"
    );
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(NodeId(3)),
    )));
    for _ in 0..20 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    assert_eq!(*s.chronicle, chronicle_from_start(&s), "the new branch");
    s.update(AppAction::World(WorldAction::Undo));
    assert_eq!(
        *s.chronicle,
        chronicle_from_start(&s),
        "the old branch again"
    );
}

#[test]
fn a_preset_opens_as_a_run_shown_from_its_start() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::OpenPreset("figure8".into())));
    assert_eq!(s.sim.now(), 0);
    assert!(!s.playing);
    assert!(s.history.end() > 0, "played once to its end");
    assert!(!s.history.script().is_empty());
    let notice = s.notice.clone().expect("a notice");
    assert!(
        !notice.error && notice.text.contains("Figure 8"),
        "{}",
        notice.text
    );
    s.update(AppAction::Clock(ClockAction::ToEnd));
    let fig8 = raftsim::scenario::Scenario::from_json(
        &crate::assets::text(&crate::assets::preset(runs::PRESETS[7].name)).unwrap(),
    )
    .unwrap();
    let expected = fig8.run_sim().unwrap();
    assert_eq!(s.sim.now(), expected.now());
    for (a, b) in s.sim.nodes().iter().zip(expected.nodes()) {
        assert_eq!(
            (a.current_term, &a.log, a.commit_index),
            (b.current_term, &b.log, b.commit_index)
        );
    }
}

#[test]
fn a_bad_file_is_explained_and_the_run_is_untouched() {
    let mut s = state(1, 5);
    elect(&mut s);
    let before = (s.sim.trace_hash(), s.history.end());
    for (text, says) in [
        (
            "{\"nodes\": 5, \"script\": [{\"at_ms\": 5, \"do\": \"crash\", \"node\": \"S7\"}]}",
            "script[0].node",
        ),
        ("not json", "line 1"),
        ("{\"nodez\": 3}", "did you mean"),
    ] {
        s.update(AppAction::World(WorldAction::Open {
            name: "bad.json".into(),
            text: text.into(),
        }));
        let notice = s.notice.clone().expect("a notice");
        assert!(
            notice.error && notice.text.contains(says) && notice.text.contains("bad.json"),
            "{}",
            notice.text
        );
        assert_eq!((s.sim.trace_hash(), s.history.end()), before);
    }
}

#[test]
fn a_run_link_reopens_the_same_world_at_the_same_instant() {
    let mut s = state(12, 5);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(leader),
    )));
    elect(&mut s);
    s.update(AppAction::Clock(ClockAction::StepBack));
    let link = s.run_link().expect("a short run links");
    let start = params::parse_query(&format!("?run={link}"));
    let opened = AppState::new(&start, 0);
    assert_eq!(opened.sim.now(), s.sim.now());
    assert_eq!(opened.sim.trace_hash(), s.sim.trace_hash());
    assert_eq!(opened.history.end(), s.history.end());
    assert!(!opened.playing);
    let broken = AppState::new(
        &params::parse_query(&format!("?run={}", &link[..link.len() / 2])),
        3,
    );
    assert!(broken
        .notice
        .as_ref()
        .is_some_and(|n| n.error && n.text.contains("link")));
    assert_eq!(broken.sim.now(), 0, "a fresh cluster instead");
}

#[test]
fn a_saved_run_is_a_scenario_that_replays_to_the_same_world() {
    let mut s = state(4, 5);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::SetClientText(
        "SET x 3".into(),
    )));
    s.update(AppAction::World(WorldAction::SetClientTarget(leader)));
    s.update(AppAction::World(WorldAction::SendWrite));
    for _ in 0..30 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    let file = s.run_file("a test run".into());
    let replayed = raftsim::scenario::Scenario::from_json(&file)
        .unwrap()
        .run_sim()
        .unwrap();
    assert_eq!(replayed.now(), s.sim.now());
    for (a, b) in replayed.nodes().iter().zip(s.sim.nodes()) {
        assert_eq!(
            (a.current_term, &a.log, &a.kv),
            (b.current_term, &b.log, &b.kv)
        );
    }
}

#[test]
fn breaking_a_rule_replays_the_run_with_it_and_the_checker_names_the_damage() {
    let mut s = state(1, 5);
    s.update(AppAction::World(WorldAction::OpenPreset("figure8".into())));
    s.update(AppAction::Clock(ClockAction::ToEnd));
    assert!(s.sim.violations().is_empty(), "Figure 8 keeps every rule");
    let end = s.sim.now();
    let rule = raftsim::BrokenRule::CommitOldTermEntries;
    s.update(AppAction::World(WorldAction::SetRule(rule, true)));
    assert_eq!(s.sim.now(), end, "shown at the same instant");
    assert!(s.history.start().config.broken_rules.contains(rule));
    let v = s.sim.violations().first().expect("the checker catches it");
    assert!(v.broken_rules.contains(rule), "{v}");
    let smc = s
        .sim
        .violations()
        .iter()
        .find(|v| v.invariant == raftsim::Invariant::StateMachineSafety)
        .expect("two entries committed at one index");
    assert!(!smc.nodes.is_empty() && smc.entry == Some(2), "{smc:?}");
    let marks = marks::Marks::of_violation(smc);
    assert!(marks.entries.contains(&(smc.nodes[0], 2)));
    s.update(AppAction::World(WorldAction::SetRule(rule, false)));
    assert!(
        s.sim.violations().is_empty(),
        "kept again, the same run is safe"
    );
    let option = raftsim::ProtocolOption::PreVote;
    s.update(AppAction::World(WorldAction::SetOption(option, true)));
    assert!(s.history.start().config.protocol.get(option));
    let saved = raftsim::scenario::Scenario::from_json(&s.run_file("lab".into())).unwrap();
    assert!(
        saved.config.protocol.get(option),
        "a saved run keeps its options"
    );
}

#[test]
fn a_retried_write_is_answered_once_and_survives_save_link_and_time_travel() {
    let mut s = state(4, 3);
    let leader = elect(&mut s);
    s.update(AppAction::World(WorldAction::SetClientTarget(leader)));
    s.update(AppAction::World(WorldAction::SetClientText(
        "ADD x 5".into(),
    )));
    s.update(AppAction::World(WorldAction::SendWrite));
    // Retrying to a crashed server is refused with a notice; to a live one, it is a step.
    s.update(AppAction::World(WorldAction::Node(
        NodeOp::Crash,
        Some(leader),
    )));
    s.update(AppAction::World(WorldAction::RetryWrite(1)));
    assert!(s
        .notice
        .as_ref()
        .is_some_and(|n| n.error && n.text.contains("crashed")));
    let other = s.sim.nodes().iter().find(|n| !n.crashed).unwrap().id;
    s.update(AppAction::World(WorldAction::SetClientTarget(other)));
    s.update(AppAction::World(WorldAction::RetryWrite(1)));
    assert_eq!(
        s.history.script().last().map(|st| st.name.as_str()),
        Some("retry")
    );
    for _ in 0..300 {
        s.update(AppAction::Clock(ClockAction::StepTick));
    }
    let w = s.sim.clients()[0].clone();
    assert!(
        matches!(w.status, raftsim::WriteStatus::Committed { value: 5, .. }),
        "{w:?}"
    );
    assert!(w.retries >= 1);
    let end = s.sim.now();
    let file = raftsim::scenario::Scenario::from_json(&s.run_file("retry".into())).unwrap();
    assert_eq!(file.run_sim().unwrap().trace_hash(), s.sim.trace_hash());
    let link = s.run_link().unwrap();
    let (from_link, _) = raftsim::link::decode(&link).unwrap();
    assert_eq!(
        from_link.run_sim().unwrap().trace_hash(),
        s.sim.trace_hash()
    );
    s.update(AppAction::Clock(ClockAction::ToStart));
    s.update(AppAction::Clock(ClockAction::Seek(end)));
    assert_eq!(s.sim.clients()[0].status, w.status);
    assert!(s.sim.violations().is_empty());
}
