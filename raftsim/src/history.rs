//! A run's history: the scenario it started from, what was done when, and the world at any
//! instant of it.
//!
//! A run is a scenario whose script is what the person at the keyboard did, each action at the
//! simulated instant it was done. Every world of the run is a function of that scenario and an
//! instant, so going back in time is replaying: from the nearest checkpoint (a kept copy of the
//! world) up to the instant wanted. Acting at an earlier instant cuts the script there and
//! starts a new branch; `undo` goes back to the branch before.
//!
//! A world "at t" has applied every scripted step due at or before `t`, each after the events
//! already due at its instant (as `Scenario::run_sim` plays a script). A world that is being
//! played forward carries how many steps it has applied, a [`Place`], so a step is never applied
//! twice or skipped.

use crate::scenario::{apply_step, Scenario, ScenarioError, ScriptStep, StepAction};
use crate::sim::{Action, ActionError, Config, NodeSetup, Sim};
use crate::types::{Time, US_PER_MS};
use std::rc::Rc;

/// How far apart checkpoints start, in simulated microseconds; the spacing doubles whenever
/// there would be more than [`MAX_CHECKPOINTS`], so a long run keeps a bounded number.
pub const FIRST_SPACING_US: Time = 1_000 * US_PER_MS;
/// The most checkpoints kept.
pub const MAX_CHECKPOINTS: usize = 128;
/// How many of the latest trace events a checkpoint keeps when the run's worlds keep a
/// bounded trace ([`History::keep_trace`]): enough for what is shown of the moments just after
/// it (the latest events, a second of messages), not the whole bound, which would cost every
/// checkpoint a copy of it.
pub const CHECKPOINT_TRACE: usize = 768;

/// A world of the run and how many of the script's steps it has applied.
#[derive(Clone, Debug)]
pub struct Place {
    pub sim: Sim,
    pub applied: usize,
}

/// A kept world.
#[derive(Debug)]
struct Checkpoint {
    sim: Sim,
    applied: usize,
}

/// What `undo` needs to go back to the branch before an action: the steps the action cut
/// from the script (the branch's future) and its latest instant. Only the cut steps are kept,
/// not a copy of the script: a run of many actions keeps one script, however long.
#[derive(Clone, Debug)]
struct Branch {
    /// How many steps came before the action (the steps both branches share).
    kept: usize,
    /// The steps after those, which the action replaced.
    cut: Vec<ScriptStep>,
    end: Time,
    /// When the action undone was done.
    at: Time,
}

/// The run so far, cheap to clone: the script and the checkpoints are shared until changed.
#[derive(Clone, Debug)]
pub struct History {
    /// The scenario the run started from, with an empty script.
    start: Rc<Scenario>,
    script: Rc<Vec<ScriptStep>>,
    /// Names the script's content: a new number (`next_revision`) whenever it changes.
    revision: u64,
    checkpoints: Vec<Rc<Checkpoint>>,
    spacing: Time,
    /// The latest instant this branch has reached.
    end: Time,
    undo: Vec<Branch>,
    /// How many trace events the worlds it makes keep (None: all).
    trace_kept: Option<usize>,
}

/// A fresh cluster for `config`: every server starts empty, nothing is scripted.
pub fn fresh(config: Config) -> Scenario {
    let initial = vec![NodeSetup::default(); config.nodes];
    Scenario {
        description: None,
        config,
        initial,
        script: Vec::new(),
        run_until: 0,
        expect: None,
    }
}

/// How a script step names an action, for messages and files (`crash`): the file format's
/// name for it.
pub use crate::scenario::action_name;

/// A revision no script has had before (see [`History::revision`]). Only an identity: nothing
/// simulated depends on it.
fn next_revision() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl History {
    /// The run of `scenario` (its script included, as actions already done) and its world at
    /// time 0.
    pub fn new(scenario: Scenario) -> Result<(History, Place), ScenarioError> {
        let sim = scenario.build()?;
        let script = Rc::new(scenario.script.clone());
        let start = Rc::new(Scenario {
            script: Vec::new(),
            ..scenario
        });
        let mut history = History {
            start,
            script,
            revision: next_revision(),
            checkpoints: vec![Rc::new(Checkpoint { sim, applied: 0 })],
            spacing: FIRST_SPACING_US,
            end: 0,
            undo: Vec::new(),
            trace_kept: None,
        };
        let place = history.world_at(0)?;
        Ok((history, place))
    }

    /// The run of a fresh cluster for `config` (every server empty, nothing done yet) and its
    /// world at time 0.
    pub fn fresh(config: Config) -> Result<(History, Place), ScenarioError> {
        History::new(fresh(config))
    }

    /// A number naming what the script holds: two histories with the same revision have the
    /// same script, and every change to a script gives it a number no script had before. A view
    /// drawn from the script alone is redrawn only when this changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The scenario the run started from (its script is empty).
    pub fn start(&self) -> &Scenario {
        &self.start
    }

    /// What was done, in time order.
    pub fn script(&self) -> &[ScriptStep] {
        &self.script
    }

    /// Makes the worlds this history makes (`world_at`) keep at most about `at_most` of the
    /// latest trace events (None: all of them), and its checkpoints fewer still
    /// ([`CHECKPOINT_TRACE`]). A world played on (`play`) keeps what its own
    /// `Sim::keep_trace` says; give it the same bound.
    pub fn keep_trace(&mut self, at_most: Option<usize>) {
        self.trace_kept = at_most;
    }

    /// The latest instant this branch has reached.
    pub fn end(&self) -> Time {
        self.end
    }

    /// How many worlds are kept to replay from (never more than [`MAX_CHECKPOINTS`]).
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Whether there is an action to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// The whole run as a scenario: the start, every action, and a run to the latest instant.
    pub fn to_scenario(&self) -> Scenario {
        Scenario {
            script: self.script.to_vec(),
            run_until: self.end,
            ..(*self.start).clone()
        }
    }

    /// Plays `place` forward to `to`, applying each scripted step when its instant comes, and
    /// keeps a checkpoint now and then. The latest instant reached moves with it.
    pub fn play(&mut self, place: &mut Place, to: Time) -> Result<(), ScenarioError> {
        self.replay_keeping(place, to)?;
        self.end = self.end.max(place.sim.now());
        Ok(())
    }

    /// Plays `place` to its next event or scripted step, whichever comes first; None if
    /// nothing is scheduled at all.
    pub fn play_next_event(&mut self, place: &mut Place) -> Result<Option<Time>, ScenarioError> {
        let step = self.script.get(place.applied).map(|s| s.at);
        let next = match (place.sim.next_event_at(), step) {
            (Some(e), Some(s)) => Some(e.min(s)),
            (e, s) => e.or(s),
        };
        match next {
            Some(t) => {
                self.play(place, t)?;
                Ok(Some(t))
            }
            None => Ok(None),
        }
    }

    /// The world at instant `t` of this branch (it may be later than `end`: the run then
    /// plays on from there).
    pub fn world_at(&mut self, t: Time) -> Result<Place, ScenarioError> {
        let from = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.sim.now() <= t)
            .unwrap_or(&self.checkpoints[0]);
        let mut place = Place {
            sim: from.sim.clone(),
            applied: from.applied,
        };
        place.sim.keep_trace(self.trace_kept);
        self.replay_keeping(&mut place, t)?;
        self.end = self.end.max(t);
        Ok(place)
    }

    /// Does `action` to the world in `place` at its instant, as a step of the script. Steps
    /// later than that instant (a future seen before going back) are cut: the run branches
    /// here. If the simulation refuses the action, nothing changes.
    pub fn act(&mut self, place: &mut Place, action: Action) -> Result<(), ActionError> {
        let at = place.sim.now();
        let mut next = place.sim.clone();
        next.apply(action.clone())?;
        let step = ScriptStep {
            at,
            name: action_name(&action).to_string(),
            path: format!("script[{}]", place.applied),
            action: StepAction::Act(action),
        };
        let kept = place.applied;
        let script = Rc::make_mut(&mut self.script);
        self.revision = next_revision();
        let cut = script.split_off(kept.min(script.len()));
        script.push(step);
        self.undo.push(Branch {
            kept,
            cut,
            end: self.end,
            at,
        });
        self.forget_after(kept, at);
        self.end = at;
        place.sim = next;
        place.applied = kept + 1;
        Ok(())
    }

    /// Goes back to the branch before the last action: its script and latest instant. Returns
    /// the instant the undone action was done at (the world to show), or None with nothing to
    /// undo.
    pub fn undo(&mut self) -> Option<Time> {
        let branch = self.undo.pop()?;
        // Every later action has been undone already, so the script is the kept steps and the
        // undone action's step.
        let script = Rc::make_mut(&mut self.script);
        self.revision = next_revision();
        script.truncate(branch.kept);
        script.extend(branch.cut);
        self.forget_after(branch.kept, branch.at);
        self.end = branch.end;
        Some(branch.at)
    }

    /// Plays `place` to `to` along the script, keeping a checkpoint at every spacing past the
    /// last one on the way (a run opened from a file, played to its end at once, gets them all)
    /// and at `to`.
    fn replay_keeping(&mut self, place: &mut Place, to: Time) -> Result<(), ScenarioError> {
        loop {
            let last = self.checkpoints.last().map_or(0, |c| c.sim.now());
            let next = last.saturating_add(self.spacing);
            if next >= to || place.sim.now() > next {
                break;
            }
            self.replay(place, next)?;
            self.keep(place);
        }
        self.replay(place, to)?;
        self.keep(place);
        Ok(())
    }

    /// Plays `place` to `to` along the script, without checkpoints.
    fn replay(&self, place: &mut Place, to: Time) -> Result<(), ScenarioError> {
        while let Some(step) = self.script.get(place.applied).filter(|s| s.at <= to) {
            place.sim.advance_to(step.at);
            apply_step(&mut place.sim, step)?;
            place.applied += 1;
        }
        place.sim.advance_to(to);
        Ok(())
    }

    /// Keeps a copy of the world if the last checkpoint is a spacing behind it, thinning the
    /// checkpoints (every other one goes, the spacing doubles) when there would be too many.
    fn keep(&mut self, place: &Place) {
        let now = place.sim.now();
        let last = self.checkpoints.last().map_or(0, |c| c.sim.now());
        if now < last.saturating_add(self.spacing) {
            return;
        }
        let mut sim = place.sim.clone();
        if let Some(kept) = self.trace_kept {
            sim.keep_trace(Some(kept.min(CHECKPOINT_TRACE)));
        }
        self.checkpoints.push(Rc::new(Checkpoint {
            sim,
            applied: place.applied,
        }));
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            let mut i = 0;
            self.checkpoints.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.spacing = self.spacing.saturating_mul(2);
        }
    }

    /// Drops the checkpoints that are no longer worlds of this branch: those that applied more
    /// than the `kept` steps the branches share, or lie after `at`, where they differ. (A world
    /// at `at` itself has applied every shared step due by then and none after, so replaying
    /// from it applies the branch's own step.) The start, at 0 with nothing applied, always
    /// stays.
    fn forget_after(&mut self, kept: usize, at: Time) {
        self.checkpoints
            .retain(|c| c.applied <= kept && c.sim.now() <= at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NodeId;

    fn run(seed: u64) -> (History, Place) {
        History::fresh(Config {
            seed,
            ..Config::default()
        })
        .expect("a fresh cluster")
    }

    #[test]
    fn going_back_and_playing_forward_gives_the_same_world() {
        let (mut h, mut place) = run(3);
        h.play(&mut place, 700 * US_PER_MS).unwrap();
        let leader = place.sim.leader().expect("a leader by 700 ms");
        h.act(&mut place, Action::Crash { node: leader }).unwrap();
        h.play(&mut place, 4_000 * US_PER_MS).unwrap();
        let end = place.sim.trace_hash();
        let back = h.world_at(600 * US_PER_MS).unwrap();
        assert_eq!(back.sim.leader(), Some(leader), "alive before the crash");
        let mut again = back;
        h.play(&mut again, 4_000 * US_PER_MS).unwrap();
        assert_eq!(again.sim.trace_hash(), end, "the same future");
        assert_eq!(h.world_at(4_000 * US_PER_MS).unwrap().sim.trace_hash(), end);
    }

    #[test]
    fn acting_in_the_past_branches_and_undo_returns() {
        let (mut h, mut place) = run(5);
        h.play(&mut place, 1_000 * US_PER_MS).unwrap();
        h.act(&mut place, Action::Crash { node: NodeId(1) })
            .unwrap();
        h.play(&mut place, 3_000 * US_PER_MS).unwrap();
        let first = place.sim.trace_hash();
        let mut past = h.world_at(500 * US_PER_MS).unwrap();
        h.act(&mut past, Action::Crash { node: NodeId(2) }).unwrap();
        assert_eq!(h.script().len(), 1, "the crash of S1 was cut");
        assert_eq!(h.end(), 500 * US_PER_MS);
        let at = h.undo().expect("something to undo");
        assert_eq!(at, 500 * US_PER_MS);
        assert_eq!(h.script().len(), 1);
        assert_eq!(h.end(), 3_000 * US_PER_MS);
        assert_eq!(
            h.world_at(3_000 * US_PER_MS).unwrap().sim.trace_hash(),
            first
        );
        assert_eq!(h.undo(), Some(1_000 * US_PER_MS));
        assert!(h.script().is_empty());
        assert!(h.undo().is_none());
    }

    #[test]
    fn the_revision_changes_with_the_script_and_only_with_it() {
        let (mut h, mut place) = run(5);
        let (other, _) = run(5);
        assert_ne!(h.revision(), other.revision(), "two runs never share one");
        let fresh = h.revision();
        h.play(&mut place, 1_000 * US_PER_MS).unwrap();
        assert_eq!(h.revision(), fresh, "playing adds nothing to the script");
        let copy = h.clone();
        h.act(&mut place, Action::Crash { node: NodeId(1) })
            .unwrap();
        let crashed = h.revision();
        assert_ne!(crashed, fresh);
        assert_eq!(copy.revision(), fresh, "a copy keeps the script it had");
        // Undone, then the same number of steps again: the script is another one.
        h.undo().unwrap();
        assert!(h.script().is_empty());
        let undone = h.revision();
        let mut place = h.world_at(1_000 * US_PER_MS).unwrap();
        h.act(&mut place, Action::Crash { node: NodeId(2) })
            .unwrap();
        let seen = [fresh, crashed, undone, h.revision()];
        assert!((1..4).all(|i| !seen[..i].contains(&seen[i])), "{seen:?}");
    }

    #[test]
    fn the_run_as_a_scenario_replays_to_the_same_end() {
        let (mut h, mut place) = run(8);
        h.play(&mut place, 800 * US_PER_MS).unwrap();
        h.act(&mut place, Action::Timeout { node: NodeId(3) })
            .unwrap();
        h.play(&mut place, 2_500 * US_PER_MS).unwrap();
        let replayed = h.to_scenario().run_sim().unwrap();
        assert_eq!(replayed.trace_hash(), place.sim.trace_hash());
    }

    #[test]
    fn with_a_bounded_trace_checkpoints_keep_little_and_worlds_are_the_same() {
        let (mut h, mut place) = run(6);
        h.keep_trace(Some(4_000));
        place.sim.keep_trace(Some(4_000));
        for s in 1..=60 {
            h.play(&mut place, s * 1_000 * US_PER_MS).unwrap();
            if s == 30 {
                let leader = place.sim.leader().expect("a leader");
                h.act(&mut place, Action::Crash { node: leader }).unwrap();
            }
        }
        assert!(h.checkpoint_count() > 10);
        for c in &h.checkpoints {
            assert!(c.sim.trace().iter().count() < CHECKPOINT_TRACE + 512);
        }
        for t in [59_999, 45_000, 30_001] {
            let mut back = h.world_at(t * US_PER_MS).unwrap();
            h.play(&mut back, 60_000 * US_PER_MS).unwrap();
            assert_eq!(back.sim.nodes(), place.sim.nodes());
            assert_eq!(back.sim.trace().len(), place.sim.trace().len());
            assert_eq!(back.sim.trace().latest(100), place.sim.trace().latest(100));
            assert!(back.sim.trace().iter().count() >= CHECKPOINT_TRACE.min(4_000));
        }
        // What an event log shows of the past is the same as a world keeping everything.
        let whole = h.to_scenario().run_sim().unwrap();
        let back = h.world_at(60_000 * US_PER_MS).unwrap();
        let latest = |sim: &Sim| -> Vec<u64> {
            let notable = sim.trace().notable().rev().take(40);
            notable.map(|e| e.seq).collect()
        };
        assert_eq!(latest(&back.sim), latest(&whole));
        assert_eq!(latest(&place.sim), latest(&whole));
        assert!(latest(&whole).len() > 20);
    }

    #[test]
    fn a_run_played_to_its_end_at_once_keeps_checkpoints_on_the_way() {
        let (mut h, _) = run(1);
        let end = h.world_at(30_000 * US_PER_MS).unwrap();
        assert_eq!(h.checkpoint_count(), 31, "one a second, and the start");
        let mut again = h.world_at(29_500 * US_PER_MS).unwrap();
        h.play(&mut again, 30_000 * US_PER_MS).unwrap();
        assert_eq!(again.sim.trace_hash(), end.sim.trace_hash());
    }

    #[test]
    fn a_copy_of_a_long_world_shares_its_logs() {
        let (mut h, mut place) = run(2);
        h.play(&mut place, 1_000 * US_PER_MS).unwrap();
        let leader = place.sim.leader().expect("a leader");
        for n in 0..300 {
            let t = place.sim.now() + 20 * US_PER_MS;
            h.play(&mut place, t).unwrap();
            let command = crate::Command::Add { key: "x".into(), n };
            h.act(
                &mut place,
                Action::Write {
                    node: leader,
                    command,
                },
            )
            .unwrap();
        }
        let later = place.sim.now() + 1_000 * US_PER_MS;
        h.play(&mut place, later).unwrap();
        let copy = place.sim.clone();
        for (a, b) in copy.nodes().iter().zip(place.sim.nodes()) {
            assert_eq!(a.log.len(), 300);
            assert!(a.log.same_blocks(&b.log));
        }
        assert!(copy.clients().same_blocks(place.sim.clients()));
    }

    #[test]
    fn a_refused_action_changes_nothing() {
        let (mut h, mut place) = run(1);
        let before = place.sim.trace_hash();
        assert!(h
            .act(&mut place, Action::Restart { node: NodeId(1) })
            .is_err());
        assert!(h.script().is_empty() && !h.can_undo());
        assert_eq!(place.sim.trace_hash(), before);
    }
}
