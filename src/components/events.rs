//! The event log (most recent first, in plain words, with the rule behind each event) and the
//! live status of Raft's safety properties. Both read the core's trace and checker.

use crate::model::action::{AppAction, ClockAction, PageAction};
use crate::model::sim_ref::SimRef;
use raftsim::{fmt_ms, DropReason, Event, EventKind, Sim, Timer};
use yew::prelude::*;

/// Events shown.
const SHOWN_EVENTS: usize = 30;

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

/// Routine traffic: messages sent, delivered, or lost to the network (every heartbeat across a
/// partition is one), heartbeat rounds, and late replies set aside (a vote arriving after the
/// election was won). Many per heartbeat, so hidden unless asked for; a message dropped by hand
/// is always shown.
pub fn is_traffic(e: &Event) -> bool {
    match &e.kind {
        EventKind::MessageSent { .. }
        | EventKind::MessageDelivered { .. }
        | EventKind::StaleReplyIgnored { .. } => true,
        EventKind::MessageDropped { reason, .. } => *reason != DropReason::DroppedByUser,
        EventKind::TimerFired { timer } => *timer == Timer::Heartbeat,
        _ => false,
    }
}

#[component]
pub fn EventLog(props: &EventsProps) -> Html {
    let sim: &Sim = &props.sim;
    let show_traffic = props.show_traffic;
    let events = sim
        .trace()
        .iter()
        .rev()
        .filter(|e| show_traffic || !is_traffic(e))
        .take(SHOWN_EVENTS)
        .map(|e| view_event(e, props.seekable.then_some(&props.dispatch)));
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
            <ol class="events" aria-live="off" data-count={sim.trace().len().to_string()}>
                { for events }
            </ol>
        </section>
    }
}

/// One event; with `seek`, clicking it (or Enter on it) goes to its instant.
fn view_event(e: &Event, seek: Option<&Callback<AppAction>>) -> Html {
    let class = classes!(
        "event",
        match e.kind {
            EventKind::RoleChanged { .. } | EventKind::TermAdvanced { .. } => "ev-role",
            EventKind::VoteGranted { .. } | EventKind::VoteReceived { .. } => "ev-vote",
            EventKind::VoteDenied { .. } | EventKind::AppendRejected { .. } => "ev-deny",
            EventKind::CommitAdvanced { .. } | EventKind::Applied { .. } => "ev-commit",
            EventKind::Crashed | EventKind::MessageDropped { .. } => "ev-bad",
            EventKind::EntriesTruncated { .. } => "ev-bad",
            _ => "ev-other",
        }
    );
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
            role={seek.map(|_| "button")} tabindex={seek.map(|_| "0")} {onclick} {onkeydown}
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
}

impl PartialEq for SafetyProps {
    fn eq(&self, other: &SafetyProps) -> bool {
        self.sim.violations() == other.sim.violations()
    }
}

/// Whether Raft's safety properties hold, checked by the core after every step.
#[component]
pub fn Safety(props: &SafetyProps) -> Html {
    let violations = props.sim.violations();
    let count = violations.len().to_string();
    if violations.is_empty() {
        html! {
            <section class="panel safety ok" data-violations={count}>
                <span class="mark" aria-hidden="true">{ "✓" }</span>
                <span>{ "Safety holds: one leader per term, logs agree, committed entries stay" }</span>
            </section>
        }
    } else {
        html! {
            <section class="panel safety broken" data-violations={count} role="alert">
                <span class="mark" aria-hidden="true">{ "✗" }</span>
                <ul>
                    { for violations.iter().rev().take(3).map(|v| html! { <li>{ v.to_string() }</li> }) }
                </ul>
            </section>
        }
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
        assert!(late.into_iter().all(is_traffic));
        let won = sim
            .trace()
            .iter()
            .find(|e| matches!(e.kind, EventKind::RoleChanged { .. }))
            .expect("an election");
        assert!(!is_traffic(won));
    }
}
