//! Everything a person (or a test) can do to the page, grouped by what it acts on; each group
//! has its own reducer (`clock`, `world`, `guide`, and the page's own in `mod.rs`).

use super::tour::StepIndex;
use raftsim::{NodeId, PacketId};

/// One thing done to the page.
#[derive(Clone, Debug, PartialEq)]
pub enum AppAction {
    /// Simulated time: playing, stepping, speed and tick.
    Clock(ClockAction),
    /// Free play's world and how it is being worked on.
    World(WorldAction),
    /// The guided tour.
    Tour(TourAction),
    /// The page around them: help, notices, what the event log shows, Escape.
    Page(PageAction),
}

/// Simulated time.
#[derive(Clone, Debug, PartialEq)]
pub enum ClockAction {
    TogglePlay,
    Pause,
    /// An animation frame: this much wall-clock time (ms) passed since the previous one.
    Frame(f64),
    /// Advance exactly one tick, paused.
    StepTick,
    /// Advance to the next scheduled event and process it, paused.
    StepEvent,
    /// Go back exactly one tick, paused (free play).
    StepBack,
    /// Go back to the instant of the latest event before the one shown, paused (free play).
    StepBackEvent,
    /// Show the run's first instant, paused (free play).
    ToStart,
    /// Show the latest instant the run has reached, paused (free play).
    ToEnd,
    /// Show this instant of the run (µs), paused (free play); clamped to what the run reached.
    Seek(raftsim::Time),
    SetSpeed(usize),
    Faster,
    Slower,
    SetTick(usize),
    LongerTick,
    ShorterTick,
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

/// Free play's world: what is done to it, and what is selected or drawn up on it.
#[derive(Clone, Debug, PartialEq)]
pub enum WorldAction {
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
    /// The client sends pending write #N again, with the same sequence number, to its target
    /// server (§8).
    RetryWrite(raftsim::ClientWriteId),
    /// Drop a message in flight; `None` means the selected one.
    DropPacket(Option<PacketId>),
    /// Cut the link between two servers (both ways), or restore it if it is cut.
    ToggleLink(NodeId, NodeId),
    /// Start drawing up a partition, or apply the one drawn up.
    TogglePartitionMode,
    ApplyPartition,
    CancelPartition,
    Heal,
    /// Take back the last thing done to the world: the run goes back to how it was before it
    /// (a future cut by acting in the past comes back), shown at the instant it was done.
    Undo,
    /// Open the text of a scenario file (`name` is the file's, for messages) as the run.
    Open {
        name: String,
        text: String,
    },
    /// Open one of the presets, by name (`figure8`).
    OpenPreset(String),
    /// Break one of Raft's rules on purpose (true), or keep it (false), for the whole run.
    SetRule(raftsim::BrokenRule, bool),
    /// Switch one of the protocol options on or off for the whole run.
    SetOption(raftsim::ProtocolOption, bool),
}

/// The guided tour.
#[derive(Clone, Debug, PartialEq)]
pub enum TourAction {
    /// Open the tour at a step, or where it was last left.
    Open(Option<StepIndex>),
    /// Show a step from its beginning.
    Go(StepIndex),
    /// Continue: the next step (at the last one, free play takes over).
    Next,
    /// The step before, from its beginning.
    Back,
    /// The current step again, from its beginning.
    Replay,
    /// The first step of a chapter (0-based).
    Chapter(usize),
    /// The step a page-address fragment names (`#election/votes`); an empty one leaves the tour.
    Locate(String),
    /// Leave the tour; free play is as it was left.
    Close,
    /// Turn the step on screen into free play, with every control, paused at that moment.
    TakeOver,
    /// Answer the open question with this answer (from 0); the step then plays.
    Answer(usize),
    /// A digit key, 1 to 9: answers the open question, if any, else opens that chapter.
    Number(u8),
    /// Turn the questions of the whole tour on or off.
    Questions(bool),
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

/// The page around the world and the tour.
#[derive(Clone, Debug, PartialEq)]
pub enum PageAction {
    ToggleHelp,
    /// Close what is open: the help, the tour, a partition being drawn up, the selection.
    Escape,
    /// Show or hide message traffic (sent / delivered) in the event log.
    ToggleTraffic,
    DismissNotice,
    Notify(Notice),
    /// Zoom the timeline: an index into `params::ZOOMS`.
    Zoom(usize),
    ZoomIn,
    ZoomOut,
    /// Switch between the dark and the light theme.
    ToggleTheme,
    /// Reading text size: an index into `view::TEXT_SIZES`.
    TextSize(usize),
    /// One text size larger (true) or smaller.
    StepTextSize(bool),
    /// Blank the screen (true), or bring it back.
    Blank(bool),
}

impl From<ClockAction> for AppAction {
    fn from(a: ClockAction) -> AppAction {
        AppAction::Clock(a)
    }
}

impl From<WorldAction> for AppAction {
    fn from(a: WorldAction) -> AppAction {
        AppAction::World(a)
    }
}

impl From<TourAction> for AppAction {
    fn from(a: TourAction) -> AppAction {
        AppAction::Tour(a)
    }
}

impl From<PageAction> for AppAction {
    fn from(a: PageAction) -> AppAction {
        AppAction::Page(a)
    }
}

impl AppAction {
    /// Whether this action is allowed while the tour is on screen: not the ones that act on
    /// free play's world (hidden then) or step its clock by hand.
    pub fn works_in_tour(&self) -> bool {
        use ClockAction as C;
        match self {
            AppAction::World(_) => false,
            AppAction::Clock(c) => !matches!(
                c,
                C::StepTick
                    | C::StepEvent
                    | C::StepBack
                    | C::StepBackEvent
                    | C::ToStart
                    | C::ToEnd
                    | C::Seek(_)
                    | C::SetTick(_)
                    | C::LongerTick
                    | C::ShorterTick
            ),
            AppAction::Tour(_) | AppAction::Page(_) => true,
        }
    }
}
