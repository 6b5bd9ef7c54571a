//! The keyboard map: which key does what. The help overlay is drawn from the same table, so the
//! two cannot drift apart. Pure, so it is unit-tested natively.

use crate::state::{AppAction, NodeOp};
use raftsim::NodeId;

/// What a key press asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyCommand {
    Act(AppAction),
    /// Start over with a fresh random seed (the page picks it).
    NewSeed,
    /// Put the cursor in the client's command box, aimed at the selected server.
    FocusClient,
}

/// One row of the help overlay.
pub struct KeyHelp {
    pub keys: &'static str,
    pub what: &'static str,
}

const fn row(keys: &'static str, what: &'static str) -> KeyHelp {
    KeyHelp { keys, what }
}

/// Every binding of free play, for the help overlay, in the order people need them.
pub const HELP: [KeyHelp; 20] = [
    row("G", "guided tour: Raft told step by step"),
    row("Space", "play / pause"),
    row("→  or  .", "step one tick (paused)"),
    row("N", "step to the next event (paused)"),
    row("+  /  −", "faster / slower"),
    row("]  /  [", "longer / shorter tick"),
    row("1 … 9", "select server S1 … S9"),
    row("C", "crash or restart the selected server"),
    row("T", "time the selected server out now (start an election)"),
    row("W", "type a client write to the selected server"),
    row("Enter", "send the write (in the client box)"),
    row("M", "select the next message in flight (pauses)"),
    row("D", "drop the selected message"),
    row("P", "partition: pick servers with 1 … 9, P again to split"),
    row("H", "heal every partition and cut link"),
    row("V", "show / hide message traffic in the event log"),
    row("Shift+R", "reset with the same seed"),
    row("Shift+N", "reset with a new seed"),
    row("Esc", "close help, cancel partition, clear selection"),
    row("?", "this help"),
];

/// Every binding of the guided tour.
pub const TOUR_HELP: [KeyHelp; 10] = [
    row("→  Space  Enter", "continue to the next step"),
    row("←", "back: the step before, from its beginning"),
    row("R", "replay this step"),
    row("P", "pause / resume this step's animation"),
    row("1 … 5", "jump to a chapter"),
    row("+  /  −", "faster / slower"),
    row("F", "take over: this step becomes free play"),
    row("V", "show / hide message traffic in the event log"),
    row("Esc", "close help, or leave the tour"),
    row("?", "this help"),
];

/// What `key` does during the guided tour. Keys pressed with Ctrl, Alt or Meta are left to the
/// browser.
pub fn tour_command_for(key: &str, ctrl_alt_meta: bool) -> Option<AppAction> {
    use AppAction as A;
    if ctrl_alt_meta {
        return None;
    }
    Some(match key {
        "ArrowRight" | " " | "Spacebar" | "Enter" | "PageDown" => A::TourNext,
        "ArrowLeft" | "PageUp" | "Backspace" => A::TourBack,
        "r" | "R" => A::TourReplay,
        "p" | "P" => A::TogglePlay,
        "f" | "F" => A::TourTakeOver,
        "+" | "=" | "ArrowUp" => A::Faster,
        "-" | "_" | "ArrowDown" => A::Slower,
        "v" | "V" => A::ToggleTraffic,
        "Escape" | "Esc" => A::Escape,
        "?" => A::ToggleHelp,
        _ => {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c @ '1'..='9'), None) => {
                    let n = c.to_digit(10).and_then(|d| usize::try_from(d).ok())?;
                    A::TourChapter(n - 1)
                }
                _ => return None,
            }
        }
    })
}

/// What `key` (a `KeyboardEvent.key` value) does, given modifier state. Keys pressed with Ctrl,
/// Alt or Meta are left to the browser.
pub fn command_for(key: &str, shift: bool, ctrl_alt_meta: bool) -> Option<KeyCommand> {
    use AppAction as A;
    if ctrl_alt_meta {
        return None;
    }
    let act = |a: AppAction| Some(KeyCommand::Act(a));
    match key {
        " " | "Spacebar" => act(A::TogglePlay),
        "ArrowRight" | "." => act(A::StepTick),
        "n" => act(A::StepEvent),
        "N" if shift => Some(KeyCommand::NewSeed),
        "+" | "=" | "ArrowUp" => act(A::Faster),
        "-" | "_" | "ArrowDown" => act(A::Slower),
        "]" => act(A::LongerTick),
        "[" => act(A::ShorterTick),
        "c" | "C" => act(A::Node(NodeOp::ToggleCrash, None)),
        "t" | "T" => act(A::Node(NodeOp::Timeout, None)),
        "w" | "W" => Some(KeyCommand::FocusClient),
        "d" | "D" => act(A::DropPacket(None)),
        "p" | "P" => act(A::TogglePartitionMode),
        "Enter" => act(A::ApplyPartition),
        "h" | "H" => act(A::Heal),
        "m" | "M" => act(A::SelectNextPacket),
        "v" | "V" => act(A::ToggleTraffic),
        "g" | "G" => act(A::TourOpen(None)),
        "R" if shift => act(A::Reset {
            seed: None,
            nodes: None,
        }),
        "Escape" | "Esc" => act(A::Escape),
        "?" => act(A::ToggleHelp),
        _ => {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c @ '1'..='9'), None) => {
                    let n = c.to_digit(10).and_then(|d| u8::try_from(d).ok())?;
                    act(A::ClickNode(NodeId(n)))
                }
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(key: &str) -> Option<AppAction> {
        match command_for(key, key.chars().all(|c| c.is_uppercase()), false) {
            Some(KeyCommand::Act(a)) => Some(a),
            _ => None,
        }
    }

    #[test]
    fn the_common_keys_do_what_the_help_says() {
        assert_eq!(act(" "), Some(AppAction::TogglePlay));
        assert_eq!(act("."), Some(AppAction::StepTick));
        assert_eq!(act("ArrowRight"), Some(AppAction::StepTick));
        assert_eq!(act("n"), Some(AppAction::StepEvent));
        assert_eq!(act("3"), Some(AppAction::ClickNode(NodeId(3))));
        assert_eq!(act("c"), Some(AppAction::Node(NodeOp::ToggleCrash, None)));
        assert_eq!(act("t"), Some(AppAction::Node(NodeOp::Timeout, None)));
        assert_eq!(act("?"), Some(AppAction::ToggleHelp));
        assert_eq!(act("Escape"), Some(AppAction::Escape));
        assert_eq!(
            command_for("w", false, false),
            Some(KeyCommand::FocusClient)
        );
        assert_eq!(command_for("N", true, false), Some(KeyCommand::NewSeed));
    }

    #[test]
    fn unbound_and_modified_keys_are_left_alone() {
        assert_eq!(command_for("0", false, false), None);
        assert_eq!(command_for("10", false, false), None);
        assert_eq!(command_for("q", false, false), None);
        assert_eq!(
            command_for(" ", false, true),
            None,
            "Ctrl+Space is the browser's"
        );
        assert_eq!(command_for("r", false, false), None, "reset needs Shift");
    }

    #[test]
    fn the_tour_keys_continue_go_back_and_jump() {
        assert_eq!(
            tour_command_for("ArrowRight", false),
            Some(AppAction::TourNext)
        );
        assert_eq!(tour_command_for(" ", false), Some(AppAction::TourNext));
        assert_eq!(tour_command_for("Enter", false), Some(AppAction::TourNext));
        assert_eq!(
            tour_command_for("ArrowLeft", false),
            Some(AppAction::TourBack)
        );
        assert_eq!(tour_command_for("r", false), Some(AppAction::TourReplay));
        assert_eq!(
            tour_command_for("3", false),
            Some(AppAction::TourChapter(2))
        );
        assert_eq!(tour_command_for("f", false), Some(AppAction::TourTakeOver));
        assert_eq!(tour_command_for("0", false), None);
        assert_eq!(
            tour_command_for("c", false),
            None,
            "no crashing in the tour"
        );
        assert_eq!(
            tour_command_for("ArrowLeft", true),
            None,
            "Alt+← is the browser's"
        );
        assert_eq!(act("g"), Some(AppAction::TourOpen(None)));
    }

    #[test]
    fn every_help_row_names_keys_that_work() {
        for probe in [
            " ", "n", "+", "]", "1", "c", "t", "w", "d", "p", "h", "m", "?", "g",
        ] {
            assert!(command_for(probe, false, false).is_some(), "{probe}");
        }
        assert!(HELP
            .iter()
            .all(|r| !r.keys.is_empty() && !r.what.is_empty()));
    }
}
