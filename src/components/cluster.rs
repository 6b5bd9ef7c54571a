//! The drawing: servers on a ring with their timers, the links between them, partition walls,
//! the client in the middle and every message in flight. It takes the world as a prop and draws
//! it; clicks go out through optional callbacks. The tour reuses it as is.

use super::{link_state, look_class, lost_on_arrival, svg_line};
use crate::geometry::{
    self, fixed, packet_track, polygon_points, px, remaining_fraction, ring_dash, trimmed, Layout,
    Point, CENTER, CLIENT_HALF_H, CLIENT_HALF_W, NODE_R, TIMER_R, VIEW_H, VIEW_W,
};
use crate::model::marks::Marks;
use crate::model::sim_ref::SimRef;
use crate::model::Selection;
use raftsim::{
    Addr, ClientAnswer, Network, Node, NodeId, Packet, PacketId, Payload, Role, Rpc, Sim, Time,
};
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// How long (simulated) a server's ring glows after its election timer was reset.
const RESET_GLOW_US: Time = 12_000;
/// Below this fraction left, an election timer is drawn as about to fire.
const URGENT_FRACTION: f64 = 0.25;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub sim: SimRef,
    #[prop_or_default]
    pub marks: Rc<Marks>,
    #[prop_or_default]
    pub selected: Option<Selection>,
    /// While a partition is being drawn up: the servers picked for one side.
    #[prop_or_default]
    pub draft: Option<BTreeSet<NodeId>>,
    #[prop_or_default]
    pub on_node: Callback<NodeId>,
    #[prop_or_default]
    pub on_packet: Callback<PacketId>,
    /// A link was clicked: (lower id, higher id).
    #[prop_or_default]
    pub on_link: Callback<(NodeId, NodeId)>,
    /// The empty background was clicked.
    #[prop_or_default]
    pub on_background: Callback<()>,
    /// False for a drawing that only shows (no pointer cursor, nothing focusable).
    #[prop_or(true)]
    pub interactive: bool,
}

/// The whole drawing.
#[component]
pub fn ClusterView(props: &ClusterProps) -> Html {
    let sim: &Sim = &props.sim;
    let count = sim.nodes().len();
    let groups: Vec<Vec<usize>> = sim
        .network()
        .partition_groups()
        .map(|gs| {
            gs.iter()
                .map(|g| g.iter().map(|id| id.index()).collect())
                .collect()
        })
        .unwrap_or_default();
    let layout = use_memo((count, groups), |(count, groups)| {
        Layout::new(*count, groups)
    });
    let now = sim.now();
    let hl = &props.marks;
    let on_background = props.on_background.clone();
    let background = Callback::from(move |_: MouseEvent| on_background.emit(()));
    let selected_node = match props.selected {
        Some(Selection::Node(id)) => Some(id),
        _ => None,
    };
    let selected_packet = match props.selected {
        Some(Selection::Packet(id)) => Some(id),
        _ => None,
    };
    let heartbeat_us = sim.config().heartbeat_interval_us;
    let nodes = sim.nodes().iter().map(|n| {
        let look = NodeLook {
            at: layout.node(n.id.index()),
            now,
            heartbeat_us,
            selected: selected_node == Some(n.id),
            parts: NodeParts::of(hl, n.id),
            picked: props.draft.as_ref().map(|d| d.contains(&n.id)),
            interactive: props.interactive,
        };
        view_node(n, &look, &props.on_node)
    });
    let slots = use_mut_ref(Slots::default);
    let flying: Vec<&Packet> = sim.in_flight().collect();
    let placed = slots
        .borrow_mut()
        .place(&flying.iter().map(|p| p.id).collect::<Vec<_>>());
    let packets = placed.into_iter().enumerate().map(|(slot, shows)| {
        let view = shows.map(|i| {
            let p = flying[i];
            let look = PacketLook {
                selected: selected_packet == Some(p.id),
                highlighted: hl.packet(p),
            };
            view_packet(p, &layout, sim, look, &props.on_packet)
        });
        html! {
            <g key={slot} class={classes!("packet-wrap", view.is_none().then_some("idle"))}>
                { view.unwrap_or_else(idle_packet) }
            </g>
        }
    });
    let class = classes!(
        "cluster",
        props.interactive.then_some("interactive"),
        props.draft.is_some().then_some("drafting")
    );
    html! {
        <svg class={class} viewBox={format!("0 0 {} {}", px(VIEW_W), px(VIEW_H))} role="group"
             aria-label="The Raft cluster: servers, links and messages in flight"
             data-now-us={now.to_string()} preserveAspectRatio="xMidYMid meet">
            <rect class="backdrop" x="0" y="0" width={px(VIEW_W)} height={px(VIEW_H)}
                  onclick={background} />
            <g class="links">{ view_links(sim.network(), &layout, count, hl, &props.on_link) }</g>
            <g class={classes!("walls", hl.walls.then_some("highlighted"))}>
                { for layout.walls.iter().map(view_wall) }
            </g>
            { view_client(hl.client) }
            // Messages go under the servers: a crowd of them near a leader never covers a
            // server's name or its term and vote (messages stop short of the timer ring).
            <g class="packets">{ for packets }</g>
            <g class="nodes">{ for nodes }</g>
        </svg>
    }
}

/// Which parts of one server are highlighted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct NodeParts {
    node: bool,
    role: bool,
    term: bool,
    vote: bool,
    /// Its timer ring, whatever it times.
    timer: bool,
    /// Its heartbeat ring: drawn only while it leads.
    heartbeat: bool,
}

impl NodeParts {
    fn of(hl: &Marks, id: NodeId) -> NodeParts {
        NodeParts {
            node: hl.nodes.contains(&id),
            role: hl.roles.contains(&id),
            term: hl.terms.contains(&id),
            vote: hl.votes.contains(&id),
            timer: hl.timers.contains(&id),
            heartbeat: hl.heartbeats.contains(&id),
        }
    }
}

/// Everything about a server's surroundings its drawing needs.
struct NodeLook {
    at: Point,
    now: Time,
    heartbeat_us: Time,
    selected: bool,
    parts: NodeParts,
    /// Some(picked?) while a partition is being drawn up.
    picked: Option<bool>,
    interactive: bool,
}

/// One server: its body (shape by role), timer ring, name, role word and, below, term and vote.
fn view_node(n: &Node, look: &NodeLook, on_node: &Callback<NodeId>) -> Html {
    let id = n.id;
    let kind = look_class(n);
    let now = look.now;
    let onclick = {
        let on_node = on_node.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_node.emit(id);
        })
    };
    let onkeydown = {
        let on_node = on_node.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                e.stop_propagation();
                on_node.emit(id);
            }
        })
    };
    // The running timer: a leader's heartbeat, everyone else's election timeout.
    let (ring_class, fraction) = if n.crashed {
        ("ring", 0.0)
    } else if n.role == Role::Leader {
        let start = n.heartbeat_due.saturating_sub(look.heartbeat_us);
        (
            "ring heartbeat",
            remaining_fraction(start, n.heartbeat_due, now),
        )
    } else {
        let f = remaining_fraction(n.election_timer_start, n.election_deadline, now);
        (
            if f < URGENT_FRACTION {
                "ring election urgent"
            } else {
                "ring election"
            },
            f,
        )
    };
    let glow_age = now.checked_sub(n.election_timer_start);
    let glow = match glow_age {
        Some(age) if !n.crashed && n.role != Role::Leader && age < RESET_GLOW_US => {
            let opacity = 1.0 - age as f64 / RESET_GLOW_US as f64;
            html! { <circle class="reset-glow" r={px(TIMER_R + 7.0)}
            opacity={fixed(opacity, 2)} /> }
        }
        _ => Html::default(),
    };
    let body = match (n.crashed, n.role) {
        (true, _) => html! {
            <>
                <circle class="body" r={px(NODE_R)} />
                <path class="cross" d="M -34 -34 L 34 34 M 34 -34 L -34 34" />
            </>
        },
        (false, Role::Follower) => html! { <circle class="body" r={px(NODE_R)} /> },
        (false, Role::Candidate) => {
            html! { <polygon class="body" points={polygon_points(4, NODE_R + 9.0, 0.0)} /> }
        }
        (false, Role::Leader) => {
            html! { <polygon class="body" points={polygon_points(6, NODE_R + 5.0, 0.0)} /> }
        }
    };
    let votes = if !n.crashed && n.role == Role::Candidate {
        let quorum = n.quorum();
        let got = n.votes_granted.len();
        let spacing = 12.0;
        let x0 = -(quorum as f64 - 1.0) * spacing / 2.0;
        html! {
            <g class="pips" transform="translate(0 31)">
                { for (0..quorum).map(|i| html! {
                    <circle class={if i < got { "pip got" } else { "pip" }}
                            cx={px(x0 + i as f64 * spacing)} r="4.5" />
                }) }
            </g>
        }
    } else {
        Html::default()
    };
    let word = if n.crashed {
        "CRASHED"
    } else {
        match n.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "LEADER",
        }
    };
    let (word_y, name_y) = if n.role == Role::Candidate && !n.crashed {
        (16.0, -8.0)
    } else {
        (24.0, 2.0)
    };
    // Below the server: its term, then whom it voted for (a candidate: the votes it has).
    let term_text = format!("term {}", n.current_term);
    let vote_text = if !n.crashed && n.role == Role::Candidate {
        format!("votes {}/{}", n.votes_granted.len(), n.quorum())
    } else {
        match n.voted_for {
            Some(v) => format!("voted {v}"),
            None => "no vote".to_string(),
        }
    };
    let detail = format!("{term_text} · {vote_text}");
    let parts = look.parts;
    // A heartbeat ring is drawn only around a leader that is up.
    let heartbeat_shown = parts.heartbeat && !n.crashed && n.role == Role::Leader;
    let ring_highlighted = parts.timer || heartbeat_shown;
    let hl_names: Vec<&str> = [
        (parts.node, "node"),
        (parts.role, "role"),
        (parts.term, "term"),
        (parts.vote, "vote"),
        (parts.timer, "timer"),
        (heartbeat_shown, "heartbeat"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    let badge = match look.picked {
        Some(true) => html! {
            <g class="picked-badge" transform={format!("translate({} {})", fixed(NODE_R, 0), fixed(-NODE_R, 0))}>
                <circle r="16" /><text y="6">{ "A" }</text>
            </g>
        },
        _ => Html::default(),
    };
    let class = classes!(
        "node",
        kind,
        look.selected.then_some("selected"),
        parts.node.then_some("highlighted"),
        (look.picked == Some(true)).then_some("picked")
    );
    let label = format!("{id}, {word}, {detail}");
    html! {
        <g class={class} key={id.to_string()}
           data-node={id.to_string()} data-role={n.shown_role().name()} data-term={n.current_term.to_string()}
           data-crashed={n.crashed.to_string()}
           data-voted-for={n.voted_for.map(|v| v.to_string()).unwrap_or_default()}
           data-votes={n.votes_granted.len().to_string()}
           data-hl={(!hl_names.is_empty()).then(|| hl_names.join(" "))}
           transform={format!("translate({} {})", px(look.at.x), px(look.at.y))}
           tabindex={look.interactive.then_some("0")} role="button" aria-label={label}
           {onclick} {onkeydown}>
            <circle class="halo" r={px(TIMER_R + 16.0)} />
            // A highlighted ring gets a wide accent band under its dark track, so the running
            // arc stays as readable as ever.
            if ring_highlighted {
                <circle class="ring-hl" r={px(TIMER_R)} />
            }
            <circle class={classes!("ring-track", ring_highlighted.then_some("highlighted"))}
                    r={px(TIMER_R)} />
            <circle class={ring_class} r={px(TIMER_R)} transform="rotate(-90)"
                    stroke-dasharray={ring_dash(TIMER_R, fraction)}
                    data-fraction={fixed(fraction, 3)} />
            { glow }
            { body }
            <text class="name" y={px(name_y)}>{ id.to_string() }</text>
            <text class={classes!("word", parts.role.then_some("highlighted"))}
                  y={px(word_y)}>{ word }</text>
            { votes }
            // The role in words again, under the server: shown instead of the word inside when
            // the reading text is large (the stage layout), where it would not fit in the body.
            <text class={classes!("role-below", parts.role.then_some("highlighted"))}
                  y={px(TIMER_R + 31.0)}>{ word }</text>
            <text class={classes!("detail", (parts.term || parts.vote).then_some("highlighted"))}
                  y={px(TIMER_R + 32.0)}>
                <tspan class={classes!("term-part", parts.term.then_some("highlighted"))}>{ term_text }</tspan>
                { " · " }
                <tspan class={classes!("vote-part", parts.vote.then_some("highlighted"))}>{ vote_text }</tspan>
            </text>
            { badge }
        </g>
    }
}

/// The lines between servers. A link is up, cut by hand (dashed, with scissors), or down because
/// of a partition (faint). Every link can be clicked to cut or restore it.
fn view_links(
    net: &Network,
    layout: &Layout,
    count: usize,
    hl: &Marks,
    on_link: &Callback<(NodeId, NodeId)>,
) -> Html {
    let mut out = Vec::with_capacity(count * count / 2);
    for i in 0..count {
        for j in i + 1..count {
            let (a, b) = (NodeId::from_index(i), NodeId::from_index(j));
            let (s, e) = trimmed(layout.node(i), layout.node(j), TIMER_R, TIMER_R);
            let state = link_state(net, a, b);
            let onclick = {
                let on_link = on_link.clone();
                Callback::from(move |ev: MouseEvent| {
                    ev.stop_propagation();
                    on_link.emit((a, b));
                })
            };
            // Named, or cut by hand while the partition walls are (both are walls of a kind).
            let highlighted = hl.links.contains(&(a, b)) || (state == "cut" && hl.walls);
            let mid = s.lerp(e, 0.5);
            let title = if state == "cut" {
                format!("Link {a}–{b} is cut: click to restore it")
            } else {
                format!("Link {a}–{b}: click to cut it")
            };
            out.push(html! {
                <g class={classes!("link", state, highlighted.then_some("highlighted"))}
                   key={format!("{a}-{b}")} data-link={format!("{a}-{b}")} data-state={state} {onclick}>
                    <title>{ title }</title>
                    { svg_line(classes!("hit"), s, e) }
                    { svg_line(classes!("wire"), s, e) }
                    if state == "cut" {
                        <g class="scissors" transform={format!("translate({} {})", px(mid.x), px(mid.y))}>
                            <circle r="15" /><text y="6">{ "✂" }</text>
                        </g>
                    }
                </g>
            });
        }
    }
    out.into_iter().collect()
}

/// A partition boundary.
fn view_wall(w: &geometry::Wall) -> Html {
    html! { <g class="wall">{ svg_line(Classes::new(), w.inner, w.outer) }</g> }
}

/// The client, in the middle: it reaches every server whatever the partition.
fn view_client(highlighted: bool) -> Html {
    html! {
        <g class={classes!("client", highlighted.then_some("highlighted"))}
           transform={format!("translate({} {})", px(CENTER.x), px(CENTER.y))} data-client="">
            <rect x={px(-CLIENT_HALF_W)} y={px(-CLIENT_HALF_H)}
                  width={px(2.0 * CLIENT_HALF_W)} height={px(2.0 * CLIENT_HALF_H)}
                  rx="12" />
            <text y="8">{ "client" }</text>
        </g>
    }
}

/// How a message looks: a CSS kind, its text, and whether it is a small dot or a labelled pill.
pub fn packet_look(p: &Packet, sim: &Sim) -> (&'static str, String, bool) {
    match &p.payload {
        Payload::Rpc(rpc) => match rpc {
            Rpc::RequestVote { .. } => ("rv", "vote?".to_string(), true),
            Rpc::RequestVoteReply {
                vote_granted: true, ..
            } => ("vote-yes", "✓ vote".to_string(), true),
            Rpc::RequestVoteReply { .. } => ("vote-no", "✗ vote".to_string(), true),
            Rpc::AppendEntries { entries, .. } if entries.is_empty() => {
                ("hb", "♥".to_string(), false)
            }
            Rpc::AppendEntries { entries, .. } => ("ae", format!("AE +{}", entries.len()), true),
            Rpc::AppendEntriesReply { success: true, .. } => ("ae-ok", "✓".to_string(), false),
            Rpc::AppendEntriesReply { .. } => ("ae-no", "✗".to_string(), false),
            Rpc::PreVote { .. } => ("rv", "pre-vote?".to_string(), true),
            Rpc::PreVoteReply {
                vote_granted: true, ..
            } => ("vote-yes", "✓ pre-vote".to_string(), true),
            Rpc::PreVoteReply { .. } => ("vote-no", "✗ pre-vote".to_string(), true),
        },
        Payload::ClientRequest { command, .. } => ("creq", command.to_string(), true),
        Payload::ClientReply { write, answer } => match answer {
            ClientAnswer::Committed { value, .. } => {
                let key = (*write as usize)
                    .checked_sub(1)
                    .and_then(|i| sim.clients().get(i))
                    .map(|w| w.command.key().to_string());
                let text = match key {
                    Some(k) => format!("✓ {k} = {value}"),
                    None => format!("✓ {value}"),
                };
                ("crep", text, true)
            }
            ClientAnswer::Redirect { leader: Some(l) } => ("credir", format!("try {l}"), true),
            ClientAnswer::Redirect { leader: None } => ("credir", "no leader".to_string(), true),
        },
    }
}

/// Where an address is drawn.
fn addr_point(addr: Addr, layout: &Layout) -> Point {
    match addr {
        Addr::Node(id) => layout.node(id.index()),
        Addr::Client => CENTER,
    }
}

/// Which message each drawn slot of the drawing shows. A slot keeps its elements from frame to
/// frame: a message that arrives leaves its slot to the next one sent, which then changes a
/// few attributes, where building and removing elements for every message cost most of a
/// frame's changes to the page (messages at 1× live one or two frames).
#[derive(Default)]
struct Slots(Vec<Option<PacketId>>);

impl Slots {
    /// Gives each message of `ids` a slot, the one it had if it had one (else the first free),
    /// and frees the slots of messages gone. For each slot, the index in `ids` of the message it shows.
    fn place(&mut self, ids: &[PacketId]) -> Vec<Option<usize>> {
        // Linear scans: a few dozen messages fly at once, and a map would weigh more in the page.
        for slot in &mut self.0 {
            if slot.is_some_and(|id| !ids.contains(&id)) {
                *slot = None;
            }
        }
        let mut free = 0;
        for &id in ids {
            if self.0.contains(&Some(id)) {
                continue;
            }
            while self.0.get(free).is_some_and(Option::is_some) {
                free += 1;
            }
            match self.0.get_mut(free) {
                Some(slot) => *slot = Some(id),
                None => self.0.push(Some(id)),
            }
        }
        // Idle slots at the end wait for the next messages, up to a margin over those flying.
        let keep = 4 * ids.len() + 24;
        while self.0.len() > keep && self.0.last() == Some(&None) {
            self.0.pop();
        }
        self.0
            .iter()
            .map(|slot| slot.and_then(|id| ids.iter().position(|&i| i == id)))
            .collect()
    }
}

/// How a message is marked: picked in the inspector, or pointed at by the tour.
struct PacketLook {
    selected: bool,
    highlighted: bool,
}

/// A slot showing no message: the same elements as a message, hidden, kept for the next one.
fn idle_packet() -> Html {
    html! {
        <>
            <line class="trail" />
            <g class="slot">
                <circle class="hit" r="24" />
                <rect class="shape" />
                <text y="6">{ "" }</text>
            </g>
        </>
    }
}

/// One message in flight, with a faint trail back to where it came from.
fn view_packet(
    p: &Packet,
    layout: &Layout,
    sim: &Sim,
    look: PacketLook,
    on_packet: &Callback<PacketId>,
) -> Html {
    let PacketLook {
        selected,
        highlighted,
    } = look;
    let (kind, text, pill) = packet_look(p, sim);
    let (start, _end, at) = packet_track(
        addr_point(p.from, layout),
        addr_point(p.to, layout),
        p.from == Addr::Client,
        p.to == Addr::Client,
        p.sent_at,
        p.deliver_at,
        sim.now(),
    );
    let doomed = lost_on_arrival(sim, p);
    let id = p.id;
    let onclick = {
        let on_packet = on_packet.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_packet.emit(id);
        })
    };
    // A pill sized to its text, or a dot: a rounded square as round as a circle (one kind of
    // element for both, so a slot can show either).
    let (w, h) = if pill {
        (18.0 + 10.2 * text.chars().count() as f64, 32.0)
    } else {
        (28.0, 28.0)
    };
    let shape = html! {
        <rect class="shape" x={px(-w / 2.0)} y={px(-h / 2.0)} width={px(w)} height={px(h)}
              rx={px(h / 2.0)} />
    };
    let class = classes!(
        "packet",
        kind,
        doomed.then_some("doomed"),
        selected.then_some("selected"),
        highlighted.then_some("highlighted")
    );
    html! {
        <>
            { svg_line(classes!("trail", kind), start, at) }
            <g {class} data-packet={id.to_string()} data-kind={kind}
               transform={format!("translate({} {})", px(at.x), px(at.y))} {onclick}>
                <circle class="hit" r="24" />
                { shape }
                <text y="6">{ text }</text>
            </g>
        </>
    }
}

/// The key to the drawing.
#[component]
pub fn Legend() -> Html {
    let item = |glyph: Html, text: &'static str| {
        html! {
            <li class="legend-item">
                <svg viewBox="-22 -22 44 44" class="legend-glyph" aria-hidden="true">{ glyph }</svg>
                { text }
            </li>
        }
    };
    let pill = |kind: &'static str, glyph: &'static str, text: &'static str| {
        html! {
            <li class="legend-item">
                <span class={classes!("pill", kind)}>{ glyph }</span>{ text }
            </li>
        }
    };
    html! {
        <div class="legend" aria-label="Key to the drawing">
            <ul>
                { item(html! { <circle class="lg follower" r="16" /> }, "follower") }
                { item(html! { <polygon class="lg candidate" points={polygon_points(4, 19.0, 0.0)} /> }, "candidate") }
                { item(html! { <polygon class="lg leader" points={polygon_points(6, 18.0, 0.0)} /> }, "leader") }
                { item(html! { <><circle class="lg crashed" r="16" /><path class="lg-cross" d="M -11 -11 L 11 11 M 11 -11 L -11 11" /></> }, "crashed") }
                { item(html! { <circle class="lg-ring" r="15" transform="rotate(-90)" stroke-dasharray={ring_dash(15.0, 0.7)} /> }, "election timer") }
                { item(html! { <circle class="lg-ring heartbeat" r="15" transform="rotate(-90)" stroke-dasharray={ring_dash(15.0, 0.7)} /> }, "heartbeat timer") }
                { item(html! { <line class="lg-wall" x1="-16" y1="16" x2="16" y2="-16" /> }, "partition / cut link") }
            </ul>
            <ul>
                { pill("rv", "vote?", "RequestVote") }
                { pill("vote-yes", "✓ vote", "granted") }
                { pill("vote-no", "✗ vote", "refused") }
                { pill("hb", "♥", "heartbeat") }
                { pill("ae", "AE +2", "entries") }
                { pill("ae-ok", "✓", "append ok") }
                { pill("vote-no", "✗", "append refused") }
                { pill("creq", "SET x 5", "client") }
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_parts_follow_its_sets() {
        let hl = Marks {
            roles: BTreeSet::from([NodeId(1)]),
            terms: BTreeSet::from([NodeId(1)]),
            timers: BTreeSet::from([NodeId(2)]),
            heartbeats: BTreeSet::from([NodeId(3)]),
            ..Marks::default()
        };
        let s1 = NodeParts::of(&hl, NodeId(1));
        assert!(s1.role && s1.term && !s1.vote && !s1.timer && !s1.node);
        assert!(NodeParts::of(&hl, NodeId(2)).timer);
        assert!(!NodeParts::of(&hl, NodeId(1)).timer);
        assert!(NodeParts::of(&hl, NodeId(3)).heartbeat);
    }

    #[test]
    fn a_message_keeps_its_slot_and_a_free_slot_goes_to_the_next_one() {
        let mut slots = Slots::default();
        assert_eq!(slots.place(&[1, 2, 3]), [Some(0), Some(1), Some(2)]);
        // 2 arrived and 4 was sent: 4 takes 2's slot, the others stay where they were.
        assert_eq!(slots.place(&[1, 3, 4]), [Some(0), Some(2), Some(1)]);
        assert_eq!(slots.0, [Some(1), Some(4), Some(3)]);
        // 1 and then 3 arrived: their slots stay, empty, for the next messages.
        assert_eq!(slots.place(&[3, 4]), [None, Some(1), Some(0)]);
        assert_eq!(slots.place(&[4]), [None, Some(0), None]);
        assert_eq!(slots.place(&[4, 5, 6]), [Some(1), Some(0), Some(2)]);
        // Empty slots beyond a margin over the messages flying go.
        let many: Vec<PacketId> = (10..40).collect();
        assert_eq!(slots.place(&many).len(), 30);
        assert_eq!(slots.place(&[]).len(), 24);
    }
}
