//! The reducer of simulated time: play and pause, animation frames, stepping forward and back
//! by tick or by event, going to any instant of the run, speed and tick size. In the tour,
//! frames play the step on screen.

use super::action::{ClockAction, Notice};
use super::tour::StepStatus;
use super::{capitalise, AppState};
use crate::params;
use raftsim::Time;

impl AppState {
    pub(super) fn reduce_clock(&mut self, action: ClockAction) -> bool {
        use ClockAction as C;
        if let C::Frame(elapsed_ms) = action {
            return self.frame(elapsed_ms);
        }
        // Anything a person does replaces the last message.
        self.notice = None;
        let last_speed = params::SPEEDS.len() - 1;
        let last_tick = params::TICKS_US.len() - 1;
        match action {
            C::Frame(_) => {}
            C::TogglePlay => {
                let can_play = self
                    .tour
                    .as_ref()
                    .is_none_or(|t| t.status() == StepStatus::Playing);
                self.playing = !self.playing && can_play;
                self.carry_us = 0.0;
            }
            C::Pause => self.playing = false,
            C::StepTick => {
                self.playing = false;
                let to = self.sim.now().saturating_add(self.tick_us());
                self.play_to(to);
            }
            C::StepEvent => {
                self.playing = false;
                match self.with_place(|h, place| h.play_next_event(place)) {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        self.notice = Some(Notice::info(
                            "Nothing is scheduled: every server is crashed and no message is in flight.",
                        ))
                    }
                    Err(e) => self.notice = Some(Notice::error(capitalise(&e.to_string()))),
                }
            }
            C::StepBack => {
                self.playing = false;
                self.go_to(self.sim.now().saturating_sub(self.tick_us()));
            }
            C::StepBackEvent => {
                self.playing = false;
                let now = self.sim.now();
                let before = self.sim.trace().iter().rev().find(|e| e.at < now);
                match before.map(|e| e.at) {
                    Some(at) => self.go_to(at),
                    None if now > 0 => self.go_to(0),
                    None => {}
                }
            }
            C::ToStart => {
                self.playing = false;
                self.go_to(0);
            }
            C::ToEnd => {
                self.playing = false;
                self.go_to(self.history.end());
            }
            C::Seek(t) => {
                self.playing = false;
                self.go_to(t.min(self.history.end()));
            }
            C::SetSpeed(i) => self.speed = i.min(last_speed),
            C::Faster => self.speed = (self.speed + 1).min(last_speed),
            C::Slower => self.speed = self.speed.saturating_sub(1),
            C::SetTick(i) => self.tick = i.min(last_tick),
            C::LongerTick => self.tick = (self.tick + 1).min(last_tick),
            C::ShorterTick => self.tick = self.tick.saturating_sub(1),
        }
        true
    }

    /// Plays the wall-clock time of one animation frame at the current speed: the tour's step
    /// while the tour is open, else free play's world.
    fn frame(&mut self, elapsed_ms: f64) -> bool {
        if !self.playing {
            return false;
        }
        let (dt, carry) = params::frame_advance(elapsed_ms, self.speed(), self.carry_us);
        self.carry_us = carry;
        if dt == 0 {
            return false;
        }
        match &mut self.tour {
            Some(tour) => {
                if !tour.advance(dt) {
                    self.playing = false;
                }
            }
            None => {
                let to = self.sim.now().saturating_add(dt);
                self.play_to(to);
            }
        }
        true
    }

    /// Plays free play's run forward to `to`, doing what was done in it when its time comes.
    fn play_to(&mut self, to: Time) {
        if let Err(e) = self.with_place(|h, place| h.play(place, to)) {
            self.playing = false;
            self.notice = Some(Notice::error(capitalise(&e.to_string())));
        }
    }

    /// Shows free play's run at instant `t`. What is selected stays selected if it still exists
    /// then.
    pub(super) fn go_to(&mut self, t: Time) {
        match self.with_place(|h, place| h.world_at(t).map(|at| *place = at)) {
            Ok(()) => {
                self.carry_us = 0.0;
                if let Some(super::Selection::Packet(id)) = self.selected {
                    if self.sim.packet(id).is_none() {
                        self.selected = None;
                    }
                }
            }
            Err(e) => self.notice = Some(Notice::error(capitalise(&e.to_string()))),
        }
    }
}
