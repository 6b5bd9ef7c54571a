//! Playing steps: one step frame by frame ([`Playback`]), or a whole lesson with the world at
//! the start and end of each step kept ([`LessonRun`]).

use super::condition::Mark;
use super::{Lesson, Step, TimedAction, Wait};
use crate::scenario::{apply_step, Scenario, ScenarioError};
use crate::sim::Sim;
use crate::types::Time;

/// How a step ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The wait condition held at this time, after every action was done.
    Met { at: Time },
    /// `max_ms` passed first.
    TimedOut { at: Time },
}

impl Ending {
    pub fn at(self) -> Time {
        match self {
            Ending::Met { at } | Ending::TimedOut { at } => at,
        }
    }

    pub fn met(self) -> bool {
        matches!(self, Ending::Met { .. })
    }
}

/// Where a playback is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Still waiting; the world has reached the requested time.
    Running,
    /// The step is over; the world stays as it ended.
    Done(Ending),
}

/// One step being played from its start state: actions at their times, then the world runs
/// until the wait condition holds or `max_ms` passes.
#[derive(Clone, Debug)]
pub struct Playback {
    sim: Sim,
    mark: Mark,
    actions: Vec<TimedAction>,
    next_action: usize,
    wait: Wait,
    ending: Option<Ending>,
}

impl Playback {
    /// Starts playing `step` from `start`, the world as the step begins. Nothing is done yet;
    /// the first `advance_to` applies the actions due at once.
    pub fn new(step: &Step, start: Sim) -> Playback {
        Playback {
            mark: Mark::of(&start),
            sim: start,
            actions: step.actions.clone(),
            next_action: 0,
            wait: step.wait.clone(),
            ending: None,
        }
    }

    /// The world as it is now.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The world, for free play ("take over").
    pub fn into_sim(self) -> Sim {
        self.sim
    }

    /// Where the step began.
    pub fn mark(&self) -> Mark {
        self.mark
    }

    /// When the step began.
    pub fn started_at(&self) -> Time {
        self.mark.at
    }

    /// The latest the step can end: its start plus `max_ms`.
    pub fn deadline(&self) -> Time {
        self.mark.at.saturating_add(self.wait.max)
    }

    /// How the step ended, once it has.
    pub fn ending(&self) -> Option<Ending> {
        self.ending
    }

    pub fn is_done(&self) -> bool {
        self.ending.is_some()
    }

    /// Whether the wait condition holds now (whether or not every action is done).
    pub fn condition_met(&self) -> bool {
        self.wait.until.met(&self.sim, &self.mark)
    }

    /// Plays until the simulated time `t` (or until the step ends, if sooner): applies each
    /// action when its time comes, processes events one instant at a time, and stops at the
    /// very instant the condition holds once the actions are done. Calling it with the times
    /// of animation frames ends in the same world as one call with a late time.
    pub fn advance_to(&mut self, t: Time) -> Result<Progress, ScenarioError> {
        loop {
            if let Some(ending) = self.ending {
                return Ok(Progress::Done(ending));
            }
            let now = self.sim.now();
            while let Some(a) = self.actions.get(self.next_action) {
                if self.mark.at.saturating_add(a.after) > now {
                    break;
                }
                // The action's own time is relative to the step; errors give the world's.
                apply_step(&mut self.sim, &a.action).map_err(|e| match e {
                    ScenarioError::Step { path, message, .. } => ScenarioError::Step {
                        path,
                        at: now,
                        message,
                    },
                    other => other,
                })?;
                self.next_action += 1;
            }
            let next_action_at = self
                .actions
                .get(self.next_action)
                .map(|a| self.mark.at.saturating_add(a.after));
            if next_action_at.is_none() && self.wait.until.met(&self.sim, &self.mark) {
                self.ending = Some(Ending::Met { at: now });
                continue;
            }
            let deadline = self.deadline();
            if now >= deadline {
                self.ending = Some(Ending::TimedOut { at: now });
                continue;
            }
            let mut limit = t.min(deadline);
            if let Some(at) = next_action_at {
                limit = limit.min(at);
            }
            if let Some(due) = self.wait.until.next_time_due(&self.mark, now) {
                limit = limit.min(due);
            }
            match self.sim.next_event_at() {
                Some(te) if te <= limit => {
                    self.sim.step_next_event();
                }
                _ if limit <= now => return Ok(Progress::Running),
                _ => self.sim.advance_to(limit),
            }
        }
    }

    /// Plays the step to its end.
    pub fn finish(&mut self) -> Result<Ending, ScenarioError> {
        match self.advance_to(self.deadline())? {
            Progress::Done(ending) => Ok(ending),
            // At the deadline the step is always over; this only guards the loop above.
            Progress::Running => match self.advance_to(self.deadline())? {
                Progress::Done(ending) => Ok(ending),
                Progress::Running => Ok(Ending::TimedOut { at: self.sim.now() }),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Playing a lesson.

/// A step played once: the world at its start and at its end.
#[derive(Clone, Debug)]
pub struct Played {
    /// The world as the step begins, before its actions.
    pub start: Sim,
    /// The world as the step ends.
    pub end: Sim,
    pub mark: Mark,
    pub ending: Ending,
}

/// A lesson being played: the world at the start and end of any step, each computed once.
#[derive(Clone, Debug)]
pub struct LessonRun {
    lesson: Lesson,
    played: Vec<Option<Played>>,
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        let len = lesson.len();
        LessonRun {
            lesson,
            played: vec![None; len],
        }
    }

    /// The built-in lesson, ready to play.
    pub fn builtin() -> Result<LessonRun, ScenarioError> {
        Lesson::builtin().map(LessonRun::new)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    /// How many steps the lesson has.
    pub fn len(&self) -> usize {
        self.played.len()
    }

    pub fn is_empty(&self) -> bool {
        self.played.is_empty()
    }

    /// The step at a flat step number.
    pub fn step(&self, flat: usize) -> Option<&Step> {
        self.lesson.step(flat)
    }

    /// The world as step `flat` begins, before its actions: the end of the step before, or
    /// the step's own fresh world.
    pub fn start_of(&mut self, flat: usize) -> Result<&Sim, ScenarioError> {
        Ok(&self.played(flat)?.start)
    }

    /// The world as step `flat` ends.
    pub fn end_of(&mut self, flat: usize) -> Result<&Sim, ScenarioError> {
        Ok(&self.played(flat)?.end)
    }

    /// Where step `flat` begins (for [`Condition::met`]).
    pub fn mark(&mut self, flat: usize) -> Result<Mark, ScenarioError> {
        Ok(self.played(flat)?.mark)
    }

    /// Step `flat`, played: its start, its end and how it ended. Computes it (and the steps of
    /// its chapter before it) the first time.
    pub fn played(&mut self, flat: usize) -> Result<&Played, ScenarioError> {
        if flat >= self.played.len() {
            return Err(ScenarioError::Invalid {
                path: String::new(),
                message: format!(
                    "there is no step {flat}; the lesson has {} steps",
                    self.played.len()
                ),
            });
        }
        // Walk back to a step already played or one with its own world.
        let mut first = flat;
        while self.played[first].is_none() && self.scenario_of(first).is_none() {
            match first.checked_sub(1) {
                Some(prev) => first = prev,
                None => break,
            }
        }
        for k in first..=flat {
            if self.played[k].is_some() {
                continue;
            }
            let start = match self.scenario_of(k) {
                Some(world) => world.build()?,
                None => match k.checked_sub(1).and_then(|p| self.played[p].as_ref()) {
                    Some(prev) => prev.end.clone(),
                    None => {
                        return Err(ScenarioError::Invalid {
                            path: self.path_of(k),
                            message: "the step has no world to start from".to_string(),
                        })
                    }
                },
            };
            let step = self.lesson.step(k).expect("k is in range");
            let mut playback = Playback::new(step, start.clone());
            let ending = playback.finish()?;
            let mark = playback.mark();
            self.played[k] = Some(Played {
                start,
                end: playback.into_sim(),
                mark,
                ending,
            });
        }
        Ok(self.played[flat].as_ref().expect("just played"))
    }

    /// A fresh playback of step `flat` from its start, for the view to animate.
    pub fn playback(&mut self, flat: usize) -> Result<Playback, ScenarioError> {
        let start = self.played(flat)?.start.clone();
        let step = self.lesson.step(flat).expect("played checked the range");
        Ok(Playback::new(step, start))
    }

    /// Whether step `flat`'s wait condition holds in `sim` (a world playing that step).
    pub fn condition_met(&mut self, flat: usize, sim: &Sim) -> Result<bool, ScenarioError> {
        let mark = self.mark(flat)?;
        let step = self.lesson.step(flat).expect("mark checked the range");
        Ok(step.wait.until.met(sim, &mark))
    }

    /// What of step `flat`'s expectation does not hold in `sim`; empty when all of it does.
    pub fn check(&self, flat: usize, sim: &Sim) -> Vec<String> {
        match self.lesson.step(flat) {
            Some(step) => step.expect.check(sim, &step.path),
            None => vec![format!("there is no step {flat}")],
        }
    }

    /// The story step `flat` belongs to, as a scenario: the world of the last step at or before
    /// it that starts afresh, with every action from there to `flat` in its script at the
    /// instant it happens. Replaying it to any instant of step `flat` gives the world the tour
    /// shows then, so a step taken over into free play is a run like any other.
    pub fn as_scenario(&mut self, flat: usize) -> Result<Scenario, ScenarioError> {
        let mut script = Vec::new();
        let mut k = flat;
        let base = loop {
            let start = self.played(k)?.start.now();
            let step = self.lesson.step(k).expect("played checked the range");
            for a in step.actions.iter().rev() {
                let mut action = a.action.clone();
                action.at = start.saturating_add(a.after);
                script.push(action);
            }
            if let Some(world) = &step.scenario {
                break world.clone();
            }
            k = k.checked_sub(1).ok_or_else(|| ScenarioError::Invalid {
                path: self.path_of(flat),
                message: "the step has no world to start from".to_string(),
            })?;
        };
        script.reverse();
        Ok(Scenario {
            script,
            run_until: self.played(flat)?.end.now(),
            ..base
        })
    }

    fn scenario_of(&self, flat: usize) -> Option<&Scenario> {
        self.lesson.step(flat).and_then(|s| s.scenario.as_ref())
    }

    fn path_of(&self, flat: usize) -> String {
        self.lesson
            .step(flat)
            .map_or_else(String::new, |s| s.path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step of the built-in lesson, as a scenario, replays to the world the tour shows at
    /// the step's end, event for event.
    #[test]
    fn every_step_as_a_scenario_replays_to_the_tours_world() {
        let mut run = LessonRun::builtin().expect("the built-in lesson");
        for flat in 0..run.len() {
            let end = run.end_of(flat).expect("the step plays").clone();
            let scenario = run.as_scenario(flat).expect("a scenario");
            let replayed = scenario.run_sim().expect("it replays");
            assert_eq!(replayed.now(), end.now(), "step {flat}");
            assert_eq!(replayed.trace_hash(), end.trace_hash(), "step {flat}");
        }
    }
}
