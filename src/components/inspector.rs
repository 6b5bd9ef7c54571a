//! The panel for what is selected: a server's full Figure 2 state and what can be done to it, or a
//! message's fields with the offer to drop it. With nothing selected, a short cluster summary.

use super::{kv_text, link_state, look_class, lost_on_arrival, names, short_command};
use crate::model::action::{AppAction, NodeOp, WorldAction};
use crate::model::sim_ref::SimRef;
use crate::model::Selection;
use raftsim::{fmt_ms, Addr, ClientAnswer, Node, Packet, Payload, Role, Rpc, Sim, Time};
use yew::prelude::*;

#[derive(Properties)]
pub struct InspectorProps {
    pub sim: SimRef,
    pub selected: Option<Selection>,
    pub dispatch: Callback<AppAction>,
    /// Puts the cursor in the client box (aimed at the selected server).
    pub on_write: Callback<()>,
}

impl PartialEq for InspectorProps {
    /// With nothing selected the panel shows a summary that changes only when a leader, a term
    /// or a crash does, so frames that only move messages along do not redraw it.
    fn eq(&self, other: &InspectorProps) -> bool {
        self.selected == other.selected
            && self.dispatch == other.dispatch
            && self.on_write == other.on_write
            && match self.selected {
                None => Summary::of(&self.sim) == Summary::of(&other.sim),
                Some(_) => self.sim == other.sim,
            }
    }
}

/// What the summary shows.
#[derive(PartialEq)]
struct Summary {
    /// The leader and its term.
    leader: Option<(raftsim::NodeId, raftsim::Term)>,
    live: usize,
    servers: usize,
    /// Servers still acting as leader of an older term, with that term.
    stale: Vec<(raftsim::NodeId, raftsim::Term)>,
}

impl Summary {
    fn of(sim: &Sim) -> Summary {
        let leader = sim.leader().and_then(|id| sim.node(id));
        Summary {
            leader: leader.map(|l| (l.id, l.current_term)),
            live: sim.nodes().iter().filter(|n| !n.crashed).count(),
            servers: sim.nodes().len(),
            // A leader cut off from the majority still believes it leads its older term.
            stale: sim
                .nodes()
                .iter()
                .filter(|n| !n.crashed && n.role == Role::Leader && Some(n.id) != sim.leader())
                .map(|n| (n.id, n.current_term))
                .collect(),
        }
    }
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let sim: &Sim = &props.sim;
    let body = match props.selected {
        Some(Selection::Node(id)) => match sim.node(id) {
            Some(n) => view_node_state(n, sim, &props.dispatch, &props.on_write),
            None => view_summary(sim),
        },
        Some(Selection::Packet(id)) => match sim.packet(id) {
            Some(p) => view_packet_fields(p, sim, &props.dispatch),
            None => html! {
                <div class="inspector-body">
                    <h2>{ format!("Message {id}") }</h2>
                    <p class="hint">{ "It has arrived or was lost: see the event log." }</p>
                </div>
            },
        },
        None => view_summary(sim),
    };
    html! { <section class="panel inspector" aria-live="polite">{ body }</section> }
}

fn view_summary(sim: &Sim) -> Html {
    let summary = Summary::of(sim);
    let headline = match summary.leader {
        Some((id, term)) => format!("Leader: {id} in term {term}"),
        None => "No leader right now".to_string(),
    };
    let live = summary.live;
    let stale: Vec<String> = summary
        .stale
        .iter()
        .map(|(id, term)| format!("{id} (term {term})"))
        .collect();
    html! {
        <div class="inspector-body summary">
            <h2 data-leader={summary.leader.map(|(id, _)| id.to_string()).unwrap_or_default()}>{ headline }</h2>
            <p>{ format!("{live} of {} servers up · a majority is {}", summary.servers, raftsim::majority(summary.servers)) }</p>
            if !stale.is_empty() {
                <p class="warn" data-stale-leaders={stale.join(", ")}>
                    { format!("Still acting as leader of an older term: {}", stale.join(", ")) }
                </p>
            }
            <p class="hint">
                { "Click a server (or press 1–9) to see its state from Figure 2 of the paper and to crash it, restart it, time it out or send it a write. Click a message to read it or drop it; click a link to cut it. New to Raft? Tour (G) tells it step by step." }
            </p>
        </div>
    }
}

/// One `name value` line of a state table.
fn field(name: &'static str, paper: bool, value: impl Into<Html>) -> Html {
    html! {
        <>
            <dt class={classes!(paper.then_some("paper"))}>{ name }</dt>
            <dd>{ value.into() }</dd>
        </>
    }
}

fn in_or_ago(t: Time, now: Time) -> String {
    match t.cmp(&now) {
        std::cmp::Ordering::Greater => format!("in {}", fmt_ms(t - now)),
        std::cmp::Ordering::Equal => "now".to_string(),
        std::cmp::Ordering::Less => format!("{} ago", fmt_ms(now - t)),
    }
}

fn view_node_state(
    n: &Node,
    sim: &Sim,
    dispatch: &Callback<AppAction>,
    on_write: &Callback<()>,
) -> Html {
    let id = n.id;
    let now = sim.now();
    let op = |op: NodeOp| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(AppAction::World(WorldAction::Node(op, Some(id))))
        })
    };
    let write = {
        let on_write = on_write.clone();
        Callback::from(move |_: MouseEvent| on_write.emit(()))
    };
    let role = if n.crashed {
        "crashed".to_string()
    } else {
        n.role.to_string()
    };
    let timer = if n.crashed {
        "stopped (crashed)".to_string()
    } else if n.role == Role::Leader {
        format!(
            "heartbeat {} (every {})",
            in_or_ago(n.heartbeat_due, now),
            fmt_ms(sim.config().heartbeat_interval_us)
        )
    } else {
        format!(
            "election timeout {} (of {})",
            in_or_ago(n.election_deadline, now),
            fmt_ms(n.election_deadline.saturating_sub(n.election_timer_start))
        )
    };
    let last = match n.log.last() {
        Some(e) => format!("{} entries, last term {}", n.log.len(), e.term),
        None => "empty".to_string(),
    };
    let leader_state = if !n.crashed && n.role == Role::Leader {
        let followers: Vec<&Node> = sim.nodes().iter().filter(|p| p.id != id).collect();
        let row = |name: &'static str, values: &[u64]| {
            html! {
                <tr>
                    <th scope="row" class="paper">{ name }</th>
                    { for values.iter().map(|v| html! { <td>{ v }</td> }) }
                </tr>
            }
        };
        let next: Vec<u64> = followers
            .iter()
            .map(|p| n.next_index.get(p.id.index()).copied().unwrap_or(0))
            .collect();
        let matched: Vec<u64> = followers
            .iter()
            .map(|p| n.match_index.get(p.id.index()).copied().unwrap_or(0))
            .collect();
        html! {
            <table class="repl-table" data-leader-state="">
                <thead>
                    <tr>
                        <th scope="col">{ "leader state" }</th>
                        { for followers.iter().map(|p| html! { <th scope="col">{ p.id.to_string() }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    { row("nextIndex", &next) }
                    { row("matchIndex", &matched) }
                </tbody>
            </table>
        }
    } else {
        Html::default()
    };
    let candidate_state = if !n.crashed && n.role == Role::Candidate {
        field(
            "votes",
            false,
            format!(
                "{} of {} needed, from {}",
                n.votes_granted.len(),
                n.quorum(),
                names(&n.votes_granted)
            ),
        )
    } else {
        Html::default()
    };
    let can_time_out = !n.crashed && n.role != Role::Leader;
    // Its links, as buttons: the keyboard's and the touch screen's way to cut one.
    let links = sim.nodes().iter().filter(|p| p.id != id).map(|p| {
        let peer = p.id;
        let state = link_state(sim.network(), id, peer);
        let toggle = {
            let dispatch = dispatch.clone();
            Callback::from(move |_: MouseEvent| {
                dispatch.emit(AppAction::World(WorldAction::ToggleLink(id, peer)))
            })
        };
        let title = match state {
            "cut" => format!("The link {id}–{peer} is cut: restore it"),
            "down" => format!("The link {id}–{peer} is down (partition): cut it too"),
            _ => format!("Cut the link {id}–{peer}"),
        };
        html! {
            <button class={classes!("link-toggle", state)} data-link-toggle={peer.to_string()}
                    aria-pressed={(state == "cut").to_string()} {title} onclick={toggle}>
                { peer.to_string() }
            </button>
        }
    });
    html! {
        <div class={classes!("inspector-body", look_class(n))} data-inspect={id.to_string()}>
            <div class="inspector-head">
                <h2>
                    <span class={classes!("dot", look_class(n))} aria-hidden="true"></span>
                    { format!("{id} · {role}") }
                </h2>
                <div class="actions">
                    if n.crashed {
                        <button class="act restart" data-action="restart" onclick={op(NodeOp::Restart)}>{ "Restart" }</button>
                    } else {
                        <button class="act crash" data-action="crash" onclick={op(NodeOp::Crash)}>{ "Crash" }</button>
                    }
                    <button class="act" data-action="timeout" disabled={!can_time_out} onclick={op(NodeOp::Timeout)}
                            title="Fire its election timer now">{ "Time out" }</button>
                    <button class="act" data-action="write" disabled={n.crashed} onclick={write}>{ format!("Write to {id}") }</button>
                </div>
            </div>
            <div class="fig2-columns">
                <dl class="fig2">
                    <dt class="group">{ "persistent" }</dt><dd class="group"></dd>
                    { field("currentTerm", true, n.current_term.to_string()) }
                    { field("votedFor", true, n.voted_for.map_or("null".to_string(), |v| v.to_string())) }
                    { field("log[]", true, last) }
                </dl>
                <dl class="fig2">
                    <dt class="group">{ "volatile" }</dt><dd class="group"></dd>
                    { field("commitIndex", true, n.commit_index.to_string()) }
                    { field("lastApplied", true, n.last_applied.to_string()) }
                    { field("leader", false, n.leader_id.map_or("unknown".to_string(), |l| l.to_string())) }
                </dl>
            </div>
            <dl class="fig2">
                { field("timer", false, timer) }
                { candidate_state }
                { field("applied", false, kv_text(n)) }
                <dt>{ "links" }</dt>
                <dd class="links">{ for links }</dd>
            </dl>
            { leader_state }
        </div>
    }
}

fn view_packet_fields(p: &Packet, sim: &Sim, dispatch: &Callback<AppAction>) -> Html {
    let id = p.id;
    let drop = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(AppAction::World(WorldAction::DropPacket(Some(id))))
        })
    };
    let addr = |a: Addr| match a {
        Addr::Node(n) => n.to_string(),
        Addr::Client => "client".to_string(),
    };
    let mut fields: Vec<Html> = Vec::new();
    let title = match &p.payload {
        Payload::Rpc(rpc) => {
            fields.push(field("term", true, rpc.term().to_string()));
            match rpc {
                Rpc::RequestVote {
                    last_log_index,
                    last_log_term,
                    ..
                } => {
                    fields.push(field("lastLogIndex", true, last_log_index.to_string()));
                    fields.push(field("lastLogTerm", true, last_log_term.to_string()));
                    "RequestVote"
                }
                Rpc::RequestVoteReply { vote_granted, .. } => {
                    fields.push(field("voteGranted", true, vote_granted.to_string()));
                    "RequestVote reply"
                }
                Rpc::AppendEntries {
                    prev_log_index,
                    prev_log_term,
                    entries,
                    leader_commit,
                    ..
                } => {
                    fields.push(field("prevLogIndex", true, prev_log_index.to_string()));
                    fields.push(field("prevLogTerm", true, prev_log_term.to_string()));
                    let list = if entries.is_empty() {
                        "[] (a heartbeat)".to_string()
                    } else {
                        let shown: Vec<String> = entries
                            .iter()
                            .take(6)
                            .map(|e| format!("t{} {}", e.term, short_command(&e.command)))
                            .collect();
                        let more = entries.len().saturating_sub(6);
                        if more > 0 {
                            format!("[{}, … {more} more]", shown.join(", "))
                        } else {
                            format!("[{}]", shown.join(", "))
                        }
                    };
                    fields.push(field("entries[]", true, list));
                    fields.push(field("leaderCommit", true, leader_commit.to_string()));
                    if entries.is_empty() {
                        "AppendEntries (heartbeat)"
                    } else {
                        "AppendEntries"
                    }
                }
                Rpc::AppendEntriesReply {
                    success,
                    match_index,
                    ..
                } => {
                    fields.push(field("success", true, success.to_string()));
                    fields.push(field("matchIndex", false, match_index.to_string()));
                    "AppendEntries reply"
                }
                Rpc::PreVote {
                    last_log_index,
                    last_log_term,
                    ..
                } => {
                    fields.push(field("lastLogIndex", true, last_log_index.to_string()));
                    fields.push(field("lastLogTerm", true, last_log_term.to_string()));
                    "PreVote"
                }
                Rpc::PreVoteReply { vote_granted, .. } => {
                    fields.push(field("voteGranted", true, vote_granted.to_string()));
                    "PreVote reply"
                }
            }
        }
        Payload::ClientRequest {
            write,
            command,
            tag,
        } => {
            fields.push(field("write", false, format!("#{write}")));
            fields.push(field("command", false, command.to_string()));
            let session = format!(
                "client {}, sequence number {} (awaits answers from {} on)",
                tag.client, tag.seq, tag.awaits_from
            );
            fields.push(field("session", false, session));
            "Client write"
        }
        Payload::ClientReply { write, answer } => {
            fields.push(field("write", false, format!("#{write}")));
            let text = match answer {
                ClientAnswer::Committed {
                    index,
                    value,
                    duplicate,
                } => {
                    let again = if *duplicate {
                        "; a duplicate, not applied again"
                    } else {
                        ""
                    };
                    format!("committed at index {index}, value {value}{again}")
                }
                ClientAnswer::Redirect { leader: Some(l) } => format!("not the leader; try {l}"),
                ClientAnswer::Redirect { leader: None } => {
                    "not the leader; no leader known".to_string()
                }
            };
            fields.push(field("answer", false, text));
            "Answer to the client"
        }
    };
    let now = sim.now();
    let lost = lost_on_arrival(sim, p);
    html! {
        <div class="inspector-body packet-info" data-inspect-packet={id.to_string()}>
            <h2>{ format!("{title}: {} → {}", addr(p.from), addr(p.to)) }</h2>
            <div class="actions">
                <button class="act crash" data-action="drop" onclick={drop}>{ "Drop this message" }</button>
            </div>
            <dl class="fig2">
                { for fields }
                { field("sent", false, in_or_ago(p.sent_at, now)) }
                { field("arrives", false, in_or_ago(p.deliver_at, now)) }
            </dl>
            if lost {
                <p class="warn">{ "It will be lost on arrival: the link is down or the receiver is crashed." }</p>
            }
            <p class="hint">{ "Paused so you can read it. Space plays on." }</p>
        </div>
    }
}
