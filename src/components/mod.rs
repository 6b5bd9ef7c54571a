//! The page's parts. `ClusterView` (the drawing) and `LogsView` (the logs table) take the world
//! as a prop and know nothing of the controls, so the tour can drive the same drawing; the other
//! panels send `AppAction`s up through one callback.

pub mod client;
pub mod cluster;
pub mod controls;
pub mod events;
pub mod help;
pub mod inspector;
pub mod lab;
pub mod logs;
pub mod runs;
pub mod timeline;
pub mod tour;
pub mod view;

use crate::geometry::{px, Point};
use raftsim::{Addr, Command, Network, Node, NodeId, Packet, Sim, Term};
use std::collections::BTreeSet;
use yew::prelude::*;

pub use cluster::{ClusterView, Legend};
pub use logs::LogsView;

/// CSS class for a server's look: its role, or `crashed`.
pub fn look_class(node: &Node) -> &'static str {
    if node.crashed {
        "crashed"
    } else {
        node.role.name()
    }
}

/// How a link between two servers stands: `cut` by hand (either way), `down` because of a
/// partition, or `up`.
pub fn link_state(net: &Network, a: NodeId, b: NodeId) -> &'static str {
    if net.cut_links().any(|l| l == (a, b) || l == (b, a)) {
        "cut"
    } else if !net.link_up(a, b) || !net.link_up(b, a) {
        "down"
    } else {
        "up"
    }
}

/// Whether a message in flight will be lost when it arrives (its link is down or its receiver is
/// crashed), as the network will find then. Shown, not decided, here.
pub fn lost_on_arrival(sim: &Sim, p: &Packet) -> bool {
    !sim.network().path_up(p.from, p.to)
        || match p.to {
            Addr::Node(id) => sim.node(id).is_some_and(|n| n.crashed),
            Addr::Client => false,
        }
}

/// An SVG line from `a` to `b`.
pub fn svg_line(class: Classes, a: Point, b: Point) -> Html {
    html! {
        <line {class} x1={px(a.x)} y1={px(a.y)} x2={px(b.x)} y2={px(b.y)} />
    }
}

/// How many distinct term colours there are; term `t` uses colour `(t - 1) % TERM_COLOURS`.
pub const TERM_COLOURS: u64 = 8;

/// CSS class carrying a term's colour (`term-c0` … `term-c7`).
pub fn term_class(term: Term) -> String {
    format!("term-c{}", term.saturating_sub(1) % TERM_COLOURS)
}

/// A command as it fits in a log cell: `x=5` for SET, `x+2` / `x−2` for ADD, `no-op` for NOOP.
pub fn short_command(command: &Command) -> String {
    match command {
        Command::Set { key, value } => format!("{key}={value}"),
        Command::Add { key, n } if *n < 0 => format!("{key}−{}", n.unsigned_abs()),
        Command::Add { key, n } => format!("{key}+{n}"),
        Command::Noop => "no-op".to_string(),
    }
}

/// `x = 8, y = 3`, or a dash for an empty state machine.
pub fn kv_text(node: &Node) -> String {
    if node.kv.values.is_empty() {
        return "—".to_string();
    }
    node.kv
        .values
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `S1, S3` for a list of servers, or `none`.
pub fn names<'a>(ids: impl IntoIterator<Item = &'a raftsim::NodeId>) -> String {
    let list: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

/// A set of servers as a sorted list of names, for `data-*` attributes.
pub fn id_list(ids: &BTreeSet<raftsim::NodeId>) -> String {
    ids.iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_shorten_for_cells() {
        let c = |t: &str| short_command(&Command::parse(t).expect("valid"));
        assert_eq!(c("SET x 5"), "x=5");
        assert_eq!(c("ADD x 2"), "x+2");
        assert_eq!(c("ADD x -2"), "x−2");
        assert_eq!(c(&format!("ADD x {}", i64::MIN)), "x−9223372036854775808");
    }

    #[test]
    fn terms_cycle_through_the_colours() {
        assert_eq!(term_class(1), "term-c0");
        assert_eq!(term_class(8), "term-c7");
        assert_eq!(term_class(9), "term-c0");
        assert_eq!(term_class(0), "term-c0");
    }
}
