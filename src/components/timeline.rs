//! The timeline under the drawing: the whole run so far, one lane per server showing its role
//! over time (the drawing's colours, with a pattern for candidates and crashes), its term where
//! it changes, the network's bad stretches, the client's writes and the leaders' commits as
//! ticks, and what the person at the keyboard did as markers. Clicking or dragging anywhere on
//! it goes to that instant.
//!
//! Zoomed in (`Z`), it shows a short stretch up to the instant shown; at a second or less,
//! every message becomes an arrow from its sender's lane to its receiver's (the client has a
//! lane too): the space-time diagram drawn on the board in distributed-systems courses. Clicking
//! an arrow goes to the moment that message is in flight and selects it.

use crate::geometry::{fixed, px};
use crate::model::action::{AppAction, ClockAction, PageAction, WorldAction};
use crate::model::chronicle::{Chronicle, Segment, Tick};
use crate::model::sim_ref::{HistoryRef, SimRef};
use crate::params::{fmt_duration, ZOOMS};
use raftsim::chunks::Chunks;
use raftsim::scenario::{ScriptStep, StepAction};
use raftsim::{fmt_ms, Action, Addr, EventKind, NodeId, PacketSummary, Time, US_PER_MS};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

/// Ticks closer than about this fraction of the width are drawn as one (`Window::bucket`).
const TICK_BUCKETS: u64 = 400;
/// A term is written on a segment at least this wide (percent of the width).
const TERM_LABEL_MIN_PCT: f64 = 2.5;

/// A window of at most this many microseconds draws messages as arrows.
const ARROWS_UP_TO_US: Time = 1_000 * US_PER_MS;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub chronicle: Rc<Chronicle>,
    pub history: HistoryRef,
    /// The world shown (its trace and messages in flight give the arrows).
    pub sim: SimRef,
    /// Index into `params::ZOOMS`.
    #[prop_or_default]
    pub zoom: usize,
    /// The instant shown.
    pub now: Time,
    /// How far Back goes.
    pub tick: Time,
    /// More controls at the end of the row under the lanes.
    #[prop_or_default]
    pub children: Html,
    pub dispatch: Callback<AppAction>,
}

/// The stretch of the run drawn, `[start, end]`.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Window {
    start: Time,
    end: Time,
}

impl Window {
    /// The whole run, or a stretch `width` long that shows the instant `now`: the one that
    /// started at `kept` while `now` is still in it (so going to an instant inside the window,
    /// or dragging across it, does not move it), else the one that ends at `now` (playing on
    /// scrolls it along).
    fn new(width: Option<Time>, now: Time, end: Time, kept: Option<Time>) -> Window {
        match width {
            Some(w) if w < end => {
                let start = kept
                    .filter(|&s| s <= now && now <= s + w)
                    .unwrap_or(now.saturating_sub(w));
                Window {
                    start,
                    end: start + w,
                }
            }
            _ => Window {
                start: 0,
                end: whole_end(end),
            },
        }
    }

    fn width(self) -> Time {
        self.end - self.start
    }

    /// Percent of the way across, clamped to the window.
    fn pct(self, t: Time) -> f64 {
        if self.width() == 0 {
            return 0.0;
        }
        let t = t.clamp(self.start, self.end) - self.start;
        t as f64 / self.width() as f64 * 100.0
    }

    fn overlaps(self, from: Time, until: Time) -> bool {
        until >= self.start && from <= self.end
    }

    /// The custom properties the marks are placed by (`at`, `span`): the window's start in
    /// milliseconds and its scale in percent of the width per millisecond. A window that moves
    /// changes these two numbers and leaves every mark's own style as it was, so nothing else is
    /// written to the page; the whole run's window changes only now and then (`whole_end`), since
    /// every mark under it is styled again when it does.
    fn vars(self) -> String {
        // The scale in billionths of a percent per millisecond, written out as a decimal.
        let k = 100_000_000_000_000 / self.width().max(1);
        format!(
            "--t0:{};--k:{}.{:09}%",
            ms(self.start),
            k / 1_000_000_000,
            k % 1_000_000_000
        )
    }

    /// The width of a tick bucket: a power of two of microseconds, at least a `TICK_BUCKETS`th
    /// of the window. Buckets are counted from the run's start, so a bucket (and its mark) stays
    /// put as the run grows, until the width doubles.
    fn bucket(self) -> Time {
        self.width()
            .div_ceil(TICK_BUCKETS)
            .max(1)
            .next_power_of_two()
    }
}

/// The end of the whole run's window: the run's end rounded up to a multiple of a power of two
/// at least a 64th of it. The window then changes a few dozen times while the run doubles
/// instead of every frame, and the stretch after the run's end (at most about 3% of the width)
/// stays empty.
fn whole_end(end: Time) -> Time {
    let unit = (end / 64).max(1).next_power_of_two();
    end.div_ceil(unit) * unit
}

/// An instant in milliseconds, as CSS reads it: `1234.567`.
fn ms(t: Time) -> String {
    format!("{}.{:03}", t / US_PER_MS, t % US_PER_MS)
}

/// A mark's place across the tracks: the instant `t` on the window set by `Window::vars`.
fn at(t: Time) -> String {
    format!("left:calc(({} - var(--t0)) * var(--k))", ms(t))
}

/// A stretch's place and width, at least `min` wide.
fn span(from: Time, until: Time, min: &str) -> String {
    format!(
        "{};width:max({min}, calc(({} - {}) * var(--k)))",
        at(from),
        ms(until),
        ms(from)
    )
}

/// One message over the window: who sent it when, and where it ended.
struct Flight {
    from: Addr,
    to: Addr,
    sent: Time,
    /// When it arrived or was lost; None while still in flight.
    ended: Option<Time>,
    lost: bool,
    look: &'static str,
}

/// Where an address is on the arrows' scale: the middle of its server's lane; the client is
/// the bottom edge of the servers' lanes.
fn row_of(addr: Addr, servers: usize) -> f64 {
    match addr {
        Addr::Node(id) => id.index() as f64 + 0.5,
        Addr::Client => servers as f64,
    }
}

/// The drawing's class for a message of this summary.
fn look_of(summary: &PacketSummary) -> &'static str {
    match summary {
        PacketSummary::RequestVote { .. } => "rv",
        PacketSummary::VoteReply { granted: true, .. } => "vote-yes",
        PacketSummary::VoteReply { .. } => "vote-no",
        PacketSummary::AppendEntries { entries: 0, .. } => "hb",
        PacketSummary::AppendEntries { .. } => "ae",
        PacketSummary::AppendReply { success: true, .. } => "ae-ok",
        PacketSummary::AppendReply { .. } => "ae-no",
        PacketSummary::ClientRequest { .. } => "creq",
        PacketSummary::ClientReply { .. } => "crep",
        PacketSummary::PreVote { .. } => "rv",
        PacketSummary::PreVoteReply { granted: true, .. } => "vote-yes",
        PacketSummary::PreVoteReply { .. } => "vote-no",
    }
}

/// Every message of the window as an arrow over the lanes, from the world's trace; one still in
/// flight at the instant shown stops part way, at the cursor.
fn view_arrows(
    sim: &SimRef,
    window: Window,
    servers: usize,
    dispatch: &Callback<AppAction>,
) -> Html {
    let mut flights: BTreeMap<u64, Flight> = BTreeMap::new();
    let since = window.start.saturating_sub(ARROWS_UP_TO_US * 10);
    // Only the latest events matter: read back from the newest and stop at the window's start,
    // so a frame costs the window's events, not the whole kept trace.
    let mut recent: Vec<&raftsim::Event> = sim
        .trace()
        .iter()
        .rev()
        .take_while(|e| e.at >= since)
        .collect();
    recent.reverse();
    for e in recent {
        match &e.kind {
            EventKind::MessageSent {
                packet,
                to,
                summary,
                ..
            } => {
                let from = e.node.map_or(Addr::Client, Addr::Node);
                flights.insert(
                    *packet,
                    Flight {
                        from,
                        to: *to,
                        sent: e.at,
                        ended: None,
                        lost: false,
                        look: look_of(summary),
                    },
                );
            }
            EventKind::MessageDelivered { packet, .. } => {
                if let Some(f) = flights.get_mut(packet) {
                    f.ended = Some(e.at);
                }
            }
            EventKind::MessageDropped { packet, .. } => {
                if let Some(f) = flights.get_mut(packet) {
                    f.ended = Some(e.at);
                    f.lost = true;
                }
            }
            _ => {}
        }
    }
    let rows = servers.max(1);
    let arrows = flights.into_iter().filter_map(|(id, f)| {
        let until = f.ended.unwrap_or(sim.now());
        if !window.overlaps(f.sent, until) {
            return None;
        }
        let x1 = window.pct(f.sent) * 10.0;
        let x2 = window.pct(until) * 10.0;
        let (y1, mut y2) = (row_of(f.from, servers), row_of(f.to, servers));
        if f.ended.is_none() {
            // Still in flight at the instant shown: the arrow stops part way, at the cursor.
            let deliver = sim.packet(id).map_or(sim.now(), |p| p.deliver_at);
            let part = sim.now().saturating_sub(f.sent) as f64
                / deliver.saturating_sub(f.sent).max(1) as f64;
            y2 = y1 + (y2 - y1) * part.clamp(0.0, 1.0);
        }
        let d = dispatch.clone();
        let mid = f.sent + until.saturating_sub(f.sent) / 2;
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            d.emit(ClockAction::Seek(mid).into());
            d.emit(WorldAction::SelectPacket(id).into());
        });
        let onpointerdown = Callback::from(|e: PointerEvent| e.stop_propagation());
        let class = classes!(
            "arrow",
            f.look,
            f.lost.then_some("lost"),
            f.ended.is_none().then_some("flying")
        );
        Some(html! {
            <g {class} data-packet={id.to_string()} {onclick} {onpointerdown}>
                <line x1={px(x1)} y1={fixed(y1, 2)} x2={px(x2)} y2={fixed(y2, 2)} />
            </g>
        })
    });
    html! {
        <svg class="spacetime" viewBox={format!("0 0 1000 {rows}")} preserveAspectRatio="none"
             style={format!("height: calc(var(--lane-h) * {rows})")}
             aria-label="Messages over time, from sender to receiver">
            { for arrows }
        </svg>
    }
}

/// The instant under a pointer event on the tracks (Yew delegates events, so the element comes
/// from its own reference, not from the event).
fn instant_at(tracks: &NodeRef, e: &PointerEvent, window: Window) -> Option<Time> {
    let el = tracks.cast::<web_sys::Element>()?;
    let rect = el.get_bounding_client_rect();
    if rect.width() <= 0.0 {
        return None;
    }
    let f = ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
    Some(window.start + (f * window.width() as f64).round() as Time)
}

/// Stretches of the run when the network was not whole (a partition or a cut link), from what
/// was done to it.
fn network_trouble(script: &[ScriptStep], end: Time) -> Vec<(Time, Time)> {
    let mut spans = Vec::new();
    let mut partitioned = false;
    let mut cut: BTreeSet<(NodeId, NodeId)> = BTreeSet::new();
    let mut since: Option<Time> = None;
    for step in script {
        let StepAction::Act(action) = &step.action else {
            continue;
        };
        match action {
            Action::Partition { .. } => partitioned = true,
            Action::Heal => {
                partitioned = false;
                cut.clear();
            }
            Action::Cut { from, to, both } => {
                cut.insert((*from, *to));
                if *both {
                    cut.insert((*to, *from));
                }
            }
            Action::Restore { from, to, both } => {
                cut.remove(&(*from, *to));
                if *both {
                    cut.remove(&(*to, *from));
                }
            }
            _ => continue,
        }
        let bad = partitioned || !cut.is_empty();
        match (bad, since) {
            (true, None) => since = Some(step.at),
            (false, Some(from)) => {
                spans.push((from, step.at));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(from) = since {
        spans.push((from, end));
    }
    spans
}

/// What a script step did, for its marker's tooltip: `crash S2`, `write SET x 5 to S1`.
fn describe(step: &ScriptStep) -> String {
    match &step.action {
        StepAction::Act(Action::Crash { node }) => format!("crash {node}"),
        StepAction::Act(Action::Restart { node }) => format!("restart {node}"),
        StepAction::Act(Action::Timeout { node }) => format!("time out {node}"),
        StepAction::Act(Action::Write { node, command }) => format!("write {command} to {node}"),
        StepAction::Act(Action::Retry { write, node }) => format!("retry write #{write} to {node}"),
        StepAction::Act(Action::Drop { packet }) => format!("drop message #{packet}"),
        StepAction::Act(Action::Cut { from, to, .. }) => format!("cut {from}–{to}"),
        StepAction::Act(Action::Restore { from, to, .. }) => format!("restore {from}–{to}"),
        _ => step.name.clone(),
    }
}

#[derive(Properties)]
struct TicksProps {
    ticks: Chunks<Tick>,
    window: Window,
    class: &'static str,
}

impl PartialEq for TicksProps {
    /// The ticks change only with a new write or commit or another window, not with every
    /// frame: a run's hour of writes is hundreds of buckets to draw again.
    fn eq(&self, other: &TicksProps) -> bool {
        self.ticks.same_blocks(&other.ticks)
            && self.window == other.window
            && self.class == other.class
    }
}

/// The client lane's ticks of one kind (writes sent, or commits).
#[component]
fn Ticks(props: &TicksProps) -> Html {
    view_ticks(&props.ticks, props.window, props.class)
}

fn view_ticks(ticks: &Chunks<Tick>, window: Window, class: &'static str) -> Html {
    // The ticks are in time order: find the first in each bucket by bisection, so a frame costs
    // the buckets drawn, not the run's length.
    let width = window.bucket();
    let mut buckets = Vec::new();
    let mut i = ticks.partition_point(|t| t.at < window.start);
    while let Some(t) = ticks.get(i).filter(|t| t.at <= window.end) {
        let b = t.at / width;
        buckets.push(b);
        let next = (b + 1) * width;
        i = ticks.partition_point(|t| t.at < next).max(i + 1);
    }
    buckets
        .into_iter()
        .map(|b| html! { <i key={b} class={classes!("tick", class)} style={at(b * width)}></i> })
        .collect::<Html>()
}

/// The user's actions in the window as markers. Actions closer together than a tick bucket
/// share a marker per kind of action, so an hour of writes draws a few hundred markers, not
/// thousands; its tooltip counts them.
fn view_actions(script: &[ScriptStep], window: Window) -> Html {
    let width = window.bucket();
    let from = script.partition_point(|s| s.at < window.start);
    let until = script.partition_point(|s| s.at <= window.end);
    let mut marks: Vec<(u64, usize, &ScriptStep, usize)> = Vec::new();
    for (k, step) in script[from..until].iter().enumerate() {
        let b = step.at / width;
        let same = marks
            .iter_mut()
            .rev()
            .take_while(|(mb, ..)| *mb == b)
            .find(|(_, _, s, _)| s.name == step.name);
        match same {
            Some((.., n)) => *n += 1,
            None => marks.push((b, from + k, step, 1)),
        }
    }
    marks
        .into_iter()
        .map(|(_, k, step, n)| {
            let mut text = format!("{} at {}", describe(step), fmt_ms(step.at));
            if n > 1 {
                text.push_str(&format!(" (and {} more like it nearby)", n - 1));
            }
            html! {
                <i key={k} class="you-mark" data-act={step.name.clone()} style={at(step.at)}
                   data-at-us={step.at.to_string()} title={text.clone()} aria-label={text}></i>
            }
        })
        .collect()
}

#[derive(Properties)]
struct ActionsProps {
    history: HistoryRef,
    window: Window,
}

impl PartialEq for ActionsProps {
    /// The markers change only with the script or the window, not with every frame's history.
    fn eq(&self, other: &ActionsProps) -> bool {
        self.history.revision() == other.history.revision() && self.window == other.window
    }
}

/// The "you" lane: the user's actions in the window.
#[component]
fn Actions(props: &ActionsProps) -> Html {
    html! { <div class="lane acts">{ view_actions(props.history.script(), props.window) }</div> }
}

/// An instant of a run lasting `end`: in milliseconds while the run is under ten seconds,
/// in seconds to the millisecond after that (`2159.620 s`), which reads better at a glance.
fn fmt_instant(t: Time, end: Time) -> String {
    let second = 1_000 * US_PER_MS;
    if end < 10 * second {
        fmt_ms(t)
    } else {
        format!("{}.{:03} s", t / second, t % second / US_PER_MS)
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let chronicle = &props.chronicle;
    let history = &props.history;
    let end = history.end().max(props.now);
    let now = props.now;
    // Where the zoomed window started last time, so it stays put while its instant is in it.
    let kept_start = use_mut_ref(|| None::<Time>);
    let width = ZOOMS.get(props.zoom).copied().flatten();
    let window = Window::new(width, now, end, *kept_start.borrow());
    *kept_start.borrow_mut() = width.map(|_| window.start);
    let tracks = use_node_ref();
    let seek = {
        let d = props.dispatch.clone();
        let tracks = tracks.clone();
        move |e: &PointerEvent| {
            // The whole run's window reaches a little past the run's end (`whole_end`).
            if let Some(t) = instant_at(&tracks, e, window) {
                d.emit(ClockAction::Seek(t.min(end)).into());
            }
        }
    };
    let onpointerdown = {
        let seek = seek.clone();
        let tracks = tracks.clone();
        Callback::from(move |e: PointerEvent| {
            if let Some(el) = tracks.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            e.prevent_default();
            seek(&e);
        })
    };
    let onpointermove = Callback::from(move |e: PointerEvent| {
        if e.buttons() & 1 == 1 {
            seek(&e);
        }
    });
    let on_zoom = props.dispatch.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        let i = usize::try_from(select.selected_index()).unwrap_or(0);
        PageAction::Zoom(i).into()
    });
    let clock = |a: ClockAction| {
        let a = AppAction::Clock(a);
        props.dispatch.reform(move |_: MouseEvent| a.clone())
    };
    let lanes = chronicle.lanes.iter().enumerate().map(|(i, lane)| {
        let id = NodeId::from_index(i);
        // Only the segments the window shows: from the one it starts in to the last that
        // begins before it ends.
        let first = lane
            .partition_point(|s| s.from <= window.start)
            .saturating_sub(1);
        let last = lane.partition_point(|s| s.from <= window.end);
        let shown: Vec<(usize, &Segment, Option<Time>)> = lane
            .range(first..last)
            .zip(first..)
            .map(|(s, k)| (k, s, lane.get(k + 1).map(|n| n.from)))
            .filter(|&(_, s, until)| window.overlaps(s.from, until.unwrap_or(end)))
            .collect();
        let segments = shown.iter().map(|&(k, s, until)| {
            html! {
                <div key={k} class={classes!("seg", s.look.class())} data-look={s.look.class()}
                     data-term={s.term.to_string()} data-from-us={s.from.to_string()}
                     style={span(s.from, until.unwrap_or(end), "0.15%")}></div>
            }
        });
        // A term is written where it begins, on a stretch wide enough to hold it.
        let labels = shown.iter().filter_map(|&(k, s, until)| {
            let changed = k == 0 || lane[k - 1].term != s.term;
            let wide = window.pct(until.unwrap_or(end)) - window.pct(s.from) >= TERM_LABEL_MIN_PCT;
            (changed && wide && s.term > 0).then(|| {
                html! {
                    <span key={k} class="term" style={format!("left:max(0%, calc(({} - var(--t0)) * var(--k)))", ms(s.from))}>
                        { format!("T{}", s.term) }
                    </span>
                }
            })
        });
        html! {
            <div class="lane" data-lane={id.to_string()}><>{ for segments }</><>{ for labels }</></div>
        }
    });
    // The network's trouble and the user's actions (`Actions`) come from the script alone, so
    // they are worked out again only when it changes, not at every frame: an hour of writes is
    // thousands of steps. A stretch of trouble still going on ends at the run's end.
    let trouble = {
        let history = history.clone();
        use_memo(history.revision(), move |_| {
            network_trouble(history.script(), Time::MAX)
        })
    };

    let names = (0..chronicle.lanes.len()).map(|i| {
        html! { <span class="lane-name">{ NodeId::from_index(i).to_string() }</span> }
    });
    html! {
        <section class="timeline-panel" aria-label="Timeline: click or drag to go to an instant">
            <div class="lane-names" aria-hidden="true">
                { for names }
                <span class="lane-name small">{ "net" }</span>
                <span class="lane-name small">{ "client" }</span>
                <span class="lane-name small">{ "you" }</span>
            </div>
            <div class="tracks" ref={tracks} data-timeline="" style={window.vars()} data-start-us={window.start.to_string()}
                 data-end-us={window.end.to_string()} data-run-end-us={end.to_string()}
                 {onpointerdown} {onpointermove}>
                { for lanes }
                <div class="lane net">
                    { for trouble.iter().map(|&(a, b)| (a, b.min(end))).filter(|&(a, b)| window.overlaps(a, b)).map(|(a, b)| {
                        html! { <div key={a} class="seg trouble" style={span(a, b, "0.3%")}></div> }
                    }) }
                </div>
                <div class="lane client">
                    <Ticks ticks={chronicle.writes.clone()} {window} class="write" />
                    <Ticks ticks={chronicle.commits.clone()} {window} class="commit" />
                </div>
                <Actions history={history.clone()} {window} />
                if window.width() <= ARROWS_UP_TO_US {
                    { view_arrows(&props.sim, window, chronicle.lanes.len(), &props.dispatch) }
                }
                <div class="cursor" data-timeline-cursor="" data-time-us={now.to_string()}
                     style={at(now)}></div>
            </div>
            <div class="axis">
                <button data-action="to-start" onclick={clock(ClockAction::ToStart)} disabled={now == 0}
                        title="The run's start (Home)" aria-label="Go to the start">{ "|◀" }</button>
                <button data-action="step-back" onclick={clock(ClockAction::StepBack)} disabled={now == 0}
                        title="Back one tick (←); Shift+← goes back to the previous event"
                        aria-label={format!("Back {}", fmt_duration(props.tick))}>{ "◀ back" }</button>
                <span class="at" title="The instant shown, of the latest the run reached">{ format!("{} of {}", fmt_instant(now, end), fmt_instant(end, end)) }</span>
                <select data-control="zoom" onchange={on_zoom} aria-label="Zoom the timeline"
                        title="Zoom: the whole run, or a short stretch up to the instant shown (Z, Shift+Z); at a second or less, messages are arrows">
                    { for ZOOMS.iter().enumerate().map(|(i, w)| html! {
                        <option value={i.to_string()} selected={i == props.zoom}>
                            { w.map_or("whole run".to_string(), |w| format!("last {}", fmt_duration(w))) }
                        </option>
                    }) }
                </select>
                <button data-action="to-end" onclick={clock(ClockAction::ToEnd)} disabled={now >= end}
                        title="The latest instant the run reached (End)" aria-label="Go to the latest instant">{ "▶|" }</button>
                <button data-action="undo" onclick={props.dispatch.reform(|_: MouseEvent| WorldAction::Undo.into())}
                        disabled={!history.can_undo()}
                        title="Undo the last thing done to the cluster (Ctrl+Z); a future cut by acting in the past comes back">{ "↶ undo" }</button>
                { props.children.clone() }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_runs_window_reaches_just_past_its_end_and_changes_now_and_then() {
        assert_eq!(whole_end(0), 0);
        for end in (1..5_000).chain((1..2_000).map(|i| i * 1_234_567)) {
            let w = whole_end(end);
            assert!(w >= end && w - end <= end / 32, "{end} → {w}");
        }
        // While a run doubles (every frame's end, 16 ms apart), its window changes a few dozen
        // times, so its marks are restyled a few dozen times rather than every frame.
        let ends: Vec<Time> = (0..)
            .map(|f| 60_000_000 + f * 16_000)
            .take_while(|&e| e <= 120_000_000)
            .collect();
        let mut windows: Vec<Time> = ends.iter().map(|&e| whole_end(e)).collect();
        windows.dedup();
        assert!(
            ends.len() > 3_000 && windows.len() <= 64,
            "{} windows",
            windows.len()
        );
    }
}
