//! The timeline under the drawing: the whole run so far, one lane per server showing its role
//! over time (the drawing's colours, with a pattern for candidates and crashes), its term where
//! it changes, the network's bad stretches, the client's writes and the leaders' commits as
//! ticks, and what the person at the keyboard did as markers. Clicking or dragging anywhere on
//! it goes to that instant.

use crate::model::action::WorldAction;
use crate::model::action::{AppAction, ClockAction};
use crate::model::chronicle::{Chronicle, Tick};
use crate::model::sim_ref::HistoryRef;
use crate::params::fmt_duration;
use raftsim::scenario::{ScriptStep, StepAction};
use raftsim::{fmt_ms, Action, NodeId, Time};
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// Ticks closer than this fraction of the width are drawn as one.
const TICK_BUCKETS: u64 = 400;
/// A term is written on a segment at least this wide (percent of the width).
const TERM_LABEL_MIN_PCT: f64 = 2.5;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub chronicle: Rc<Chronicle>,
    pub history: HistoryRef,
    /// The instant shown.
    pub now: Time,
    /// How far Back goes.
    pub tick: Time,
    /// More controls at the end of the row under the lanes.
    #[prop_or_default]
    pub children: Html,
    pub dispatch: Callback<AppAction>,
}

/// Percent of the way from 0 to `end`.
fn pct(t: Time, end: Time) -> f64 {
    if end == 0 {
        0.0
    } else {
        (t.min(end) as f64 / end as f64) * 100.0
    }
}

fn left(p: f64) -> String {
    format!("left:{p:.3}%")
}

/// The instant under a pointer event on the tracks (Yew delegates events, so the element comes
/// from its own reference, not from the event).
fn instant_at(tracks: &NodeRef, e: &PointerEvent, end: Time) -> Option<Time> {
    let el = tracks.cast::<web_sys::Element>()?;
    let rect = el.get_bounding_client_rect();
    if rect.width() <= 0.0 {
        return None;
    }
    let f = ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
    Some((f * end as f64).round() as Time)
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
        StepAction::Act(Action::Drop { packet }) => format!("drop message #{packet}"),
        StepAction::Act(Action::Cut { from, to, .. }) => format!("cut {from}–{to}"),
        StepAction::Act(Action::Restore { from, to, .. }) => format!("restore {from}–{to}"),
        _ => step.name.clone(),
    }
}

fn view_ticks(ticks: &[Tick], end: Time, class: &'static str) -> Html {
    let buckets: BTreeSet<u64> = ticks
        .iter()
        .map(|t| {
            if end == 0 {
                0
            } else {
                (t.at.min(end) as u128 * u128::from(TICK_BUCKETS) / end as u128) as u64
            }
        })
        .collect();
    buckets
        .into_iter()
        .map(|b| {
            let p = b as f64 * 100.0 / TICK_BUCKETS as f64;
            html! { <i class={classes!("tick", class)} style={left(p)}></i> }
        })
        .collect::<Html>()
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let chronicle = &props.chronicle;
    let history = &props.history;
    let end = history.end().max(props.now);
    let now = props.now;
    let tracks = use_node_ref();
    let seek = {
        let d = props.dispatch.clone();
        let tracks = tracks.clone();
        move |e: &PointerEvent| {
            if let Some(t) = instant_at(&tracks, e, end) {
                d.emit(ClockAction::Seek(t).into());
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
    let clock = |a: ClockAction| {
        let a = AppAction::Clock(a);
        props.dispatch.reform(move |_: MouseEvent| a.clone())
    };
    let lanes = chronicle.lanes.iter().enumerate().map(|(i, lane)| {
        let id = NodeId::from_index(i);
        let segments = lane.iter().enumerate().map(|(k, s)| {
            let until = lane.get(k + 1).map_or(end, |n| n.from);
            let (a, b) = (pct(s.from, end), pct(until, end));
            let changed = k == 0 || lane[k - 1].term != s.term;
            let label = (changed && b - a >= TERM_LABEL_MIN_PCT && s.term > 0).then(|| {
                html! { <span class="term" style={left(a)}>{ format!("T{}", s.term) }</span> }
            });
            html! {
                <>
                    <div class={classes!("seg", s.look.class())} data-look={s.look.class()}
                         data-term={s.term.to_string()} data-from-us={s.from.to_string()}
                         style={format!("left:{a:.3}%;width:{:.3}%", (b - a).max(0.15))}></div>
                    { for label }
                </>
            }
        });
        html! {
            <div class="lane" data-lane={id.to_string()}>{ for segments }</div>
        }
    });
    let trouble = network_trouble(history.script(), end);
    let actions = history.script().iter().map(|step| {
        let text = format!("{} at {}", describe(step), fmt_ms(step.at));
        html! {
            <i class="you-mark" data-act={step.name.clone()} style={left(pct(step.at, end))}
               data-at-us={step.at.to_string()} title={text.clone()} aria-label={text}></i>
        }
    });
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
            <div class="tracks" ref={tracks} data-timeline="" data-start-us="0" data-end-us={end.to_string()}
                 {onpointerdown} {onpointermove}>
                { for lanes }
                <div class="lane net">
                    { for trouble.into_iter().map(|(a, b)| {
                        let (a, b) = (pct(a, end), pct(b, end));
                        html! { <div class="seg trouble" style={format!("left:{a:.3}%;width:{:.3}%", (b - a).max(0.3))}></div> }
                    }) }
                </div>
                <div class="lane client">
                    { view_ticks(&chronicle.writes, end, "write") }
                    { view_ticks(&chronicle.commits, end, "commit") }
                </div>
                <div class="lane acts">{ for actions }</div>
                <div class="cursor" data-timeline-cursor="" data-time-us={now.to_string()}
                     style={left(pct(now, end))}></div>
            </div>
            <div class="axis">
                <button data-action="to-start" onclick={clock(ClockAction::ToStart)} disabled={now == 0}
                        title="The run's start (Home)" aria-label="Go to the start">{ "|◀" }</button>
                <button data-action="step-back" onclick={clock(ClockAction::StepBack)} disabled={now == 0}
                        title="Back one tick (←); Shift+← goes back to the previous event"
                        aria-label={format!("Back {}", fmt_duration(props.tick))}>{ "◀ back" }</button>
                <span class="at">{ format!("showing {} of {}", fmt_ms(now), fmt_ms(end)) }</span>
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
