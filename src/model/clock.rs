//! The reducer of simulated time: play and pause, animation frames, stepping by tick or by
//! event, speed and tick size. In the tour, frames play the step on screen.

use super::action::{ClockAction, Notice};
use super::tour::StepStatus;
use super::AppState;
use crate::params;

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
                let dt = self.tick_us();
                self.with_sim(|sim| sim.advance_by(dt));
            }
            C::StepEvent => {
                self.playing = false;
                if self.with_sim(|sim| sim.step_next_event()).is_none() {
                    self.notice = Some(Notice::info(
                        "Nothing is scheduled: every server is crashed and no message is in flight.",
                    ));
                }
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
            None => self.with_sim(|sim| sim.advance_by(dt)),
        }
        true
    }
}
