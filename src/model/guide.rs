//! The reducer of the guided tour: opening it at a step or an address, moving between steps,
//! answering a step's question, turning questions on and off, leaving the tour, and taking a
//! step over into free play. A step shown anew starts playing, or asks its question first.

use super::action::{Notice, TourAction};
use super::tour::{self, StepStatus, Tour};
use super::AppState;
use crate::params;
use raftsim::lesson::Lesson;

impl AppState {
    pub(super) fn reduce_tour(&mut self, action: TourAction) -> bool {
        use TourAction as T;
        // A digit answers the open question, if there is one, else opens a chapter.
        let action = match action {
            T::Number(n) => {
                let n = usize::from(n.saturating_sub(1));
                match self.tour.as_ref().map_or(0, Tour::answers_open) {
                    0 => T::Chapter(n),
                    _ => T::Answer(n),
                }
            }
            other => other,
        };
        if let T::Questions(on) = action {
            // A setting, not a move: any message on screen stays.
            let Some(t) = &mut self.tour else {
                return false;
            };
            if !t.set_questions(on) {
                return false;
            }
            self.step_shown();
            return true;
        }
        if let T::Locate(fragment) = &action {
            let fragment = fragment.trim_start_matches('#');
            if fragment.is_empty() {
                // An address without a step (the browser went back past the tour) leaves it.
                return self.tour.is_some() && self.close_tour();
            }
            // `#election` while its first step is on screen: nothing to do.
            if let Some(t) = &self.tour {
                if t.locate(fragment) == Some(t.index()) {
                    return false;
                }
            }
        }
        // Anything a person does replaces the last message.
        self.notice = None;
        match action {
            T::Open(at) => {
                let at = at.unwrap_or(self.tour_resume);
                match &mut self.tour {
                    Some(t) => t.go(at),
                    None => match Tour::builtin(at) {
                        Ok(t) => self.tour = Some(t),
                        Err(e) => {
                            self.notice = Some(Notice::error(e));
                            return true;
                        }
                    },
                }
                self.help = false;
                self.draft = None;
                self.step_shown();
            }
            T::Locate(fragment) => {
                if self.locate(fragment.trim_start_matches('#')) {
                    self.help = false;
                    self.draft = None;
                    self.step_shown();
                }
            }
            T::Close => return self.close_tour(),
            T::Answer(i) => {
                let Some(t) = &mut self.tour else {
                    return false;
                };
                let open = t.answers_open();
                if open == 0 {
                    return false;
                }
                if t.answer(i).is_none() {
                    self.notice = Some(Notice::info(format!(
                        "This question has {open} answers: press 1 to {open}, or click one."
                    )));
                    return true;
                }
                self.step_shown();
            }
            T::Next if self.tour.as_ref().is_some_and(|t| t.answers_open() > 0) => {
                let open = self.tour.as_ref().map_or(0, Tour::answers_open);
                self.notice = Some(Notice::info(format!(
                    "First, the question: press 1 to {open} or click an answer. (The Questions switch in the bar turns questions off.)"
                )));
            }
            T::TakeOver => {
                let Some(title) = self.take_over() else {
                    return false;
                };
                self.notice = Some(Notice::info(format!(
                    "Free play: the cluster of “{title}” is yours, paused where the tour left it. Space plays on; click a server to crash it or time it out, type a write, partition the network. G goes back to the tour."
                )));
            }
            T::Next if self.tour.as_ref().is_some_and(|t| t.is_last()) => {
                self.take_over();
                self.playing = true;
                self.notice = Some(Notice::info(
                    "Free play: this cluster is yours. Click a server to crash it or time it out, type a write, partition the network. G goes back to the tour.",
                ));
            }
            T::Questions(_) | T::Number(_) => return false,
            T::Go(_) | T::Next | T::Back | T::Replay | T::Chapter(_) => {
                let Some(t) = &mut self.tour else {
                    return false;
                };
                let moved = match action {
                    T::Go(at) => {
                        t.go(at);
                        true
                    }
                    T::Next => t.forward(),
                    T::Back => t.back(),
                    T::Chapter(c) => t.chapter(c),
                    _ => {
                        t.replay();
                        true
                    }
                };
                if !moved {
                    self.notice = Some(Notice::info(match action {
                        T::Back => "This is the first step of the tour.".to_string(),
                        T::Chapter(c) => format!(
                            "The tour has {} chapters; there is no chapter {}.",
                            t.lesson().chapters.len(),
                            c + 1
                        ),
                        _ => "This is the last step of the tour.".to_string(),
                    }));
                }
                self.step_shown();
            }
        }
        true
    }

    /// After a step is shown: the tour reopens there, and it plays unless it already ended.
    fn step_shown(&mut self) {
        if let Some(t) = &self.tour {
            self.tour_resume = t.index();
            self.playing = t.status() == StepStatus::Playing;
            self.carry_us = 0.0;
        }
    }

    /// Shows the step an address fragment names, opening the tour if needed. Returns false (and
    /// says why) when it names no step.
    fn locate(&mut self, fragment: &str) -> bool {
        let unknown = |lesson: &Lesson| {
            Notice::error(format!(
                "The address names “#{}”, which is not a step of the tour. Its chapters are {}.",
                params::shorten(fragment),
                tour::chapter_ids(lesson).join(", ")
            ))
        };
        if let Some(t) = &mut self.tour {
            return match t.locate(fragment) {
                Some(at) => {
                    t.go(at);
                    true
                }
                None => {
                    self.notice = Some(unknown(t.lesson()));
                    false
                }
            };
        }
        let lesson = match tour::builtin_lesson() {
            Ok(lesson) => lesson,
            Err(e) => {
                self.notice = Some(Notice::error(e));
                return false;
            }
        };
        let Some(at) = lesson.locate(fragment).map(tour::StepIndex) else {
            self.notice = Some(unknown(&lesson));
            return false;
        };
        match Tour::new(lesson, at) {
            Ok(t) => {
                self.tour = Some(t);
                true
            }
            Err(e) => {
                self.notice = Some(Notice::error(e));
                false
            }
        }
    }

    /// Leaves the tour (free play is as it was left, paused). Returns false if it was not open.
    pub(super) fn close_tour(&mut self) -> bool {
        if self.tour.take().is_none() {
            return false;
        }
        self.playing = false;
        self.carry_us = 0.0;
        true
    }

    /// Makes the tour's world free play's, paused, as a run like any other (its story's
    /// scenario and the actions of its steps so far); returns the title of the step it came
    /// from. If the step cannot be told as a run, the tour stays and says why.
    fn take_over(&mut self) -> Option<String> {
        let t = self.tour.as_ref()?;
        let title = t.step().map(|s| s.title.clone()).unwrap_or_default();
        let run = t.as_run();
        match run {
            Ok((history, place)) => {
                self.tour = None;
                self.install(history, place);
                self.playing = false;
                Some(title)
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "This step cannot be taken over: {e}"
                )));
                None
            }
        }
    }
}
