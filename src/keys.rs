//! The keyboard maps of free play and of the guided tour. Each is one table: the key handling
//! looks keys up in it and the help overlay prints it, so what the help says is what the keys
//! do. Pure, so it is unit-tested natively.

use crate::model::action::{
    AppAction, ClockAction as C, NodeOp, PageAction as P, TourAction as T, WorldAction as W,
};
use raftsim::NodeId;

/// What a key press asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyCommand {
    Act(AppAction),
    /// Start over with a fresh random seed (the page picks it).
    NewSeed,
    /// Put the cursor in the client's command box, aimed at the selected server.
    FocusClient,
    /// Fill the screen with the page, or leave full screen (the browser may refuse).
    Fullscreen,
}

/// The modifier keys held with a press. Cmd on a Mac counts as Ctrl.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
}

impl Mods {
    pub const NONE: Mods = Mods {
        shift: false,
        ctrl: false,
        alt: false,
    };
    pub const SHIFT: Mods = Mods {
        shift: true,
        ctrl: false,
        alt: false,
    };
    pub const CTRL: Mods = Mods {
        shift: false,
        ctrl: true,
        alt: false,
    };
}

/// Which presses a binding answers.
pub enum Keys {
    /// Any of these `KeyboardEvent.key` values; with `shift`, only while Shift is held; with
    /// `ctrl`, only while Ctrl (or Cmd) is held, and without it, never then.
    Named {
        keys: &'static [&'static str],
        shift: bool,
        ctrl: bool,
    },
    /// A digit 1 to 9, handed to the binding's function.
    Digit(fn(u8) -> AppAction),
}

/// A press and what it does.
pub struct Binding {
    pub keys: Keys,
    /// For `Keys::Named`; a digit's command comes from its function.
    pub does: Option<KeyCommand>,
}

/// One row of the map as the help shows it: the keys as printed, what they do, and the
/// bindings behind them (a row like "+ / −" holds two).
pub struct Row {
    pub label: &'static str,
    pub what: &'static str,
    pub bindings: &'static [Binding],
}

const fn press(keys: &'static [&'static str], does: KeyCommand) -> Binding {
    Binding {
        keys: Keys::Named {
            keys,
            shift: false,
            ctrl: false,
        },
        does: Some(does),
    }
}

const fn shifted(keys: &'static [&'static str], does: KeyCommand) -> Binding {
    Binding {
        keys: Keys::Named {
            keys,
            shift: true,
            ctrl: false,
        },
        does: Some(does),
    }
}

const fn with_ctrl(keys: &'static [&'static str], does: KeyCommand) -> Binding {
    Binding {
        keys: Keys::Named {
            keys,
            shift: false,
            ctrl: true,
        },
        does: Some(does),
    }
}

const fn digit(to: fn(u8) -> AppAction) -> Binding {
    Binding {
        keys: Keys::Digit(to),
        does: None,
    }
}

const fn clock(a: C) -> KeyCommand {
    KeyCommand::Act(AppAction::Clock(a))
}

const fn world(a: W) -> KeyCommand {
    KeyCommand::Act(AppAction::World(a))
}

const fn tour(a: T) -> KeyCommand {
    KeyCommand::Act(AppAction::Tour(a))
}

const fn page(a: P) -> KeyCommand {
    KeyCommand::Act(AppAction::Page(a))
}

const BLANK: &str =
    "blank the screen (black) while you talk; any key or click brings it back and does nothing else";
/// Some clickers send "." for blanking; here it keeps stepping a tick, as it always has.
const BLANK_FREE: &str = "blank the screen (black) while you talk; any key or click brings it \
                          back and does nothing else (“.” stays one tick)";
/// Rows both modes share: the theme and the reading text size.
const THEME_ROW: Row = Row {
    label: "L",
    what: "light / dark theme (light reads better on most projectors)",
    bindings: &[press(&["l", "L"], page(P::ToggleTheme))],
};
const TEXT_ROW: Row = Row {
    label: "A  /  Shift+A",
    what: "larger / smaller reading text (Ctrl + and Ctrl − zoom the whole page)",
    bindings: &[
        shifted(&["A"], page(P::StepTextSize(false))),
        press(&["a"], page(P::StepTextSize(true))),
    ],
};

const FASTER: &[&str] = &["+", "=", "ArrowUp"];
const SLOWER: &[&str] = &["-", "_", "ArrowDown"];

fn select_server(n: u8) -> AppAction {
    AppAction::World(W::ClickNode(NodeId(n)))
}

/// In the tour, a digit answers the open question, else opens that chapter.
fn tour_number(n: u8) -> AppAction {
    AppAction::Tour(T::Number(n))
}

/// Free play's keys, in the order people need them.
pub static FREE_PLAY: &[Row] = &[
    Row {
        label: "G",
        what: "guided tour: Raft told step by step",
        bindings: &[press(&["g", "G"], tour(T::Open(None)))],
    },
    Row {
        label: "Space",
        what: "play / pause",
        bindings: &[press(&[" ", "Spacebar"], clock(C::TogglePlay))],
    },
    Row {
        label: "→  or  .",
        what: "step one tick (paused)",
        bindings: &[press(&["ArrowRight", "."], clock(C::StepTick))],
    },
    Row {
        label: "PgDn  /  PgUp",
        what: "a clicker's next / previous: one tick forward / back (paused)",
        bindings: &[
            press(&["PageDown"], clock(C::StepTick)),
            press(&["PageUp"], clock(C::StepBack)),
        ],
    },
    Row {
        label: "N",
        what: "step to the next event (paused)",
        bindings: &[press(&["n"], clock(C::StepEvent))],
    },
    Row {
        label: "←  /  Shift+←",
        what: "back one tick / back to the previous event (paused)",
        bindings: &[
            shifted(&["ArrowLeft"], clock(C::StepBackEvent)),
            press(&["ArrowLeft"], clock(C::StepBack)),
        ],
    },
    Row {
        label: "Home  /  End",
        what: "the run's start / the latest instant it reached",
        bindings: &[
            press(&["Home"], clock(C::ToStart)),
            press(&["End"], clock(C::ToEnd)),
        ],
    },
    Row {
        label: "Z  /  Shift+Z",
        what: "zoom the timeline in / out (at a second or less, messages are arrows)",
        bindings: &[
            shifted(&["Z"], page(P::ZoomOut)),
            press(&["z"], page(P::ZoomIn)),
        ],
    },
    Row {
        label: "Ctrl+Z",
        what: "undo the last thing done to the cluster (a cut future comes back)",
        bindings: &[with_ctrl(&["z", "Z"], world(W::Undo))],
    },
    Row {
        label: "+  /  −",
        what: "faster / slower",
        bindings: &[
            press(FASTER, clock(C::Faster)),
            press(SLOWER, clock(C::Slower)),
        ],
    },
    Row {
        label: "]  /  [",
        what: "longer / shorter tick",
        bindings: &[
            press(&["]"], clock(C::LongerTick)),
            press(&["["], clock(C::ShorterTick)),
        ],
    },
    Row {
        label: "1 … 9",
        what: "select server S1 … S9",
        bindings: &[digit(select_server)],
    },
    Row {
        label: "C",
        what: "crash or restart the selected server",
        bindings: &[press(
            &["c", "C"],
            world(W::Node(NodeOp::ToggleCrash, None)),
        )],
    },
    Row {
        label: "T",
        what: "time the selected server out now (start an election)",
        bindings: &[press(&["t", "T"], world(W::Node(NodeOp::Timeout, None)))],
    },
    Row {
        label: "W",
        what: "type a client write to the selected server",
        bindings: &[press(&["w", "W"], KeyCommand::FocusClient)],
    },
    Row {
        label: "Enter",
        what: "split the network as picked (after P); in the client box, send the write",
        bindings: &[press(&["Enter"], world(W::ApplyPartition))],
    },
    Row {
        label: "M",
        what: "select the next message in flight (pauses)",
        bindings: &[press(&["m", "M"], world(W::SelectNextPacket))],
    },
    Row {
        label: "D",
        what: "drop the selected message",
        bindings: &[press(&["d", "D"], world(W::DropPacket(None)))],
    },
    Row {
        label: "P",
        what: "partition: pick servers with 1 … 9, P again to split",
        bindings: &[press(&["p", "P"], world(W::TogglePartitionMode))],
    },
    Row {
        label: "H",
        what: "heal every partition and cut link",
        bindings: &[press(&["h", "H"], world(W::Heal))],
    },
    Row {
        label: "V",
        what: "show / hide message traffic in the event log",
        bindings: &[press(&["v", "V"], page(P::ToggleTraffic))],
    },
    Row {
        label: "Shift+R",
        what: "reset with the same seed",
        bindings: &[shifted(
            &["R"],
            world(W::Reset {
                seed: None,
                nodes: None,
            }),
        )],
    },
    Row {
        label: "Shift+N",
        what: "reset with a new seed",
        bindings: &[shifted(&["N"], KeyCommand::NewSeed)],
    },
    Row {
        label: "B",
        what: BLANK_FREE,
        bindings: &[press(&["b", "B"], page(P::Blank(true)))],
    },
    Row {
        label: "F",
        what: "full screen on / off",
        bindings: &[press(&["f", "F"], KeyCommand::Fullscreen)],
    },
    THEME_ROW,
    TEXT_ROW,
    Row {
        label: "Esc",
        what: "close help, cancel partition, clear selection",
        bindings: &[press(&["Escape", "Esc"], page(P::Escape))],
    },
    Row {
        label: "?",
        what: "this help",
        bindings: &[press(&["?"], page(P::ToggleHelp))],
    },
];

/// The guided tour's keys.
pub static TOUR: &[Row] = &[
    Row {
        label: "→  Space  Enter  PgDn",
        what: "continue to the next step",
        bindings: &[press(
            &["ArrowRight", " ", "Spacebar", "Enter", "PageDown"],
            tour(T::Next),
        )],
    },
    Row {
        label: "←  PgUp",
        what: "back: the step before, from its beginning",
        bindings: &[press(&["ArrowLeft", "PageUp", "Backspace"], tour(T::Back))],
    },
    Row {
        label: "R",
        what: "replay this step",
        bindings: &[press(&["r", "R"], tour(T::Replay))],
    },
    Row {
        label: "P",
        what: "pause / resume this step's animation",
        bindings: &[press(&["p", "P"], clock(C::TogglePlay))],
    },
    Row {
        label: "1 … 6",
        what: "answer the question on screen (1 … 4); with none open, jump to a chapter",
        bindings: &[digit(tour_number)],
    },
    Row {
        label: "+  /  −",
        what: "faster / slower",
        bindings: &[
            press(FASTER, clock(C::Faster)),
            press(SLOWER, clock(C::Slower)),
        ],
    },
    Row {
        label: "B",
        what: BLANK,
        bindings: &[press(&["b", "B"], page(P::Blank(true)))],
    },
    Row {
        label: "Shift+F",
        what: "full screen on / off (F alone takes over)",
        bindings: &[shifted(&["F"], KeyCommand::Fullscreen)],
    },
    THEME_ROW,
    TEXT_ROW,
    Row {
        label: "F",
        what: "take over: this step becomes free play",
        bindings: &[press(&["f", "F"], tour(T::TakeOver))],
    },
    Row {
        label: "V",
        what: "show / hide message traffic in the event log",
        bindings: &[press(&["v", "V"], page(P::ToggleTraffic))],
    },
    Row {
        label: "Esc",
        what: "close help, or leave the tour",
        bindings: &[press(&["Escape", "Esc"], page(P::Escape))],
    },
    Row {
        label: "?",
        what: "this help",
        bindings: &[press(&["?"], page(P::ToggleHelp))],
    },
];

impl Binding {
    /// What this binding does for `key` (a `KeyboardEvent.key` value), if it answers it.
    fn answer(&self, key: &str, mods: Mods) -> Option<KeyCommand> {
        match &self.keys {
            Keys::Named { keys, shift, ctrl } => {
                (keys.contains(&key) && (mods.shift || !shift) && mods.ctrl == *ctrl)
                    .then(|| self.does.clone())?
            }
            Keys::Digit(_) if mods.ctrl => None,
            Keys::Digit(to) => {
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c @ '1'..='9'), None) => {
                        let n = c.to_digit(10).and_then(|d| u8::try_from(d).ok())?;
                        Some(KeyCommand::Act(to(n)))
                    }
                    _ => None,
                }
            }
        }
    }
}

/// What `key` does in the map `rows` with the modifiers `mods`. Keys pressed with Alt, and
/// those with Ctrl that the map does not name, are left to the browser.
pub fn command_for(rows: &[Row], key: &str, mods: Mods) -> Option<KeyCommand> {
    if mods.alt {
        return None;
    }
    rows.iter()
        .flat_map(|r| r.bindings)
        .find_map(|b| b.answer(key, mods))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free(key: &str) -> Option<AppAction> {
        let shift = key.chars().all(|c| c.is_uppercase());
        let mods = Mods {
            shift,
            ..Mods::NONE
        };
        match command_for(FREE_PLAY, key, mods) {
            Some(KeyCommand::Act(a)) => Some(a),
            _ => None,
        }
    }

    fn in_tour(key: &str, alt: bool) -> Option<AppAction> {
        match command_for(TOUR, key, Mods { alt, ..Mods::NONE }) {
            Some(KeyCommand::Act(a)) => Some(a),
            _ => None,
        }
    }

    #[test]
    fn the_common_keys_do_what_the_help_says() {
        assert_eq!(free(" "), Some(C::TogglePlay.into()));
        assert_eq!(free("."), Some(C::StepTick.into()));
        assert_eq!(free("ArrowRight"), Some(C::StepTick.into()));
        assert_eq!(free("n"), Some(C::StepEvent.into()));
        assert_eq!(free("3"), Some(W::ClickNode(NodeId(3)).into()));
        assert_eq!(free("c"), Some(W::Node(NodeOp::ToggleCrash, None).into()));
        assert_eq!(free("t"), Some(W::Node(NodeOp::Timeout, None).into()));
        assert_eq!(free("Enter"), Some(W::ApplyPartition.into()));
        assert_eq!(free("?"), Some(P::ToggleHelp.into()));
        assert_eq!(free("Escape"), Some(P::Escape.into()));
        assert_eq!(free("g"), Some(T::Open(None).into()));
        assert_eq!(free("ArrowLeft"), Some(C::StepBack.into()));
        assert_eq!(free("Home"), Some(C::ToStart.into()));
        assert_eq!(free("End"), Some(C::ToEnd.into()));
        let shift_left = command_for(FREE_PLAY, "ArrowLeft", Mods::SHIFT);
        assert_eq!(shift_left, Some(KeyCommand::Act(C::StepBackEvent.into())));
        let undo = command_for(FREE_PLAY, "z", Mods::CTRL);
        assert_eq!(undo, Some(KeyCommand::Act(W::Undo.into())));
        assert_eq!(
            free("z"),
            Some(P::ZoomIn.into()),
            "z alone zooms the timeline"
        );
        assert_eq!(
            command_for(FREE_PLAY, "c", Mods::CTRL),
            None,
            "Ctrl+C copies"
        );
        assert_eq!(
            command_for(FREE_PLAY, "w", Mods::NONE),
            Some(KeyCommand::FocusClient)
        );
        assert_eq!(
            command_for(FREE_PLAY, "N", Mods::SHIFT),
            Some(KeyCommand::NewSeed)
        );
    }

    #[test]
    fn unbound_and_modified_keys_are_left_alone() {
        assert_eq!(command_for(FREE_PLAY, "0", Mods::NONE), None);
        assert_eq!(command_for(FREE_PLAY, "10", Mods::NONE), None);
        assert_eq!(command_for(FREE_PLAY, "q", Mods::NONE), None);
        assert_eq!(
            command_for(FREE_PLAY, " ", Mods::CTRL),
            None,
            "Ctrl+Space is the browser's"
        );
        assert_eq!(
            command_for(FREE_PLAY, "R", Mods::NONE),
            None,
            "reset needs Shift, not Caps Lock"
        );
        assert_eq!(command_for(FREE_PLAY, "r", Mods::NONE), None);
    }

    #[test]
    fn the_tour_keys_continue_go_back_and_jump() {
        assert_eq!(in_tour("ArrowRight", false), Some(T::Next.into()));
        assert_eq!(in_tour(" ", false), Some(T::Next.into()));
        assert_eq!(in_tour("Enter", false), Some(T::Next.into()));
        assert_eq!(in_tour("PageDown", false), Some(T::Next.into()));
        assert_eq!(in_tour("ArrowLeft", false), Some(T::Back.into()));
        assert_eq!(in_tour("PageUp", false), Some(T::Back.into()));
        assert_eq!(in_tour("r", false), Some(T::Replay.into()));
        assert_eq!(in_tour("3", false), Some(T::Number(3).into()));
        assert_eq!(in_tour("f", false), Some(T::TakeOver.into()));
        assert_eq!(in_tour("0", false), None);
        assert_eq!(in_tour("c", false), None, "no crashing in the tour");
        assert_eq!(in_tour("ArrowLeft", true), None, "Alt+← is the browser's");
    }

    #[test]
    fn a_clicker_and_the_presenter_keys_work_in_both_modes() {
        // PageDown / PageUp: the tour's continue and back; free play's tick forward and back.
        assert_eq!(in_tour("PageDown", false), Some(T::Next.into()));
        assert_eq!(in_tour("PageUp", false), Some(T::Back.into()));
        assert_eq!(free("PageDown"), Some(C::StepTick.into()));
        assert_eq!(free("PageUp"), Some(C::StepBack.into()));
        // "." keeps stepping a tick in free play; B blanks in both modes.
        assert_eq!(free("."), Some(C::StepTick.into()));
        for key in ["b", "B"] {
            assert_eq!(free(key), Some(P::Blank(true).into()));
            assert_eq!(in_tour(key, false), Some(P::Blank(true).into()));
        }
        // L switches the theme in both; A / Shift+A change the reading text size.
        assert_eq!(free("l"), Some(P::ToggleTheme.into()));
        assert_eq!(in_tour("L", false), Some(P::ToggleTheme.into()));
        assert_eq!(free("a"), Some(P::StepTextSize(true).into()));
        assert_eq!(
            command_for(TOUR, "A", Mods::SHIFT),
            Some(KeyCommand::Act(P::StepTextSize(false).into()))
        );
        // Full screen: F in free play; Shift+F in the tour, where F alone takes over.
        assert_eq!(
            command_for(FREE_PLAY, "f", Mods::NONE),
            Some(KeyCommand::Fullscreen)
        );
        assert_eq!(
            command_for(TOUR, "F", Mods::SHIFT),
            Some(KeyCommand::Fullscreen)
        );
        assert_eq!(in_tour("f", false), Some(T::TakeOver.into()));
        // The browser keeps Ctrl + and Ctrl − for zooming the page.
        assert_eq!(command_for(FREE_PLAY, "+", Mods::CTRL), None);
        assert_eq!(command_for(TOUR, "-", Mods::CTRL), None);
    }

    /// Both maps show every presenter key in the help, so a presenter finds them in either mode.
    #[test]
    fn the_help_lists_the_presenter_keys_in_both_modes() {
        for rows in [FREE_PLAY, TOUR] {
            let labels: Vec<&str> = rows.iter().map(|r| r.label).collect();
            assert!(labels.iter().any(|l| l.contains("PgDn")), "{labels:?}");
            assert!(labels.contains(&"B"));
            assert!(labels.contains(&"L"));
            assert!(labels.iter().any(|l| l.ends_with('F')));
        }
    }

    /// Every key of every row reaches its own binding: no row higher up claims it first, so
    /// the help never lists a key that does something else.
    #[test]
    fn no_key_is_claimed_twice() {
        for rows in [FREE_PLAY, TOUR] {
            for row in rows {
                assert!(!row.label.is_empty() && !row.what.is_empty());
                assert!(!row.bindings.is_empty(), "{}", row.label);
                for b in row.bindings {
                    let presses: Vec<(String, Mods, Option<KeyCommand>)> = match &b.keys {
                        Keys::Named { keys, shift, ctrl } => keys
                            .iter()
                            .map(|k| {
                                let mods = Mods {
                                    shift: *shift,
                                    ctrl: *ctrl,
                                    alt: false,
                                };
                                (k.to_string(), mods, b.does.clone())
                            })
                            .collect(),
                        Keys::Digit(to) => (1..=9u8)
                            .map(|n| (n.to_string(), Mods::NONE, Some(KeyCommand::Act(to(n)))))
                            .collect(),
                    };
                    for (key, mods, does) in presses {
                        assert_eq!(
                            command_for(rows, &key, mods),
                            does,
                            "{key:?} in the row {}",
                            row.label
                        );
                    }
                }
            }
        }
    }
}
