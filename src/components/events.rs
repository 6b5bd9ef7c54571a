//! The event log (most recent first, in plain words, with the rule behind each event) and the
//! live status of Raft's safety properties. Both read the core's trace and checker.

use crate::model::action::{AppAction, ClockAction, PageAction};
use crate::model::sim_ref::SimRef;
use raftsim::{fmt_ms, Event, EventKind, Invariant, Sim};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Most events shown.
const SHOWN_EVENTS: usize = 30;

/// The shortest an event's row can be, in root ems (two lines of small text and its padding),
/// so the log draws no more rows than its box can show: at nine servers under writes most of
/// the rows are new at every redraw.
const MIN_ROW_REM: f64 = 2.5;

/// How many rows of the log fit its box `el`, with one row to spare.
fn rows_fitting(el: &web_sys::Element) -> usize {
    let rem = web_sys::window()
        .and_then(|w| {
            let root = w.document()?.document_element()?;
            let size = w
                .get_computed_style(&root)
                .ok()??
                .get_property_value("font-size");
            // Whole pixels are close enough, and reading a float would bring in its tables.
            let size = size.ok()?;
            let whole = size.split(['.', 'p']).next()?;
            whole.parse::<u16>().ok().filter(|px| *px > 0)
        })
        .unwrap_or(16);
    let rows = (f64::from(el.client_height()) / (MIN_ROW_REM * f64::from(rem))).ceil() as usize + 1;
    rows.clamp(4, SHOWN_EVENTS)
}

#[derive(Properties)]
pub struct EventsProps {
    pub sim: SimRef,
    pub show_traffic: bool,
    /// Whether clicking an event goes to its instant (free play's run; not the tour).
    #[prop_or_default]
    pub seekable: bool,
    pub dispatch: Callback<AppAction>,
}

impl PartialEq for EventsProps {
    /// The log changes only when the trace grows (it is append-only) or the filter flips, so a
    /// frame that only moved messages along does not redraw it.
    fn eq(&self, other: &EventsProps) -> bool {
        let (a, b) = (self.sim.trace(), other.sim.trace());
        a.len() == b.len()
            && a.iter().next_back() == b.iter().next_back()
            && self.show_traffic == other.show_traffic
            && self.seekable == other.seekable
    }
}

#[component]
pub fn EventLog(props: &EventsProps) -> Html {
    let sim: &Sim = &props.sim;
    let show_traffic = props.show_traffic;
    // As many rows as the box shows, measured whenever it changes size.
    let list = use_node_ref();
    let shown = use_state_eq(|| SHOWN_EVENTS);
    {
        let list = list.clone();
        let shown = shown.clone();
        use_effect_with((), move |_| {
            let watch = list.cast::<web_sys::Element>().and_then(|el| {
                let measure = Closure::<dyn FnMut()>::new({
                    let el = el.clone();
                    move || shown.set(rows_fitting(&el))
                });
                let observer =
                    web_sys::ResizeObserver::new(measure.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, measure))
            });
            move || {
                if let Some((observer, _measure)) = watch {
                    observer.disconnect();
                }
            }
        });
    }
    let view = |e: &Event| view_event(e, props.seekable.then_some(&props.dispatch));
    let events: Html = if show_traffic {
        sim.trace().iter().rev().take(*shown).map(view).collect()
    } else {
        sim.trace().notable().rev().take(*shown).map(view).collect()
    };
    let toggle = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: web_sys::Event| {
            dispatch.emit(AppAction::Page(PageAction::ToggleTraffic))
        })
    };
    html! {
        <section class="panel events-panel">
            <div class="panel-head">
                <h2>{ "Events" }</h2>
                <label class="toggle">
                    <input type="checkbox" checked={show_traffic} onchange={toggle} />
                    { "show messages and heartbeats" }
                </label>
            </div>
            <ol class="events" ref={list} aria-live="off" data-count={sim.trace().len().to_string()}>
                { events }
            </ol>
        </section>
    }
}

/// One event; with `seek`, clicking it (or Enter on it) goes to its instant.
fn view_event(e: &Event, seek: Option<&Callback<AppAction>>) -> Html {
    let class = classes!(
        "event",
        match e.kind {
            EventKind::RoleChanged { .. }
            | EventKind::TermAdvanced { .. }
            | EventKind::PreVoteStarted { .. } => "ev-role",
            EventKind::VoteGranted { .. }
            | EventKind::VoteReceived { .. }
            | EventKind::PreVoteGranted { .. }
            | EventKind::PreVoteReceived { .. } => "ev-vote",
            EventKind::VoteDenied { .. }
            | EventKind::AppendRejected { .. }
            | EventKind::PreVoteDenied { .. } => "ev-deny",
            EventKind::CommitAdvanced { .. } | EventKind::Applied { .. } => "ev-commit",
            EventKind::Crashed | EventKind::MessageDropped { .. } => "ev-bad",
            EventKind::EntriesTruncated { .. }
            | EventKind::VoteForgotten { .. }
            | EventKind::ConflictKept { .. } => "ev-bad",
            _ => "ev-other",
        },
        e.rule
            .text
            .starts_with(raftsim::trace::rules::BROKEN)
            .then_some("ev-broken")
    );
    let kind = match e.kind {
        EventKind::DuplicateSkipped { .. } | EventKind::DuplicateRequest { .. } => {
            Some("duplicate")
        }
        EventKind::ClientRetried { .. } => Some("retry"),
        _ => None,
    };
    let at = e.at;
    let onclick = seek.map(|d| d.reform(move |_: MouseEvent| ClockAction::Seek(at).into()));
    let onkeydown = seek.map(|d| {
        let d = d.clone();
        Callback::from(move |k: KeyboardEvent| {
            if k.key() == "Enter" {
                d.emit(ClockAction::Seek(at).into());
            }
        })
    });
    html! {
        <li {class} key={e.seq.to_string()} data-seq={e.seq.to_string()} data-at-us={at.to_string()}
            data-kind={kind} role={seek.map(|_| "button")} tabindex={seek.map(|_| "0")} {onclick} {onkeydown}
            title={seek.map(|_| "Go to this instant")}>
            <span class="at">{ fmt_ms(e.at) }</span>
            <span class="text">{ e.describe() }</span>
            <span class="rule">
                <span class="section">{ e.rule.section }</span>
                { " " }{ e.rule.text }
            </span>
        </li>
    }
}

#[derive(Properties)]
pub struct SafetyProps {
    pub sim: SimRef,
    /// Whether "go to the moment" can move the clock (free play's run; not the tour).
    #[prop_or_default]
    pub seekable: bool,
    #[prop_or_default]
    pub dispatch: Callback<AppAction>,
}

impl PartialEq for SafetyProps {
    fn eq(&self, other: &SafetyProps) -> bool {
        self.sim.violations() == other.sim.violations() && self.seekable == other.seekable
    }
}

/// The title of a property: "Election Safety" from "Election Safety: at most one leader…".
fn title_of(invariant: Invariant) -> String {
    let text = invariant.to_string();
    text.split(':').next().unwrap_or_default().to_string()
}

/// Raft's safety properties, checked by the core after every step: each with its status, and
/// the latest violation said in full (what, when, and which rule broken on purpose allowed it),
/// with a way to go to that moment.
#[component]
pub fn Safety(props: &SafetyProps) -> Html {
    let violations = props.sim.violations();
    let count = violations.len().to_string();
    let chips = Invariant::ALL.iter().map(|&inv| {
        let broken = violations.iter().any(|v| v.invariant == inv);
        let status = if broken { "violated" } else { "ok" };
        html! {
            <li class={classes!("property", status, (!inv.in_figure_3()).then_some("extra"))}
                data-invariant={inv.name()} data-status={status} title={inv.to_string()}>
                <span class="mark" aria-hidden="true">{ if broken { "✗" } else { "✓" } }</span>
                { title_of(inv) }
            </li>
        }
    });
    let latest = violations.last().map(|v| {
        let at = v.at;
        let goto = props.seekable.then(|| {
            let onclick = props.dispatch.reform(move |_: MouseEvent| ClockAction::Seek(at).into());
            html! {
                <button data-action="goto-violation" {onclick}
                        title="Show the world at the instant the checker caught it">{ "go to the moment" }</button>
            }
        });
        let allowed = (!v.broken_rules.is_empty()).then(|| {
            html! {
                <p class="allowed" data-broken-rules={v.broken_rules.names().join(" ")}>
                    { format!("Allowed by a rule broken on purpose: {}.", v.broken_rules.names().join(", ")) }
                </p>
            }
        });
        html! {
            <div class="violation" data-invariant={v.invariant.name()} data-at-us={at.to_string()}>
                <p><strong>{ format!("{} at {}", title_of(v.invariant), fmt_ms(at)) }</strong>
                   { format!(": {}", v.detail) }</p>
                { for allowed }
                { for goto }
            </div>
        }
    });
    let (class, head) = if violations.is_empty() {
        (
            "ok",
            "Safety holds: every property checked after every step",
        )
    } else {
        ("broken", "A safety property broke")
    };
    html! {
        <section class={classes!("panel", "safety", class)} data-violations={count}
                 role={(!violations.is_empty()).then_some("alert")}>
            <h2>{ head }</h2>
            <ul class="properties">{ for chips }</ul>
            { for latest }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftsim::Config;

    #[test]
    fn late_replies_are_traffic_and_elections_are_not() {
        let mut sim = Sim::new(Config {
            seed: 5,
            ..Config::default()
        })
        .expect("valid");
        sim.advance_by(2_000_000);
        let late: Vec<&Event> = sim
            .trace()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::StaleReplyIgnored { .. }))
            .collect();
        assert!(!late.is_empty(), "votes arrive after the win");
        assert!(late.into_iter().all(Event::is_traffic));
        let won = sim
            .trace()
            .iter()
            .find(|e| matches!(e.kind, EventKind::RoleChanged { .. }))
            .expect("an election");
        assert!(!won.is_traffic());
    }
}
