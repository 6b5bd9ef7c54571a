//! The app's one state and the actions that change it (the reducer behind `use_reducer`).
//!
//! The state holds the simulated world and how it is being watched (playing or paused, speed,
//! tick, what is selected, a partition being drawn up). Actions either change how it is watched
//! or are handed to the core as `raftsim::Action`s; no Raft rule is decided here. Pure Rust, so
//! the reducer is unit-tested natively.

use crate::params::{self, StartParams};
use crate::tour::{self, StepStatus, Tour};
use raftsim::{Action as SimAction, Command, Config, NodeId, PacketId, Sim, Time};
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;
use yew::Reducible;

/// A shared, cheaply cloned handle on the simulated world, compared by identity: every change
/// makes a new one (copy on write), so "did the world change?" is one pointer comparison. This
/// is what components (the cluster view, the tour) take as a prop.
#[derive(Clone)]
pub struct SimRef(Rc<Sim>);

impl SimRef {
    pub fn new(sim: Sim) -> SimRef {
        SimRef(Rc::new(sim))
    }

    /// The world, to change; cloned first if anyone else still holds this version.
    fn make_mut(&mut self) -> &mut Sim {
        Rc::make_mut(&mut self.0)
    }

    /// The world itself; cloned if anyone else still holds this version.
    pub fn into_sim(self) -> Sim {
        Rc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl PartialEq for SimRef {
    fn eq(&self, other: &SimRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for SimRef {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        &self.0
    }
}

impl fmt::Debug for SimRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SimRef(t={} µs)", self.0.now())
    }
}

/// What is selected: a server or a message in flight.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Node(NodeId),
    Packet(PacketId),
}

/// A message for the person at the keyboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

impl Notice {
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            error: true,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            error: false,
            text: text.into(),
        }
    }
}

/// Something done to one server.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NodeOp {
    Crash,
    Restart,
    /// Crash a live server, restart a crashed one.
    ToggleCrash,
    /// Fire its election timer now.
    Timeout,
}

/// Everything a person (or a test) can do to the page.
#[derive(Clone, Debug, PartialEq)]
pub enum AppAction {
    TogglePlay,
    Pause,
    /// An animation frame: this much wall-clock time (ms) passed since the previous one.
    Frame(f64),
    /// Advance exactly one tick, paused.
    StepTick,
    /// Advance to the next scheduled event and process it, paused.
    StepEvent,
    SetSpeed(usize),
    Faster,
    Slower,
    SetTick(usize),
    LongerTick,
    ShorterTick,
    /// Start over. `seed: None` keeps the current seed, `nodes: None` the cluster size.
    Reset {
        seed: Option<u64>,
        nodes: Option<usize>,
    },
    /// A server was clicked (or its number key pressed): select it, or while drawing up a
    /// partition, put it in or out of the first group.
    ClickNode(NodeId),
    /// A message in flight was clicked: select it and pause, so it can be read and dropped.
    SelectPacket(PacketId),
    /// Select the next message in flight after the selected one (by id), and pause.
    SelectNextPacket,
    ClearSelection,
    /// Do something to a server; `None` means the selected one.
    Node(NodeOp, Option<NodeId>),
    SetClientText(String),
    SetClientTarget(NodeId),
    /// The client sends what is typed to its target server.
    SendWrite,
    /// Drop a message in flight; `None` means the selected one.
    DropPacket(Option<PacketId>),
    /// Cut the link between two servers (both ways), or restore it if it is cut.
    ToggleLink(NodeId, NodeId),
    /// Start drawing up a partition, or apply the one drawn up.
    TogglePartitionMode,
    ApplyPartition,
    CancelPartition,
    Heal,
    ToggleHelp,
    /// Close what is open: the help, a partition being drawn up, the selection.
    Escape,
    /// Show or hide message traffic (sent / delivered) in the event log.
    ToggleTraffic,
    DismissNotice,
    Notify(Notice),
    /// Open the guided tour at a step (flat number), or where it was last left.
    TourOpen(Option<usize>),
    /// Show a step of the tour (flat number) from its beginning.
    TourGo(usize),
    /// Continue: the next step (at the last one, free play takes over).
    TourNext,
    /// The step before, from its beginning.
    TourBack,
    /// The current step again, from its beginning.
    TourReplay,
    /// The first step of a chapter (0-based).
    TourChapter(usize),
    /// The step a page-address fragment names (`#election/votes`); an empty one leaves the tour.
    TourLocate(String),
    /// Leave the tour; free play is as it was left.
    TourClose,
    /// Turn the step on screen into free play, with every control, paused at that moment.
    TourTakeOver,
}

impl AppAction {
    /// Whether this is one of the tour's own actions.
    fn is_tour(&self) -> bool {
        use AppAction as A;
        matches!(
            self,
            A::TourOpen(_)
                | A::TourGo(_)
                | A::TourNext
                | A::TourBack
                | A::TourReplay
                | A::TourChapter(_)
                | A::TourLocate(_)
                | A::TourClose
                | A::TourTakeOver
        )
    }

    /// Whether this action is allowed while the tour is on screen (the others act on free
    /// play's world, which is hidden then).
    fn works_in_tour(&self) -> bool {
        use AppAction as A;
        self.is_tour()
            || matches!(
                self,
                A::TogglePlay
                    | A::Pause
                    | A::Frame(_)
                    | A::SetSpeed(_)
                    | A::Faster
                    | A::Slower
                    | A::ToggleHelp
                    | A::Escape
                    | A::ToggleTraffic
                    | A::DismissNotice
                    | A::Notify(_)
            )
    }
}

/// The whole state of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub sim: SimRef,
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
    pub client_text: String,
    pub client_target: NodeId,
    /// Why the last thing typed into the client box was refused.
    pub client_error: Option<String>,
    /// The guided tour, while it is on screen.
    pub tour: Option<Tour>,
    /// The tour step last shown, where the tour reopens.
    pub tour_resume: usize,
}

/// Trace events free play keeps (about 2.5 MB): enough for the event log and the lesson-style
/// look-backs, while a page left playing for hours does not grow without bound.
pub const TRACE_KEPT: usize = 20_000;

/// A fresh world for `(seed, nodes)`. Cluster sizes come from `params::NODE_COUNTS`, which the
/// default configuration accepts; anything else falls back to the default size.
fn build_sim(seed: u64, nodes: usize) -> (Sim, usize) {
    let config = Config {
        nodes,
        seed,
        ..Config::default()
    };
    match Sim::new(config) {
        Ok(sim) => (sim, nodes),
        Err(_) => {
            let config = Config {
                seed,
                ..Config::default()
            };
            let nodes = config.nodes;
            let sim = Sim::new(config).expect("the default configuration is valid");
            (sim, nodes)
        }
    }
}

impl AppState {
    /// The starting state for what the page address asked for; `fresh_seed` is used when it
    /// named no seed.
    pub fn new(start: &StartParams, fresh_seed: u64) -> AppState {
        let seed = start.seed.unwrap_or(fresh_seed);
        let (mut sim, nodes) = build_sim(seed, start.nodes);
        sim.keep_trace(Some(TRACE_KEPT));
        let notice = if start.problems.is_empty() {
            None
        } else {
            Some(Notice::error(start.problems.join(" ")))
        };
        AppState {
            sim: SimRef::new(sim),
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
            client_text: String::new(),
            client_target: NodeId(1),
            client_error: None,
            tour: None,
            tour_resume: 0,
        }
    }

    /// Makes `sim` free play's world (its seed and size with it), with a bounded trace, and
    /// forgets what referred to the old one.
    fn install(&mut self, mut sim: Sim) {
        sim.keep_trace(Some(TRACE_KEPT));
        self.seed = sim.config().seed;
        self.nodes = sim.nodes().len();
        self.sim = SimRef::new(sim);
        self.carry_us = 0.0;
        self.selected = None;
        self.draft = None;
        self.client_error = None;
        if !self.in_cluster(self.client_target) {
            self.client_target = NodeId(1);
        }
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

    /// The selected server, if a server is selected.
    pub fn selected_node(&self) -> Option<NodeId> {
        match self.selected {
            Some(Selection::Node(id)) => Some(id),
            _ => None,
        }
    }

    /// Changes the world. If this breaks a safety property, the page pauses and says so.
    fn with_sim<R>(&mut self, f: impl FnOnce(&mut Sim) -> R) -> R {
        let before = self.sim.violations().len();
        let out = f(self.sim.make_mut());
        let violations = self.sim.violations();
        if violations.len() > before {
            self.playing = false;
            let first = &violations[before];
            self.notice = Some(Notice::error(format!(
                "A safety property broke, so the simulation paused: {first}"
            )));
        }
        out
    }

    /// Hands an action to the core; a refusal becomes a notice.
    fn act(&mut self, action: SimAction) {
        if let Err(e) = self.with_sim(|sim| sim.apply(action)) {
            self.notice = Some(Notice::error(capitalise(&e.to_string())));
        }
    }

    /// The server an action names, or the selected one; with neither, a notice.
    fn target(&mut self, node: Option<NodeId>) -> Option<NodeId> {
        let id = node.or(self.selected_node());
        if id.is_none() {
            self.notice = Some(Notice::info(
                "Select a server first: click it, or press its number (1–9).",
            ));
        }
        id
    }

    fn in_cluster(&self, id: NodeId) -> bool {
        self.sim.node(id).is_some()
    }

    /// Applies one action. Returns false when nothing changed (so nothing re-renders).
    pub fn update(&mut self, action: AppAction) -> bool {
        if let AppAction::Frame(elapsed_ms) = action {
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
            return true;
        }
        if self.tour.is_some() && !action.works_in_tour() {
            return false;
        }
        if let Some(changed) = self.update_tour(&action) {
            return changed;
        }
        // Anything a person does replaces the last message.
        if !matches!(action, AppAction::Notify(_)) {
            self.notice = None;
        }
        match action {
            AppAction::Frame(_) => {}
            AppAction::TogglePlay => {
                let can_play = self
                    .tour
                    .as_ref()
                    .is_none_or(|t| t.status() == StepStatus::Playing);
                self.playing = !self.playing && can_play;
                self.carry_us = 0.0;
            }
            AppAction::Pause => self.playing = false,
            AppAction::StepTick => {
                self.playing = false;
                let dt = self.tick_us();
                self.with_sim(|sim| sim.advance_by(dt));
            }
            AppAction::StepEvent => {
                self.playing = false;
                if self.with_sim(|sim| sim.step_next_event()).is_none() {
                    self.notice = Some(Notice::info(
                        "Nothing is scheduled: every server is crashed and no message is in flight.",
                    ));
                }
            }
            AppAction::SetSpeed(i) => self.speed = i.min(params::SPEEDS.len() - 1),
            AppAction::Faster => self.speed = (self.speed + 1).min(params::SPEEDS.len() - 1),
            AppAction::Slower => self.speed = self.speed.saturating_sub(1),
            AppAction::SetTick(i) => self.tick = i.min(params::TICKS_US.len() - 1),
            AppAction::LongerTick => self.tick = (self.tick + 1).min(params::TICKS_US.len() - 1),
            AppAction::ShorterTick => self.tick = self.tick.saturating_sub(1),
            AppAction::Reset { seed, nodes } => {
                let seed = seed.unwrap_or(self.seed);
                let wanted = nodes.unwrap_or(self.nodes);
                let (sim, nodes) = build_sim(seed, wanted);
                if nodes != wanted {
                    self.notice = Some(Notice::error(format!(
                        "{wanted} servers is not a size this page offers; showing {nodes}."
                    )));
                }
                self.install(sim);
            }
            AppAction::ClickNode(id) => {
                if !self.in_cluster(id) {
                    self.notice = Some(Notice::info(format!(
                        "There is no {id}: this cluster has S1 to S{}.",
                        self.nodes
                    )));
                } else if let Some(draft) = &mut self.draft {
                    if !draft.remove(&id) {
                        draft.insert(id);
                    }
                } else if self.selected == Some(Selection::Node(id)) {
                    self.selected = None;
                } else {
                    self.selected = Some(Selection::Node(id));
                    self.client_target = id;
                }
            }
            AppAction::SelectPacket(id) => {
                if self.sim.packet(id).is_some() {
                    self.selected = Some(Selection::Packet(id));
                    self.playing = false;
                }
            }
            AppAction::SelectNextPacket => {
                let after = match self.selected {
                    Some(Selection::Packet(id)) => id,
                    _ => 0,
                };
                let mut ids: Vec<PacketId> = self.sim.in_flight().map(|p| p.id).collect();
                ids.sort_unstable();
                let next = ids.iter().find(|&&id| id > after).or(ids.first()).copied();
                match next {
                    Some(id) => {
                        self.selected = Some(Selection::Packet(id));
                        self.playing = false;
                    }
                    None => self.notice = Some(Notice::info("No message is in flight right now.")),
                }
            }
            AppAction::ClearSelection => self.selected = None,
            AppAction::Node(op, node) => {
                let Some(id) = self.target(node) else {
                    return true;
                };
                let action = match op {
                    NodeOp::Crash => SimAction::Crash { node: id },
                    NodeOp::Restart => SimAction::Restart { node: id },
                    NodeOp::Timeout => SimAction::Timeout { node: id },
                    NodeOp::ToggleCrash => match self.sim.node(id) {
                        Some(n) if n.crashed => SimAction::Restart { node: id },
                        _ => SimAction::Crash { node: id },
                    },
                };
                self.act(action);
            }
            AppAction::SetClientText(text) => {
                self.client_text = text;
                self.client_error = None;
            }
            AppAction::SetClientTarget(id) => {
                if self.in_cluster(id) {
                    self.client_target = id;
                }
            }
            AppAction::SendWrite => match Command::parse(&self.client_text) {
                Err(e) => self.client_error = Some(capitalise(&e.to_string())),
                Ok(command) => {
                    let to = self.client_target;
                    match self.with_sim(|sim| sim.submit_write(to, command)) {
                        Ok(_) => {
                            self.client_error = None;
                            self.client_text.clear();
                        }
                        Err(e) => {
                            self.client_error = Some(format!(
                                "{}: pick another server to send to.",
                                capitalise(&e.to_string())
                            ))
                        }
                    }
                }
            },
            AppAction::DropPacket(packet) => {
                let id = packet.or(match self.selected {
                    Some(Selection::Packet(id)) => Some(id),
                    _ => None,
                });
                match id {
                    Some(id) => self.act(SimAction::Drop { packet: id }),
                    None => {
                        self.notice = Some(Notice::info(
                            "Select a message in flight first: click it in the drawing.",
                        ))
                    }
                }
            }
            AppAction::ToggleLink(a, b) => {
                let net = self.sim.network();
                let cut = net.cut_links().any(|l| l == (a, b) || l == (b, a));
                self.act(if cut {
                    SimAction::Restore {
                        from: a,
                        to: b,
                        both: true,
                    }
                } else {
                    SimAction::Cut {
                        from: a,
                        to: b,
                        both: true,
                    }
                });
            }
            AppAction::TogglePartitionMode => {
                if self.draft.is_some() {
                    return self.update(AppAction::ApplyPartition);
                }
                self.draft = Some(BTreeSet::new());
                self.notice = Some(Notice::info(
                    "Pick the servers of one side (click them or press 1–9), then Split. The rest form the other side.",
                ));
            }
            AppAction::ApplyPartition => {
                let Some(draft) = self.draft.take() else {
                    return true;
                };
                if draft.is_empty() || draft.len() >= self.nodes {
                    self.draft = Some(draft);
                    self.notice = Some(Notice::error(
                        "Pick at least one server, but not all of them, for one side of the partition.",
                    ));
                } else {
                    self.act(SimAction::Partition {
                        groups: vec![draft.into_iter().collect()],
                    });
                }
            }
            AppAction::CancelPartition => self.draft = None,
            AppAction::Heal => self.act(SimAction::Heal),
            AppAction::ToggleHelp => self.help = !self.help,
            AppAction::Escape => {
                if self.help {
                    self.help = false;
                } else if self.tour.is_some() {
                    return self.update(AppAction::TourClose);
                } else if self.draft.is_some() {
                    self.draft = None;
                } else {
                    self.selected = None;
                }
            }
            AppAction::ToggleTraffic => self.show_traffic = !self.show_traffic,
            AppAction::DismissNotice => {}
            AppAction::Notify(notice) => self.notice = Some(notice),
            // Handled by `update_tour`.
            AppAction::TourOpen(_)
            | AppAction::TourGo(_)
            | AppAction::TourNext
            | AppAction::TourBack
            | AppAction::TourReplay
            | AppAction::TourChapter(_)
            | AppAction::TourLocate(_)
            | AppAction::TourClose
            | AppAction::TourTakeOver => {}
        }
        true
    }

    /// The tour's actions; None for any other action. A step shown anew starts playing.
    fn update_tour(&mut self, action: &AppAction) -> Option<bool> {
        let shown_step = |s: &mut AppState| {
            if let Some(t) = &s.tour {
                s.tour_resume = t.flat();
                s.playing = t.status() == StepStatus::Playing;
                s.carry_us = 0.0;
            }
        };
        if !action.is_tour() {
            return None;
        }
        if let AppAction::TourLocate(fragment) = action {
            let fragment = fragment.trim_start_matches('#');
            if fragment.is_empty() {
                // An address without a step (the browser went back past the tour) leaves it.
                return Some(self.tour.is_some() && self.update(AppAction::TourClose));
            }
            // `#election` while its first step is on screen: nothing to do.
            if let Some(t) = &self.tour {
                if t.locate(fragment) == Some(t.flat()) {
                    return Some(false);
                }
            }
        }
        // Anything a person does replaces the last message.
        self.notice = None;
        match action {
            AppAction::TourOpen(at) => {
                let flat = at.unwrap_or(self.tour_resume);
                match &mut self.tour {
                    Some(t) => t.go(flat),
                    None => match Tour::builtin(flat) {
                        Ok(t) => self.tour = Some(t),
                        Err(e) => {
                            self.notice = Some(Notice::error(e));
                            return Some(true);
                        }
                    },
                }
                self.help = false;
                self.draft = None;
                shown_step(self);
            }
            AppAction::TourLocate(fragment) => {
                let fragment = fragment.trim_start_matches('#');
                let unknown = |lesson: &raftsim::lesson::Lesson| {
                    Notice::error(format!(
                        "The address names “#{}”, which is not a step of the tour. Its chapters are {}.",
                        params::shorten(fragment),
                        tour::chapter_ids(lesson).join(", ")
                    ))
                };
                match &mut self.tour {
                    Some(t) => match t.locate(fragment) {
                        Some(flat) => t.go(flat),
                        None => {
                            self.notice = Some(unknown(t.lesson()));
                            return Some(true);
                        }
                    },
                    None => {
                        let opened = tour::builtin_lesson().and_then(|lesson| {
                            match lesson.locate(fragment) {
                                Some(flat) => Tour::new(lesson, flat).map(Some),
                                None => {
                                    self.notice = Some(unknown(&lesson));
                                    Ok(None)
                                }
                            }
                        });
                        match opened {
                            Ok(Some(t)) => self.tour = Some(t),
                            Ok(None) => return Some(true),
                            Err(e) => {
                                self.notice = Some(Notice::error(e));
                                return Some(true);
                            }
                        }
                    }
                }
                self.help = false;
                self.draft = None;
                shown_step(self);
            }
            AppAction::TourClose => {
                if self.tour.take().is_none() {
                    return Some(false);
                }
                self.playing = false;
                self.carry_us = 0.0;
            }
            AppAction::TourTakeOver => {
                let Some(t) = self.tour.take() else {
                    return Some(false);
                };
                let title = t.step().map(|s| s.title.clone()).unwrap_or_default();
                self.install(t.into_world());
                self.playing = false;
                self.notice = Some(Notice::info(format!(
                    "Free play: the cluster of “{title}” is yours, paused where the tour left it. Space plays on; click a server to crash it or time it out, type a write, partition the network. G goes back to the tour."
                )));
            }
            AppAction::TourGo(_)
            | AppAction::TourNext
            | AppAction::TourBack
            | AppAction::TourReplay
            | AppAction::TourChapter(_) => {
                let Some(t) = &mut self.tour else {
                    return Some(false);
                };
                let moved = match action {
                    AppAction::TourGo(flat) => {
                        t.go(*flat);
                        true
                    }
                    AppAction::TourNext if t.is_last() => {
                        self.update(AppAction::TourTakeOver);
                        self.playing = true;
                        self.notice = Some(Notice::info(
                            "Free play: this cluster is yours. Click a server to crash it or time it out, type a write, partition the network. G goes back to the tour.",
                        ));
                        return Some(true);
                    }
                    AppAction::TourNext => t.forward(),
                    AppAction::TourBack => t.back(),
                    AppAction::TourChapter(c) => t.chapter(*c),
                    _ => {
                        t.go(t.flat());
                        true
                    }
                };
                if !moved {
                    self.notice = Some(Notice::info(match action {
                        AppAction::TourBack => "This is the first step of the tour.".to_string(),
                        AppAction::TourChapter(c) => format!(
                            "The tour has {} chapters; there is no chapter {}.",
                            t.lesson().chapters.len(),
                            c + 1
                        ),
                        _ => "This is the last step of the tour.".to_string(),
                    }));
                }
                shown_step(self);
            }
            _ => return None,
        }
        Some(true)
    }
}

/// "S3 is crashed" from the core's lower-case "s3 is crashed"-style messages.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        if matches!(action, AppAction::Frame(_)) && !self.playing {
            return self;
        }
        let mut next = (*self).clone();
        if next.update(action) {
            Rc::new(next)
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(seed: u64, nodes: usize) -> AppState {
        let start = StartParams {
            seed: Some(seed),
            nodes,
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
            s.update(AppAction::StepTick);
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
        s.update(AppAction::StepTick);
        assert!(!s.playing);
        assert_eq!(s.sim.now(), s.tick_us());
        s.update(AppAction::SetTick(1));
        s.update(AppAction::StepTick);
        assert_eq!(s.sim.now(), params::TICKS_US[params::DEFAULT_TICK] + 1000);
    }

    #[test]
    fn free_play_keeps_a_bounded_trace() {
        let mut s = state(3, 5);
        s.update(AppAction::SetTick(params::TICKS_US.len() - 1));
        for _ in 0..1000 {
            s.update(AppAction::StepTick);
        }
        assert!(s.sim.trace().len() > TRACE_KEPT, "{}", s.sim.trace().len());
        assert!(s.sim.trace().iter().count() < TRACE_KEPT + 512);
        assert!(s.sim.leader().is_some());
    }

    #[test]
    fn frames_advance_only_while_playing() {
        let mut s = state(1, 5);
        assert!(s.update(AppAction::Frame(20.0)));
        assert_eq!(s.sim.now(), 1000, "20 ms at 1/20 speed");
        s.update(AppAction::TogglePlay);
        assert!(!s.update(AppAction::Frame(20.0)));
        assert_eq!(s.sim.now(), 1000);
    }

    #[test]
    fn a_frame_while_paused_keeps_the_same_state() {
        let mut s = state(1, 5);
        s.update(AppAction::Pause);
        let rc = Rc::new(s);
        let after = rc.clone().reduce(AppAction::Frame(16.0));
        assert!(Rc::ptr_eq(&rc, &after), "no re-render while paused");
    }

    #[test]
    fn step_event_moves_the_clock_to_the_next_event() {
        let mut s = state(3, 5);
        let next = s.sim.next_event_at().expect("timers are running");
        s.update(AppAction::StepEvent);
        assert_eq!(s.sim.now(), next);
        assert!(!s.playing);
    }

    #[test]
    fn crash_the_leader_and_another_is_elected_in_a_higher_term() {
        let mut s = state(5, 5);
        let old = elect(&mut s);
        let old_term = s.sim.node(old).map(|n| n.current_term).unwrap_or(0);
        s.update(AppAction::ClickNode(old));
        s.update(AppAction::Node(NodeOp::Crash, None));
        assert!(s.sim.node(old).is_some_and(|n| n.crashed));
        let new = elect(&mut s);
        assert_ne!(new, old);
        assert!(s.sim.node(new).is_some_and(|n| n.current_term > old_term));
    }

    #[test]
    fn node_actions_without_a_selection_ask_for_one() {
        let mut s = state(1, 5);
        s.update(AppAction::Node(NodeOp::Crash, None));
        assert!(s
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("Select a server")));
        assert!(s.sim.nodes().iter().all(|n| !n.crashed));
    }

    #[test]
    fn refusals_from_the_core_become_notices() {
        let mut s = state(1, 5);
        s.update(AppAction::Node(NodeOp::Restart, Some(NodeId(2))));
        let notice = s.notice.clone().expect("a notice");
        assert!(notice.error);
        assert!(notice.text.contains("S2"), "{}", notice.text);
    }

    #[test]
    fn bad_client_commands_are_explained_inline() {
        let mut s = state(1, 5);
        s.update(AppAction::SetClientText("DEL x".into()));
        s.update(AppAction::SendWrite);
        assert!(s.client_error.as_ref().is_some_and(|e| e.contains("DEL")));
        assert!(s.sim.clients().is_empty());
        s.update(AppAction::SetClientText("SET x 5".into()));
        assert!(s.client_error.is_none());
        s.update(AppAction::SendWrite);
        assert_eq!(s.sim.clients().len(), 1);
        assert!(s.client_text.is_empty());
    }

    #[test]
    fn partition_needs_a_proper_subset_and_heals() {
        let mut s = state(1, 5);
        s.update(AppAction::TogglePartitionMode);
        s.update(AppAction::ApplyPartition);
        assert!(s.draft.is_some(), "an empty side is refused");
        assert!(s.notice.as_ref().is_some_and(|n| n.error));
        s.update(AppAction::ClickNode(NodeId(1)));
        s.update(AppAction::ClickNode(NodeId(2)));
        s.update(AppAction::ClickNode(NodeId(2)));
        s.update(AppAction::ClickNode(NodeId(4)));
        assert_eq!(
            s.selected, None,
            "clicks pick, not select, while partitioning"
        );
        s.update(AppAction::TogglePartitionMode);
        assert!(s.draft.is_none());
        let groups = s.sim.network().partition_groups().map(|g| g.to_vec());
        assert_eq!(
            groups,
            Some(vec![
                vec![NodeId(1), NodeId(4)],
                vec![NodeId(2), NodeId(3), NodeId(5)]
            ])
        );
        s.update(AppAction::Heal);
        assert!(s.sim.network().is_healthy());
    }

    #[test]
    fn links_toggle_between_cut_and_restored() {
        let mut s = state(1, 5);
        s.update(AppAction::ToggleLink(NodeId(1), NodeId(3)));
        assert!(!s.sim.network().link_up(NodeId(3), NodeId(1)));
        s.update(AppAction::ToggleLink(NodeId(3), NodeId(1)));
        assert!(s.sim.network().is_healthy());
    }

    #[test]
    fn selecting_a_message_pauses_and_it_can_be_dropped() {
        let mut s = state(2, 5);
        let leader = elect(&mut s);
        s.update(AppAction::TogglePlay);
        while s.sim.in_flight().next().is_none() {
            s.update(AppAction::Frame(20.0));
        }
        let id = s.sim.in_flight().next().map(|p| p.id).expect("a packet");
        s.update(AppAction::TogglePlay);
        s.update(AppAction::SelectPacket(id));
        assert!(!s.playing);
        s.update(AppAction::DropPacket(None));
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
        s.update(AppAction::SelectNextPacket);
        assert_eq!(s.selected, Some(Selection::Packet(ids[0])));
        s.update(AppAction::SelectNextPacket);
        assert_eq!(s.selected, Some(Selection::Packet(ids[1])));
        assert!(!s.playing);
    }

    #[test]
    fn reset_keeps_or_changes_the_seed_and_size() {
        let mut s = state(7, 5);
        s.update(AppAction::StepTick);
        s.update(AppAction::ClickNode(NodeId(5)));
        s.update(AppAction::Reset {
            seed: None,
            nodes: Some(3),
        });
        assert_eq!((s.seed, s.sim.nodes().len(), s.sim.now()), (7, 3, 0));
        assert_eq!(s.selected, None);
        assert_eq!(s.client_target, NodeId(1), "S5 is gone");
        s.update(AppAction::Reset {
            seed: Some(8),
            nodes: Some(4),
        });
        assert_eq!(s.seed, 8);
        assert_eq!(s.sim.nodes().len(), 4, "the core accepts 4");
    }

    #[test]
    fn same_seed_and_actions_give_the_same_world() {
        let run = || {
            let mut s = state(11, 5);
            for _ in 0..40 {
                s.update(AppAction::StepTick);
            }
            s.update(AppAction::SetClientText("ADD x 2".into()));
            s.update(AppAction::SendWrite);
            for _ in 0..40 {
                s.update(AppAction::StepTick);
            }
            s.sim.trace_hash()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn speed_and_tick_stay_in_range() {
        let mut s = state(1, 5);
        for _ in 0..20 {
            s.update(AppAction::Faster);
            s.update(AppAction::LongerTick);
        }
        assert_eq!(s.speed, params::SPEEDS.len() - 1);
        assert_eq!(s.tick, params::TICKS_US.len() - 1);
        for _ in 0..20 {
            s.update(AppAction::Slower);
            s.update(AppAction::ShorterTick);
        }
        assert_eq!((s.speed, s.tick), (0, 0));
        s.update(AppAction::SetSpeed(999));
        assert_eq!(s.speed, params::SPEEDS.len() - 1);
    }

    #[test]
    fn escape_closes_one_thing_at_a_time() {
        let mut s = state(1, 5);
        s.update(AppAction::ClickNode(NodeId(2)));
        s.update(AppAction::TogglePartitionMode);
        s.update(AppAction::ToggleHelp);
        s.update(AppAction::Escape);
        assert!(!s.help && s.draft.is_some());
        s.update(AppAction::Escape);
        assert!(s.draft.is_none() && s.selected.is_some());
        s.update(AppAction::Escape);
        assert!(s.selected.is_none());
    }

    #[test]
    fn unknown_servers_are_refused_politely() {
        let mut s = state(1, 3);
        s.update(AppAction::ClickNode(NodeId(7)));
        assert!(s.notice.is_some());
        assert_eq!(s.selected, None);
        s.update(AppAction::Node(NodeOp::Crash, Some(NodeId(9))));
        assert!(s.notice.as_ref().is_some_and(|n| n.error));
    }

    /// Plays the tour's current step to its end with 20 ms frames.
    fn play_step(s: &mut AppState) {
        for _ in 0..10_000 {
            if !s.playing {
                return;
            }
            s.update(AppAction::Frame(20.0));
        }
        panic!("the step never ended");
    }

    fn fragment(s: &AppState) -> String {
        s.tour.as_ref().map(|t| t.fragment()).unwrap_or_default()
    }

    #[test]
    fn the_tour_opens_plays_a_step_and_stops_at_its_end() {
        let mut s = state(1, 5);
        s.update(AppAction::Pause);
        let free_world = s.sim.clone();
        s.update(AppAction::TourOpen(None));
        assert_eq!(fragment(&s), "consensus/one-server");
        assert!(s.playing, "a step plays when it is shown");
        assert_eq!(s.shown().nodes().len(), 1);
        play_step(&mut s);
        assert!(
            !s.playing,
            "the step stops at its end: no frames while waiting"
        );
        assert_eq!(s.tour.as_ref().map(|t| t.status()), Some(StepStatus::Done));
        assert!(s.shown().leader().is_some());
        assert!(s.sim == free_world, "free play's world is left alone");
    }

    #[test]
    fn continue_back_and_chapters_move_through_the_tour() {
        let mut s = state(1, 5);
        s.update(AppAction::TourOpen(Some(0)));
        s.update(AppAction::TourNext);
        assert_eq!(fragment(&s), "consensus/client-sets-value");
        s.update(AppAction::TourBack);
        assert_eq!(fragment(&s), "consensus/one-server");
        s.update(AppAction::TourBack);
        assert_eq!(fragment(&s), "consensus/one-server");
        assert!(s
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("first step")));
        s.update(AppAction::TourChapter(2));
        assert_eq!(fragment(&s), "election/election-timeout");
        assert!(s.notice.is_none(), "moving on clears the last message");
        s.update(AppAction::TourChapter(9));
        assert_eq!(fragment(&s), "election/election-timeout");
        assert!(s
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("no chapter 10")));
        s.update(AppAction::TourReplay);
        assert_eq!(fragment(&s), "election/election-timeout");
        // Free-play actions do nothing while the tour is on screen.
        let before = s.clone();
        assert!(!s.update(AppAction::Node(NodeOp::Crash, Some(NodeId(1)))));
        assert!(!s.update(AppAction::StepTick));
        assert_eq!(s, before);
    }

    #[test]
    fn pausing_a_step_part_way_and_resuming_it() {
        let mut s = state(1, 5);
        s.update(AppAction::TourLocate("#overview/candidate".into()));
        assert!(s.playing);
        s.update(AppAction::Frame(20.0));
        s.update(AppAction::TogglePlay);
        assert!(!s.playing);
        let at = s.shown().now();
        s.update(AppAction::Frame(20.0));
        assert_eq!(s.shown().now(), at, "paused");
        s.update(AppAction::TogglePlay);
        play_step(&mut s);
        s.update(AppAction::TogglePlay);
        assert!(!s.playing, "a finished step does not play on");
    }

    #[test]
    fn page_addresses_open_steps_and_bad_ones_are_explained() {
        let mut s = state(1, 5);
        assert!(!s.update(AppAction::TourLocate(String::new())));
        assert!(s.tour.is_none());
        s.update(AppAction::TourLocate("#election/split-vote".into()));
        assert_eq!(fragment(&s), "election/split-vote");
        s.update(AppAction::TourLocate("#replication".into()));
        assert_eq!(fragment(&s), "replication/leader");
        assert!(
            !s.update(AppAction::TourLocate("#replication".into())),
            "the step on screen is not restarted"
        );
        s.update(AppAction::TourLocate("#no-such-chapter/x".into()));
        assert_eq!(
            fragment(&s),
            "replication/leader",
            "the tour stays where it was"
        );
        let notice = s.notice.clone().expect("a notice");
        assert!(notice.error && notice.text.contains("#no-such-chapter/x"));
        assert!(notice.text.contains("#election"), "{}", notice.text);
        s.update(AppAction::TourLocate(String::new()));
        assert!(
            s.tour.is_none(),
            "an address without a step leaves the tour"
        );
        let mut fresh = state(1, 5);
        fresh.update(AppAction::TourLocate("#election/nope".into()));
        assert!(fresh.tour.is_none(), "a bad address leaves free play on");
        assert!(fresh.notice.is_some());
    }

    #[test]
    fn taking_over_turns_the_step_into_free_play() {
        let mut s = state(1, 5);
        s.update(AppAction::TourLocate("#replication/partition".into()));
        play_step(&mut s);
        let world = s.shown().trace_hash();
        let now = s.shown().now();
        s.update(AppAction::TourTakeOver);
        assert!(s.tour.is_none());
        assert!(!s.playing, "free play starts paused at that moment");
        assert_eq!((s.sim.trace_hash(), s.sim.now()), (world, now));
        assert!(s.sim.network().partition_groups().is_some());
        assert_eq!(s.seed, s.sim.config().seed);
        // Every control works on it.
        s.update(AppAction::Heal);
        assert!(s.sim.network().is_healthy());
        // The tour reopens where it was left.
        s.update(AppAction::TourOpen(None));
        assert_eq!(fragment(&s), "replication/partition");
    }

    #[test]
    fn continue_on_the_last_step_starts_free_play_and_escape_leaves() {
        let mut s = state(1, 5);
        let last = Tour::builtin(usize::MAX).map(|t| t.flat()).expect("lesson");
        s.update(AppAction::TourOpen(Some(last)));
        s.update(AppAction::TourNext);
        assert!(s.tour.is_none());
        assert!(s.playing);
        assert!(s
            .notice
            .as_ref()
            .is_some_and(|n| !n.error && !n.text.contains("paused")));
        s.update(AppAction::TourOpen(Some(3)));
        s.update(AppAction::ToggleHelp);
        s.update(AppAction::Escape);
        assert!(s.tour.is_some() && !s.help, "Esc closes the help first");
        s.update(AppAction::Escape);
        assert!(s.tour.is_none());
        assert!(!s.playing, "free play is left paused");
    }
}
