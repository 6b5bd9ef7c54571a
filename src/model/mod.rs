//! The app's model: one state, the actions that change it, and a reducer per kind of action.
//! No Yew here (the app wires it in with `impl Reducible` in `app.rs`), so it is unit-tested
//! natively.
//!
//! - `action`: what can be done (`AppAction` → `ClockAction`, `WorldAction`, `TourAction`,
//!   `PageAction`) and the `Notice` shown to the person at the keyboard;
//! - `clock`, `world`, `guide`: the reducers of simulated time, free play's world, the tour;
//! - `tour`: the guided tour's place in the lesson and the world it shows;
//! - `marks`: what a tour step draws attention to, resolved for the drawing;
//! - `sim_ref`: the shared handle on a world that components take as a prop.
//!
//! Actions either change how the world is watched or are handed to the core as
//! `raftsim::Action`s; no Raft rule is decided here.

pub mod action;
pub mod chronicle;
mod clock;
mod guide;
pub mod marks;
pub mod runs;
pub mod sim_ref;
pub mod tour;
pub mod view;
mod world;

#[cfg(test)]
mod tests;

use crate::params::{self, StartParams};
use action::{AppAction, Notice, PageAction};
use raftsim::history::{self, History, Place};
use raftsim::scenario::{Scenario, ScenarioError};
use raftsim::{Config, NodeId, PacketId, Time};
use sim_ref::{HistoryRef, SimRef};
use std::collections::BTreeSet;
use std::rc::Rc;
use tour::{StepIndex, Tour};

/// What is selected: a server or a message in flight.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Node(NodeId),
    Packet(PacketId),
}

/// The whole state of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// Free play's run: where it started, what was done when, checkpoints to go back to.
    pub history: HistoryRef,
    /// Free play's world at the instant shown.
    pub sim: SimRef,
    /// How many of the run's actions that world has had done to it.
    pub applied: usize,
    /// What the timeline draws of the run so far.
    pub chronicle: Rc<chronicle::Chronicle>,
    pub seed: u64,
    pub nodes: usize,
    pub playing: bool,
    /// Index into `params::SPEEDS`.
    pub speed: usize,
    /// Index into `params::TICKS_US`.
    pub tick: usize,
    /// Fraction of a simulated microsecond not yet advanced (see `params::frame_advance`).
    pub carry_us: f64,
    pub selected: Option<Selection>,
    /// While drawing up a partition: the servers picked for the first group.
    pub draft: Option<BTreeSet<NodeId>>,
    pub notice: Option<Notice>,
    pub help: bool,
    pub show_traffic: bool,
    /// How far the timeline is zoomed: an index into `params::ZOOMS`.
    pub zoom: usize,
    pub client_text: String,
    pub client_target: NodeId,
    /// Why the last thing typed into the client box was refused.
    pub client_error: Option<String>,
    /// The guided tour, while it is on screen.
    pub tour: Option<Tour>,
    /// The tour step last shown, where the tour reopens.
    pub tour_resume: StepIndex,
    /// Theme, text size, blanking.
    pub view: view::View,
}

/// Trace events free play keeps (about 2 MB): enough for the event log and the lesson-style
/// look-backs, while a page left playing for hours does not grow without bound.
pub const TRACE_KEPT: usize = 20_000;

/// The run of `scenario`, its worlds keeping a bounded trace ([`TRACE_KEPT`]).
pub(crate) fn run_of(scenario: Scenario) -> Result<History, ScenarioError> {
    let (mut history, _) = History::new(scenario)?;
    history.keep_trace(Some(TRACE_KEPT));
    Ok(history)
}

/// A fresh run for `(seed, nodes)` and its world at time 0. Cluster sizes come from
/// `params::NODE_COUNTS`, which the default configuration accepts; anything else falls back to
/// the default size.
fn fresh_run(seed: u64, nodes: usize) -> (History, Place) {
    let config = Config {
        nodes,
        seed,
        ..Config::default()
    };
    let config = if config.validate().is_ok() {
        config
    } else {
        Config {
            seed,
            ..Config::default()
        }
    };
    let mut history =
        run_of(history::fresh(config)).expect("a valid configuration with fresh servers builds");
    let place = history
        .world_at(0)
        .expect("time 0 of a fresh run is a world");
    (history, place)
}

impl AppState {
    /// The starting state for what the page address asked for; `fresh_seed` is used when it
    /// named no seed.
    pub fn new(start: &StartParams, fresh_seed: u64) -> AppState {
        let seed = start.seed.unwrap_or(fresh_seed);
        let (history, place) = fresh_run(seed, start.nodes);
        let nodes = place.sim.nodes().len();
        let notice = if start.problems.is_empty() {
            None
        } else {
            Some(Notice::error(start.problems.join(" ")))
        };
        let mut state = AppState {
            history: HistoryRef::new(history),
            chronicle: Rc::new(chronicle::Chronicle::new(&place.sim)),
            sim: SimRef::new(place.sim),
            applied: place.applied,
            seed,
            nodes,
            playing: true,
            speed: params::DEFAULT_SPEED,
            tick: params::DEFAULT_TICK,
            carry_us: 0.0,
            selected: None,
            draft: None,
            notice,
            help: false,
            show_traffic: false,
            zoom: 0,
            client_text: String::new(),
            client_target: NodeId(1),
            client_error: None,
            tour: None,
            tour_resume: StepIndex(0),
            view: view::View::default(),
        };
        if let Some(run) = &start.run {
            state.open_link(run);
        }
        state
    }

    /// The world on screen: the tour's while it is open, else free play's.
    pub fn shown(&self) -> &SimRef {
        match &self.tour {
            Some(t) => t.sim(),
            None => &self.sim,
        }
    }

    pub fn tick_us(&self) -> Time {
        params::tick_at(self.tick)
    }

    pub fn speed(&self) -> params::Speed {
        params::speed_at(self.speed)
    }

    /// Whether free play's run is a fresh cluster with nothing done to it, which the page
    /// address's `seed` and `nodes` reproduce.
    pub fn is_plain(&self) -> bool {
        self.history.script().is_empty()
            && *self.history.start() == history::fresh(self.history.start().config.clone())
            && self.history.start().config
                == (Config {
                    seed: self.seed,
                    nodes: self.nodes,
                    ..Config::default()
                })
    }

    /// The selected server, if a server is selected.
    pub fn selected_node(&self) -> Option<NodeId> {
        match self.selected {
            Some(Selection::Node(id)) => Some(id),
            _ => None,
        }
    }

    /// Applies one action. Returns false when nothing changed (so nothing re-renders).
    pub fn update(&mut self, action: impl Into<AppAction>) -> bool {
        let action = action.into();
        if self.tour.is_some() && !action.works_in_tour() {
            return false;
        }
        match action {
            AppAction::Clock(a) => self.reduce_clock(a),
            AppAction::World(a) => {
                self.notice = None;
                self.reduce_world(a)
            }
            AppAction::Tour(a) => self.reduce_tour(a),
            AppAction::Page(a) => self.reduce_page(a),
        }
    }

    /// The next state for `action`, sharing `this` when nothing changed (no re-render). A paused
    /// page's animation frame costs nothing.
    pub fn next(this: Rc<AppState>, action: AppAction) -> Rc<AppState> {
        if matches!(action, AppAction::Clock(action::ClockAction::Frame(_))) && !this.playing {
            return this;
        }
        let mut next = (*this).clone();
        if next.update(action) {
            Rc::new(next)
        } else {
            this
        }
    }

    fn reduce_page(&mut self, action: PageAction) -> bool {
        // Anything a person does replaces the last message (the look of the page aside).
        if !matches!(
            action,
            PageAction::Notify(_)
                | PageAction::ToggleTheme
                | PageAction::TextSize(_)
                | PageAction::StepTextSize(_)
                | PageAction::Blank(_)
        ) {
            self.notice = None;
        }
        match action {
            PageAction::ToggleHelp => self.help = !self.help,
            PageAction::Escape => {
                if self.help {
                    self.help = false;
                } else if self.tour.is_some() {
                    self.close_tour();
                } else if self.draft.is_some() {
                    self.draft = None;
                } else {
                    self.selected = None;
                }
            }
            PageAction::ToggleTraffic => self.show_traffic = !self.show_traffic,
            PageAction::DismissNotice => {}
            PageAction::Notify(notice) => self.notice = Some(notice),
            PageAction::Zoom(i) => self.zoom = i.min(params::ZOOMS.len() - 1),
            PageAction::ZoomIn => self.zoom = (self.zoom + 1).min(params::ZOOMS.len() - 1),
            PageAction::ZoomOut => self.zoom = self.zoom.saturating_sub(1),
            PageAction::ToggleTheme => self.view.theme = self.view.theme.other(),
            PageAction::TextSize(i) => {
                self.view.text_size = i.min(view::TEXT_SIZES.len() - 1);
            }
            PageAction::StepTextSize(up) => self.view.step_text_size(up),
            PageAction::Blank(on) => self.view.blank = on,
        }
        true
    }
}

/// "S3 is crashed" from the core's lower-case "s3 is crashed"-style messages. The page's words
/// are English, so only an ASCII first letter is raised.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}
