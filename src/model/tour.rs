//! The guided tour's state: which step of the lesson is on screen, the world it shows, the
//! step's animation, and the step's question: a step that asks one waits, unplayed, until it is
//! answered (unless questions are turned off). The lesson (narration, staging, wait conditions,
//! highlights, questions) is data played by `raftsim::lesson`; this only moves between its steps
//! and hands the world to the drawing. Pure Rust, so it is unit-tested natively.

use super::marks::Marks;
use super::sim_ref::SimRef;
use raftsim::history::{History, Place};
use raftsim::lesson::{Lesson, LessonRun, Playback, Progress, Step, StepRef};
use raftsim::Time;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// A step's place in the whole lesson, counting every chapter's steps in order from 0 (the
/// lesson's own functions call it `flat`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct StepIndex(pub usize);

/// The lesson's step runner, shared by every version of the tour state: it caches each step's
/// start and end worlds, so going back or jumping is instant after the first visit.
#[derive(Clone)]
struct SharedRun(Rc<RefCell<LessonRun>>);

impl PartialEq for SharedRun {
    fn eq(&self, other: &SharedRun) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A step being played, compared by identity (every frame makes a new one).
#[derive(Clone)]
struct Playing(Rc<Playback>);

impl PartialEq for Playing {
    fn eq(&self, other: &Playing) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where the current step stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// Its question is open: nothing has played; an answer (or turning questions off) plays it.
    Asking,
    /// Its animation is running (or paused part-way).
    Playing,
    /// It reached its end: the world waits for Continue.
    Done,
    /// The lesson could not be played here (see `Tour::error`).
    Failed,
}

/// How far the student has got with the question of the step shown.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Asked {
    /// Nothing to ask: the step has no question, or questions are off.
    Nothing,
    /// Waiting for an answer; the step has not played.
    Open,
    /// Answered with this answer (counting from 0); the step plays, or has played.
    Answered(usize),
}

/// The step shown: where it stands and where its question stands. It compares equal to a
/// [`StepStatus`] when it is in that status.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct StepState {
    pub status: StepStatus,
    pub asked: Asked,
}

impl PartialEq<StepStatus> for StepState {
    fn eq(&self, other: &StepStatus) -> bool {
        self.status == *other
    }
}

/// The tour: a lesson, the step shown, that step's world and its question.
#[derive(Clone, PartialEq)]
pub struct Tour {
    lesson: Rc<Lesson>,
    run: SharedRun,
    at: StepIndex,
    /// The step's animation: set up but not started while its question is open.
    playing: Option<Playing>,
    asked: Asked,
    /// Whether steps with a question ask it before they play.
    questions: bool,
    sim: SimRef,
    marks: Rc<Marks>,
    error: Option<String>,
}

impl fmt::Debug for Tour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tour(step {} = {:?}, {:?}, {:?})",
            self.at.0,
            self.lesson.fragment(self.at.0),
            self.status(),
            self.sim
        )
    }
}

impl Tour {
    /// The tour of the lesson that ships with the app, at step `at` (clamped to the lesson).
    pub fn builtin(at: StepIndex) -> Result<Tour, String> {
        Tour::new(builtin_lesson()?, at)
    }

    /// A tour of `lesson`, at step `at` (clamped to the lesson).
    pub fn new(lesson: Lesson, at: StepIndex) -> Result<Tour, String> {
        if lesson.is_empty() {
            return Err("The lesson has no steps.".to_string());
        }
        let run = LessonRun::new(lesson.clone());
        let mut tour = Tour {
            lesson: Rc::new(lesson),
            run: SharedRun(Rc::new(RefCell::new(run))),
            at: StepIndex(0),
            playing: None,
            asked: Asked::Nothing,
            questions: true,
            sim: SimRef::new(
                raftsim::Sim::new(raftsim::Config::default()).map_err(|e| e.to_string())?,
            ),
            marks: Rc::new(Marks::default()),
            error: None,
        };
        tour.go(at);
        Ok(tour)
    }

    pub fn lesson(&self) -> &Rc<Lesson> {
        &self.lesson
    }

    /// The step shown.
    pub fn index(&self) -> StepIndex {
        self.at
    }

    pub fn position(&self) -> StepRef {
        self.lesson.position(self.at.0).unwrap_or(StepRef {
            chapter: 0,
            step: 0,
        })
    }

    pub fn step(&self) -> Option<&Step> {
        self.lesson.step(self.at.0)
    }

    /// `chapter-id/step-id`, for the page address.
    pub fn fragment(&self) -> String {
        self.lesson.fragment(self.at.0).unwrap_or_default()
    }

    pub fn is_last(&self) -> bool {
        self.at.0 + 1 >= self.lesson.len()
    }

    /// The world on screen.
    pub fn sim(&self) -> &SimRef {
        &self.sim
    }

    /// What the step on screen draws attention to.
    pub fn marks(&self) -> &Rc<Marks> {
        &self.marks
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Where the step shown stands, and its question.
    pub fn status(&self) -> StepState {
        let status = if self.error.is_some() {
            StepStatus::Failed
        } else if self.asked == Asked::Open {
            StepStatus::Asking
        } else if self.playing.is_some() {
            StepStatus::Playing
        } else {
            StepStatus::Done
        };
        StepState {
            status,
            asked: self.asked,
        }
    }

    /// Whether steps with a question ask it before they play.
    pub fn questions(&self) -> bool {
        self.questions
    }

    /// Turns questions on or off for the whole tour. Off, an open question closes and its step
    /// plays; on, the next step with a question asks it. Returns whether anything changed.
    pub fn set_questions(&mut self, on: bool) -> bool {
        if self.questions == on {
            return false;
        }
        self.questions = on;
        if !on && self.asked == Asked::Open {
            self.asked = Asked::Nothing;
            self.advance(0);
        }
        true
    }

    /// Answers the open question with answer `chosen` (from 0) and starts playing the step.
    /// Returns whether the answer is right, or None if no question is open or there is no
    /// such answer.
    pub fn answer(&mut self, chosen: usize) -> Option<bool> {
        if self.asked != Asked::Open {
            return None;
        }
        let question = self.step()?.question.as_ref()?;
        if chosen >= question.answers.len() {
            return None;
        }
        let right = question.is_correct(chosen);
        self.asked = Asked::Answered(chosen);
        self.advance(0);
        Some(right)
    }

    /// How many answers the open question offers (0 if none is open).
    pub fn answers_open(&self) -> usize {
        match (self.asked, self.step().and_then(|s| s.question.as_ref())) {
            (Asked::Open, Some(q)) => q.answers.len(),
            _ => 0,
        }
    }

    /// Shows step `at` (clamped) from its beginning: it asks its question first if it has one
    /// (and questions are on), else it starts playing.
    pub fn go(&mut self, at: StepIndex) {
        let flat = at.0.min(self.lesson.len().saturating_sub(1));
        self.at = StepIndex(flat);
        self.error = None;
        let asks = self.questions && self.step().is_some_and(|s| s.question.is_some());
        self.asked = if asks { Asked::Open } else { Asked::Nothing };
        let playback = self.run.0.borrow_mut().playback(flat);
        match playback {
            Ok(playback) => {
                self.sim = SimRef::new(playback.sim().clone());
                self.playing = Some(Playing(Rc::new(playback)));
                // Actions due at once are applied now; a step without a wait ends here. A step
                // that asks waits for its answer first.
                if !asks {
                    self.advance(0);
                }
            }
            Err(e) => self.fail(e.to_string()),
        }
        let cluster = self.sim.nodes().len();
        let items = self.step().map(|s| s.highlight.as_slice()).unwrap_or(&[]);
        self.marks = Rc::new(Marks::from_lesson(items, cluster));
    }

    /// The current step again from its beginning; an answered question stays answered.
    pub fn replay(&mut self) {
        let asked = self.asked;
        self.go(self.at);
        if let (Asked::Answered(_), Asked::Open) = (asked, self.asked) {
            self.asked = asked;
            self.advance(0);
        }
    }

    /// Plays `dt` more simulated µs of the current step. Returns whether it is still playing.
    /// Nothing plays while its question is open.
    pub fn advance(&mut self, dt: Time) -> bool {
        if self.asked == Asked::Open {
            return false;
        }
        let Some(Playing(playback)) = &mut self.playing else {
            return false;
        };
        let playback = Rc::make_mut(playback);
        let target = playback.sim().now().saturating_add(dt);
        match playback.advance_to(target) {
            Ok(progress) => {
                self.sim = SimRef::new(playback.sim().clone());
                if matches!(progress, Progress::Done(_)) {
                    self.playing = None;
                }
                self.playing.is_some()
            }
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }

    /// Jumps to the end of the current step, as if it had played out (not while its question
    /// is open).
    pub fn finish(&mut self) {
        if self.playing.is_none() || self.asked == Asked::Open {
            return;
        }
        let end = self.run.0.borrow_mut().end_of(self.at.0).cloned();
        match end {
            Ok(sim) => {
                self.sim = SimRef::new(sim);
                self.playing = None;
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// The next step, from its beginning. Returns false at the last step.
    pub fn forward(&mut self) -> bool {
        if self.is_last() {
            return false;
        }
        self.go(StepIndex(self.at.0 + 1));
        true
    }

    /// The step before, replayed from its beginning. Returns false at the first step.
    pub fn back(&mut self) -> bool {
        match self.at.0.checked_sub(1) {
            Some(prev) => {
                self.go(StepIndex(prev));
                true
            }
            None => false,
        }
    }

    /// The first step of chapter `chapter`; false if there is no such chapter.
    pub fn chapter(&mut self, chapter: usize) -> bool {
        match self.lesson.chapter_start(chapter) {
            Some(flat) => {
                self.go(StepIndex(flat));
                true
            }
            None => false,
        }
    }

    /// The step a URL fragment names (`#chapter-id/step-id` or `#chapter-id`), if any.
    pub fn locate(&self, fragment: &str) -> Option<StepIndex> {
        self.lesson.locate(fragment).map(StepIndex)
    }

    /// The world on screen as free play's run: the scenario its story started from, with the
    /// actions of its steps so far as the run's script, shown at this instant.
    pub fn as_run(&self) -> Result<(History, Place), String> {
        let now = self.sim.now();
        let mut scenario = self
            .run
            .0
            .borrow_mut()
            .as_scenario(self.at.0)
            .map_err(|e| e.to_string())?;
        scenario.script.retain(|s| s.at <= now);
        scenario.run_until = now;
        let mut history = super::run_of(scenario).map_err(|e| e.to_string())?;
        let place = history.world_at(now).map_err(|e| e.to_string())?;
        Ok((history, place))
    }

    fn fail(&mut self, message: String) {
        self.playing = None;
        self.asked = Asked::Nothing;
        self.error = Some(format!(
            "This step could not be played: {message}. Go back, pick another step, or take over."
        ));
    }
}

/// The lesson that ships with the app.
pub fn builtin_lesson() -> Result<Lesson, String> {
    let text = crate::assets::text(crate::assets::LESSON)
        .ok_or_else(|| "The tour's lesson has not been loaded.".to_string())?;
    Lesson::from_json(&text).map_err(|e| format!("The tour's lesson is broken: {e}"))
}

/// The chapters' fragments (`#consensus`, …), for a message about an address naming no step.
pub fn chapter_ids(lesson: &Lesson) -> Vec<String> {
    lesson
        .chapters
        .iter()
        .map(|c| format!("#{}", c.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftsim::Role;

    fn tour(at: usize) -> Tour {
        Tour::builtin(StepIndex(at)).expect("the built-in lesson loads")
    }

    /// Plays the current step to its end in 5 ms slices, as frames would, first giving the right
    /// answer to its question if it asks one.
    fn play_out(t: &mut Tour) {
        if t.status() == StepStatus::Asking {
            let correct = t
                .step()
                .and_then(|s| s.question.as_ref())
                .map(|q| q.correct);
            assert_eq!(t.answer(correct.unwrap_or(0)), Some(true));
        }
        for _ in 0..100_000 {
            if !t.advance(5_000) {
                return;
            }
        }
        panic!("step {} never ended", t.fragment());
    }

    #[test]
    fn opens_at_the_first_step_playing() {
        let t = tour(0);
        assert_eq!(t.index(), StepIndex(0));
        assert_eq!(t.fragment(), "consensus/one-server");
        assert_eq!(t.status(), StepStatus::Playing);
        assert_eq!(t.sim().nodes().len(), 1);
        assert!(t.marks().nodes.contains(&raftsim::NodeId(1)));
    }

    #[test]
    fn every_step_played_frame_by_frame_ends_where_the_lesson_says() {
        let mut t = tour(0);
        loop {
            play_out(&mut t);
            assert_eq!(t.status(), StepStatus::Done, "{}", t.fragment());
            let end = t
                .run
                .0
                .borrow_mut()
                .end_of(t.index().0)
                .cloned()
                .expect("ends");
            assert_eq!(t.sim().trace_hash(), end.trace_hash(), "{}", t.fragment());
            assert!(t.error().is_none());
            if !t.forward() {
                break;
            }
        }
        assert!(t.is_last());
        assert_eq!(t.index().0 + 1, t.lesson().len());
    }

    #[test]
    fn back_replays_the_step_before_from_its_start() {
        let mut t = tour(0);
        assert!(!t.back(), "nothing before the first step");
        let at = t.locate("election/votes").expect("a step");
        t.go(at);
        t.finish();
        assert!(t.back());
        assert_eq!(t.fragment(), "election/candidate");
        assert_eq!(t.status(), StepStatus::Playing);
        play_out(&mut t);
        assert!(t.sim().nodes().iter().any(|n| n.role == Role::Candidate));
    }

    #[test]
    fn finishing_a_step_shows_its_end_and_continue_starts_the_next() {
        let mut t = tour(0);
        let at = t.locate("overview/election").expect("a step");
        t.go(at);
        t.finish();
        assert_eq!(t.status(), StepStatus::Done);
        assert!(t.sim().leader().is_some());
        let end_at = t.sim().now();
        assert!(t.forward());
        assert_eq!(t.fragment(), "overview/change");
        assert!(
            t.sim().now() >= end_at,
            "the next step starts where this one ended"
        );
    }

    #[test]
    fn chapters_and_fragments_find_their_steps() {
        let mut t = tour(0);
        assert!(t.chapter(3));
        assert_eq!(t.fragment(), "replication/leader");
        assert!(!t.chapter(99));
        assert_eq!(
            t.locate("#election"),
            t.lesson().chapter_start(2).map(StepIndex)
        );
        assert_eq!(
            t.locate("#election/split-vote").map(|at| at.0 > 0),
            Some(true)
        );
        assert_eq!(t.locate("#nowhere"), None);
        assert_eq!(t.locate("#election/nowhere"), None);
        let ids = chapter_ids(t.lesson());
        assert_eq!(ids.first().map(String::as_str), Some("#consensus"));
    }

    /// The first step of the built-in lesson that asks a question.
    fn asking_step() -> StepIndex {
        let t = tour(0);
        let flat = t
            .lesson()
            .steps()
            .find(|(_, _, _, s)| s.question.is_some())
            .map(|(flat, ..)| flat)
            .expect("the lesson asks questions");
        StepIndex(flat)
    }

    #[test]
    fn a_step_with_a_question_waits_unplayed_until_it_is_answered() {
        let at = asking_step();
        let mut t = tour(at.0);
        let start = t.sim().now();
        let trace = t.sim().trace_hash();
        assert_eq!(t.status(), StepStatus::Asking);
        assert_eq!(t.status().asked, Asked::Open);
        assert!(t.answers_open() >= 2);
        assert!(
            !t.advance(1_000_000),
            "nothing plays while the question is open"
        );
        t.finish();
        assert_eq!(
            t.status(),
            StepStatus::Asking,
            "the end is not shown before the answer"
        );
        assert_eq!((t.sim().now(), t.sim().trace_hash()), (start, trace));
        let q = t
            .step()
            .and_then(|s| s.question.clone())
            .expect("a question");
        let wrong = (q.correct + 1) % q.answers.len();
        assert_eq!(t.answer(q.answers.len()), None, "no such answer");
        assert_eq!(t.answer(wrong), Some(false));
        assert_eq!(t.status().asked, Asked::Answered(wrong));
        assert_eq!(t.answer(q.correct), None, "answered already");
        assert_eq!(t.answers_open(), 0);
        play_out(&mut t);
        assert_eq!(t.status(), StepStatus::Done);
        let end = t.run.0.borrow_mut().end_of(at.0).cloned().expect("ends");
        assert_eq!(
            t.sim().trace_hash(),
            end.trace_hash(),
            "the same end as unasked"
        );
        t.replay();
        assert_eq!(
            t.status().asked,
            Asked::Answered(wrong),
            "replay keeps the answer"
        );
        assert_eq!(t.status(), StepStatus::Playing);
        t.back();
        t.forward();
        assert_eq!(t.status(), StepStatus::Asking, "shown anew, it asks again");
    }

    #[test]
    fn with_questions_off_steps_play_straight_through() {
        let at = asking_step();
        let mut t = tour(at.0);
        assert!(t.questions());
        assert!(t.set_questions(false));
        assert!(!t.set_questions(false), "no change");
        assert_eq!(
            t.status(),
            StepStatus::Playing,
            "the open question closes and the step plays"
        );
        assert_eq!(t.status().asked, Asked::Nothing);
        assert_eq!(t.answer(0), None);
        t.go(at);
        assert_eq!(t.status(), StepStatus::Playing);
        assert!(t.set_questions(true));
        assert_eq!(
            t.status(),
            StepStatus::Playing,
            "on again: from the next step shown"
        );
        t.go(at);
        assert_eq!(t.status(), StepStatus::Asking);
    }

    #[test]
    fn out_of_range_steps_are_clamped() {
        let t = tour(10_000);
        assert!(t.is_last());
    }

    #[test]
    fn the_partition_step_ends_with_the_minority_entry_uncommitted_then_gone() {
        let mut t = tour(0);
        t.go(t.locate("replication/minority-write").expect("a step"));
        play_out(&mut t);
        let s1 = t.sim().node(raftsim::NodeId(1)).expect("S1").clone();
        assert!(s1.last_log_index() >= 3 && s1.commit_index < 3);
        t.go(t.locate("replication/roll-back").expect("a step"));
        play_out(&mut t);
        let logs: Vec<_> = t.sim().nodes().iter().map(|n| n.log.clone()).collect();
        assert!(logs.windows(2).all(|w| w[0] == w[1]), "logs agree");
    }

    #[test]
    fn a_step_the_simulation_refuses_is_shown_as_failed_not_a_crash() {
        let json = r#"{"title": "t", "chapters": [{"id": "a", "title": "A", "steps": [
            {"id": "ok", "title": "Fine", "narration": "All good.", "scenario": {"nodes": 3, "seed": 1}},
            {"id": "bad", "title": "Bad", "narration": "Restart a live server.",
             "actions": [{"do": "restart", "node": "S1"}]}]}]}"#;
        let lesson = Lesson::from_json(json).expect("the lesson reads");
        let mut t = Tour::new(lesson, StepIndex(0)).expect("a tour");
        assert_eq!(t.status(), StepStatus::Done);
        assert!(t.forward());
        assert_eq!(t.status(), StepStatus::Failed);
        let error = t.error().expect("a message");
        assert!(error.contains("actions[0]"), "{error}");
        assert!(!t.advance(1_000), "a failed step does not play");
        assert!(t.back());
        assert_eq!(t.status(), StepStatus::Done, "the step before still works");
    }

    #[test]
    fn a_broken_lesson_is_refused_with_a_message() {
        let lesson = Lesson::from_json(r#"{"title": "t", "chapters": []}"#);
        match lesson {
            Ok(l) => assert!(Tour::new(l, StepIndex(0)).is_err()),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
