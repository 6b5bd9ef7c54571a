//! Every server's log as a row of cells by index: term (colour and number) and command.
//! Committed entries are solid, uncommitted ones dashed and hollow; a bar marks the commit index.
//! On followers' rows, the leader's nextIndex slot is outlined and its nextIndex / matchIndex for
//! that follower are written out. The last column is the applied key-value state.
//! A highlight can name a whole row, single cells (also empty ones), the commit index or the
//! state machine.

use super::{kv_text, look_class, short_command, term_class};
use crate::model::marks::Marks;
use crate::model::sim_ref::SimRef;
use raftsim::{LogIndex, Node, NodeId, Sim};
use std::rc::Rc;
use yew::prelude::*;

/// How many log indexes are shown; longer logs show their last `LOG_COLUMNS` indexes.
pub const LOG_COLUMNS: LogIndex = 14;

/// From this many servers on, rows are drawn lower so the drawing keeps its room.
const DENSE_FROM: usize = 7;

/// The first index shown when the longest log ends at `longest`.
pub fn window_start(longest: LogIndex) -> LogIndex {
    longest.saturating_sub(LOG_COLUMNS).saturating_add(1).max(1)
}

#[derive(Properties)]
pub struct LogsProps {
    pub sim: SimRef,
    #[prop_or_default]
    pub selected: Option<NodeId>,
    /// What to draw attention to: rows (`logs`, and lightly `nodes`), cells (`entries`), the
    /// commit index (`commits`) and the state machine (`kvs`).
    #[prop_or_default]
    pub marks: Rc<Marks>,
    #[prop_or_default]
    pub on_node: Callback<NodeId>,
}

impl PartialEq for LogsProps {
    /// Most frames only move messages along: the table is redrawn only when something it shows
    /// changed, which is far cheaper to check than to redraw.
    fn eq(&self, other: &LogsProps) -> bool {
        self.selected == other.selected
            && (Rc::ptr_eq(&self.marks, &other.marks) || self.marks == other.marks)
            && self.on_node == other.on_node
            && (self.sim == other.sim || same_logs(&self.sim, &other.sim))
    }
}

/// Whether two worlds look the same in the logs table.
fn same_logs(a: &Sim, b: &Sim) -> bool {
    a.leader() == b.leader()
        && a.nodes().len() == b.nodes().len()
        && a.nodes().iter().zip(b.nodes()).all(|(x, y)| {
            x.commit_index == y.commit_index
                && x.role == y.role
                && x.crashed == y.crashed
                && x.log == y.log
                && x.kv == y.kv
                && x.next_index == y.next_index
                && x.match_index == y.match_index
        })
}

#[component]
pub fn LogsView(props: &LogsProps) -> Html {
    let sim: &Sim = &props.sim;
    let longest = sim
        .nodes()
        .iter()
        .map(|n| n.last_log_index())
        .max()
        .unwrap_or(0);
    let first = window_start(longest);
    let indexes: Vec<LogIndex> = (first..first + LOG_COLUMNS).collect();
    let leader = sim.leader().and_then(|id| sim.node(id));
    let rows = sim.nodes().iter().map(|n| {
        view_row(
            n,
            &indexes,
            leader,
            props.selected == Some(n.id),
            &props.marks,
            &props.on_node,
        )
    });
    html! {
        <table class={classes!("logs", (sim.nodes().len() >= DENSE_FROM).then_some("dense"))}
               data-first-index={first.to_string()}>
            <caption class="sr-only">{ "Each server's log, by index" }</caption>
            <thead>
                <tr>
                    <th class="who" scope="col">{ "log" }</th>
                    // A fragment of its own, so the keyed headers are not mixed with the others.
                    <>{ for indexes.iter().map(|i| html! {
                        <th class="idx" scope="col" key={*i}>
                            { if *i == first && first > 1 { format!("…{i}") } else { i.to_string() } }
                        </th>
                    }) }</>
                    <th class="num" scope="col" title="commitIndex">{ "commit" }</th>
                    <th class="repl" scope="col" title="the leader's nextIndex and matchIndex for this server">{ "next · match" }</th>
                    <th class="kv" scope="col">{ "state machine" }</th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

fn view_row(
    n: &Node,
    indexes: &[LogIndex],
    leader: Option<&Node>,
    selected: bool,
    hl: &Marks,
    on_node: &Callback<NodeId>,
) -> Html {
    let id = n.id;
    let row_hl = hl.logs.contains(&id);
    let commit_hl = hl.commits.contains(&id);
    let kv_hl = hl.kvs.contains(&id);
    let onclick = {
        let on_node = on_node.clone();
        Callback::from(move |_: MouseEvent| on_node.emit(id))
    };
    // The leader's view of this follower.
    let follower_of = leader.filter(|l| l.id != id);
    let next = follower_of.and_then(|l| l.next_index.get(id.index()).copied());
    let matched = follower_of.and_then(|l| l.match_index.get(id.index()).copied());
    let repl = match (next, matched) {
        (Some(next), Some(m)) => format!("{next} · {m}"),
        _ if leader.is_some_and(|l| l.id == id) => "leader".to_string(),
        _ => "—".to_string(),
    };
    let cells = indexes.iter().map(|&i| {
        let entry = usize::try_from(i)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|k| n.log.get(k));
        let edge = (i == n.commit_index).then_some("commit-edge");
        let edge_hl = (commit_hl && i == n.commit_index).then_some("commit-hl");
        let next_slot = (next == Some(i)).then_some("next-slot");
        let cell_hl = hl.entries.contains(&(id, i)).then_some("highlighted");
        match entry {
            Some(e) => {
                let committed = i <= n.commit_index;
                let class = classes!(
                    "cell",
                    if committed {
                        "committed"
                    } else {
                        "uncommitted"
                    },
                    term_class(e.term),
                    edge,
                    edge_hl,
                    next_slot,
                    cell_hl
                );
                let title = format!(
                    "{id} index {i}: term {}, {} ({})",
                    e.term,
                    e.command,
                    if committed {
                        "committed"
                    } else {
                        "not committed yet"
                    }
                );
                html! {
                    <td {class} key={i} data-index={i.to_string()} data-term={e.term.to_string()}
                        data-committed={committed.to_string()} {title}>
                        <span class="t">{ e.term }</span>
                        <span class="c">{ short_command(&e.command) }</span>
                    </td>
                }
            }
            None => html! {
                <td class={classes!("cell", "empty", edge, edge_hl, next_slot, cell_hl)}
                    key={i} data-index={i.to_string()}></td>
            },
        }
    });
    let class = classes!(
        "row",
        look_class(n),
        selected.then_some("selected"),
        row_hl.then_some("highlighted"),
        hl.nodes.contains(&id).then_some("node-highlighted")
    );
    html! {
        <tr {class} key={id.to_string()} data-node={id.to_string()}
            data-commit-index={n.commit_index.to_string()} data-last-index={n.last_log_index().to_string()}
            {onclick}>
            <th class="who" scope="row">
                <span class={classes!("dot", look_class(n))} aria-hidden="true"></span>
                { id.to_string() }
            </th>
            // The cells keyed by index, in a fragment of their own: when the window moves on by
            // an index, one cell leaves and one arrives instead of every cell being rewritten.
            <>{ for cells }</>
            <td class={classes!("num", commit_hl.then_some("highlighted"))}>{ n.commit_index }</td>
            <td class="repl">{ repl }</td>
            <td class={classes!("kv", kv_hl.then_some("highlighted"))} data-kv={kv_text(n)}>
                { kv_text(n) }
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_shows_the_end_of_the_longest_log() {
        assert_eq!(window_start(0), 1);
        assert_eq!(window_start(LOG_COLUMNS), 1);
        assert_eq!(window_start(LOG_COLUMNS + 1), 2);
        assert_eq!(window_start(100), 100 - LOG_COLUMNS + 1);
    }
}
