//! `Chronicle`: what the timeline draws, gathered from the run's trace as the run is played. For
//! each server, the stretches of time it spent in each role (or crashed) and the term of each;
//! the client's writes and the leaders' commits as instants.
//!
//! It reads each trace event once, by number: a world that was rewound and plays forward again
//! reaches events already read and adds nothing, because the run's future is the same. Acting
//! in the past (a new branch) cuts it at that instant; `refill` reads a stretch again from a
//! replay, after an undo or when a run is opened.

use raftsim::chunks::Chunks;
use raftsim::history::{History, Place};
use raftsim::{EventKind, Role, Sim, Term, Time, US_PER_MS};

/// How a server looks on the timeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Look {
    Follower,
    Candidate,
    Leader,
    Crashed,
}

impl Look {
    fn of(role: Role, crashed: bool) -> Look {
        match (crashed, role) {
            (true, _) => Look::Crashed,
            (false, Role::Follower) => Look::Follower,
            (false, Role::Candidate) => Look::Candidate,
            (false, Role::Leader) => Look::Leader,
        }
    }

    /// The CSS class, as the drawing names roles.
    pub fn class(self) -> &'static str {
        match self {
            Look::Follower => "follower",
            Look::Candidate => "candidate",
            Look::Leader => "leader",
            Look::Crashed => "crashed",
        }
    }
}

/// From `from` until the next segment's start, the server looked like `look`, in `term`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: Time,
    pub look: Look,
    pub term: Term,
    /// The trace event that began it (0 for the first segment of a lane).
    seq: u64,
}

/// Something that happened at an instant: a write sent, a commit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    pub at: Time,
    seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chronicle {
    /// One lane per server, S1 first; each starts at 0 and is in time order.
    pub lanes: Vec<Chunks<Segment>>,
    /// When the client sent a write.
    pub writes: Chunks<Tick>,
    /// When a leader's commit index moved.
    pub commits: Chunks<Tick>,
    /// The next trace event to read.
    seen: usize,
}

/// How much simulated time `refill` plays at a time (well under what the bounded trace keeps).
const REFILL_STEP_US: Time = 500 * US_PER_MS;

impl Chronicle {
    /// The timeline of a world at the start of its run.
    pub fn new(sim: &Sim) -> Chronicle {
        let lanes = sim
            .nodes()
            .iter()
            .map(|n| {
                Chunks::from(vec![Segment {
                    from: 0,
                    look: Look::of(n.role, n.crashed),
                    term: n.current_term,
                    seq: 0,
                }])
            })
            .collect();
        let mut chronicle = Chronicle {
            lanes,
            writes: Chunks::new(),
            commits: Chunks::new(),
            seen: 0,
        };
        chronicle.observe(sim);
        chronicle
    }

    /// Reads the events of `sim` not read yet.
    pub fn observe(&mut self, sim: &Sim) {
        let trace = sim.trace();
        if trace.len() <= self.seen {
            return;
        }
        for e in trace.since(self.seen) {
            let Some(lane) = e.node.and_then(|id| self.lanes.get_mut(id.index())) else {
                continue;
            };
            let last = lane.last().copied().unwrap_or(Segment {
                from: 0,
                look: Look::Follower,
                term: 0,
                seq: 0,
            });
            let tick = Tick {
                at: e.at,
                seq: e.seq,
            };
            let next = match &e.kind {
                EventKind::RoleChanged { to, term, .. } => Some(Segment {
                    look: Look::of(*to, false),
                    term: *term,
                    ..last
                }),
                EventKind::TermAdvanced { to, .. } => Some(Segment { term: *to, ..last }),
                EventKind::Crashed => Some(Segment {
                    look: Look::Crashed,
                    ..last
                }),
                EventKind::Restarted => Some(Segment {
                    look: Look::Follower,
                    ..last
                }),
                EventKind::ClientWriteSubmitted { .. } => {
                    self.writes.push(tick);
                    None
                }
                EventKind::CommitAdvanced { .. } if last.look == Look::Leader => {
                    self.commits.push(tick);
                    None
                }
                _ => None,
            };
            if let Some(next) = next.filter(|n| n.look != last.look || n.term != last.term) {
                let next = Segment {
                    from: e.at,
                    seq: e.seq,
                    ..next
                };
                // Changes at one instant make one segment: the last look wins.
                let len = lane.len();
                match lane.last_mut() {
                    Some(l) if l.from == e.at && len > 1 => *l = next,
                    _ => lane.push(next),
                }
            }
        }
        self.seen = trace.len();
    }

    /// Forgets every event from number `next_seq` on: the run branched there (`next_seq` is
    /// the trace length of the world where it branched, before the new branch's first action;
    /// every event before it is the same in both branches).
    pub fn cut(&mut self, next_seq: usize) {
        let kept = |seq: u64| usize::try_from(seq).is_ok_and(|s| s < next_seq);
        // Every list is in event order, so what is kept is a prefix; a lane keeps its start.
        for lane in &mut self.lanes {
            let n = lane.partition_point(|s| kept(s.seq)).max(1);
            lane.truncate(n);
        }
        self.writes.keep_prefix(|w| kept(w.seq));
        self.commits.keep_prefix(|c| kept(c.seq));
        self.seen = next_seq;
    }

    /// Reads the run from `place` to its latest instant again (after an undo brought back a
    /// future, or a run was opened), replaying a copy in short stretches.
    pub fn refill(&mut self, history: &mut History, place: &Place) {
        self.cut(place.sim.trace().len());
        let mut copy = place.clone();
        copy.sim.keep_trace(Some(super::TRACE_KEPT));
        let end = history.end();
        while copy.sim.now() < end {
            let to = copy.sim.now().saturating_add(REFILL_STEP_US).min(end);
            if history.play(&mut copy, to).is_err() {
                break;
            }
            self.observe(&copy.sim);
        }
    }

    /// The segment of lane `i` at instant `t`.
    pub fn at(&self, i: usize, t: Time) -> Option<Segment> {
        let lane = self.lanes.get(i)?;
        let k = lane.partition_point(|s| s.from <= t);
        lane.get(k.checked_sub(1)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftsim::{Action, Config, NodeId};

    fn run(seed: u64) -> (History, Place) {
        let seeded = Config {
            seed,
            ..Config::default()
        };
        History::fresh(seeded).expect("a fresh cluster")
    }

    #[test]
    fn lanes_follow_roles_terms_and_crashes() {
        let (mut h, mut place) = run(3);
        let mut c = Chronicle::new(&place.sim);
        h.play(&mut place, 800 * US_PER_MS).unwrap();
        c.observe(&place.sim);
        let leader = place.sim.leader().expect("a leader");
        let now = place.sim.now();
        let seg = c.at(leader.index(), now).expect("a segment");
        assert_eq!(seg.look, Look::Leader);
        assert_eq!(seg.term, place.sim.node(leader).unwrap().current_term);
        h.act(&mut place, Action::Crash { node: leader }).unwrap();
        c.observe(&place.sim);
        assert_eq!(
            c.at(leader.index(), now).map(|s| s.look),
            Some(Look::Crashed)
        );
        assert_eq!(
            c.at(leader.index(), now - 1).map(|s| s.look),
            Some(Look::Leader)
        );
        assert_eq!(c.at(0, 0).map(|s| s.look), Some(Look::Follower));
    }

    #[test]
    fn reading_a_rewound_world_again_adds_nothing() {
        let (mut h, mut place) = run(4);
        let mut c = Chronicle::new(&place.sim);
        h.play(&mut place, 2_000 * US_PER_MS).unwrap();
        c.observe(&place.sim);
        let before = c.clone();
        let mut back = h.world_at(300 * US_PER_MS).unwrap();
        c.observe(&back.sim);
        h.play(&mut back, 2_000 * US_PER_MS).unwrap();
        c.observe(&back.sim);
        assert_eq!(c, before);
    }

    #[test]
    fn a_branch_cuts_and_a_refill_reads_the_future_again() {
        let (mut h, mut place) = run(5);
        let mut c = Chronicle::new(&place.sim);
        h.play(&mut place, 700 * US_PER_MS).unwrap();
        let leader = place.sim.leader().unwrap_or(NodeId(1));
        let command = raftsim::Command::parse("SET x 1").unwrap();
        h.act(
            &mut place,
            Action::Write {
                node: leader,
                command,
            },
        )
        .unwrap();
        h.play(&mut place, 3_000 * US_PER_MS).unwrap();
        c.observe(&place.sim);
        let whole = c.clone();
        let start = h.world_at(0).unwrap();
        let mut again = Chronicle::new(&start.sim);
        again.refill(&mut h, &start);
        assert_eq!(again, whole, "a refill from the start reads the same run");
        let mut past = h.world_at(200 * US_PER_MS).unwrap();
        let seq = past.sim.trace().len();
        h.act(&mut past, Action::Crash { node: NodeId(2) }).unwrap();
        c.cut(seq);
        c.observe(&past.sim);
        assert!(c.writes.is_empty(), "the write was in the cut future");
        assert_eq!(
            c.at(1, 200 * US_PER_MS).map(|s| s.look),
            Some(Look::Crashed)
        );
    }
}
