//! The client: type `SET x 5` or `ADD x 2`, pick a server, send. Below, the latest writes and
//! what became of them (pending, redirected, committed at an index).

use crate::model::action::{AppAction, WorldAction};
use crate::model::sim_ref::SimRef;
use raftsim::{ClientWrite, NodeId, WriteStatus};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Writes listed under the box, newest first.
const SHOWN_WRITES: usize = 4;

#[derive(Properties)]
pub struct ClientProps {
    pub sim: SimRef,
    pub text: AttrValue,
    pub target: NodeId,
    pub error: Option<AttrValue>,
    pub dispatch: Callback<AppAction>,
    pub input_ref: NodeRef,
}

impl PartialEq for ClientProps {
    /// Redrawn only when the writes, the servers' crashed flags or the box itself changed.
    fn eq(&self, other: &ClientProps) -> bool {
        let up = |p: &ClientProps| p.sim.nodes().iter().map(|n| n.crashed).collect::<Vec<_>>();
        self.text == other.text
            && self.target == other.target
            && self.error == other.error
            && self.dispatch == other.dispatch
            && self.input_ref == other.input_ref
            && (self.sim == other.sim
                || (self.sim.clients() == other.sim.clients() && up(self) == up(other)))
    }
}

#[component]
pub fn ClientPanel(props: &ClientProps) -> Html {
    let dispatch = &props.dispatch;
    let oninput = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatch.emit(AppAction::World(WorldAction::SetClientText(input.value())));
        })
    };
    let onsubmit = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            dispatch.emit(AppAction::World(WorldAction::SendWrite));
        })
    };
    let onchange = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(id) = NodeId::parse(&select.value()) {
                dispatch.emit(AppAction::World(WorldAction::SetClientTarget(id)));
            }
        })
    };
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        // Keys typed here are text, not page shortcuts (Escape still leaves the box).
        if e.key() != "Escape" {
            e.stop_propagation();
        }
    });
    let example = |text: &'static str| {
        let dispatch = dispatch.clone();
        let input_ref = props.input_ref.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            dispatch.emit(AppAction::World(WorldAction::SetClientText(
                text.to_string(),
            )));
            if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
        html! { <button type="button" class="chip" {onclick}>{ text }</button> }
    };
    let sim = &props.sim;
    let options = sim.nodes().iter().map(|n| {
        let label = if n.crashed {
            format!("{} (crashed)", n.id)
        } else {
            n.id.to_string()
        };
        html! {
            <option value={n.id.to_string()} selected={n.id == props.target}>{ label }</option>
        }
    });
    let writes = sim
        .clients()
        .iter()
        .rev()
        .take(SHOWN_WRITES)
        .map(|w| view_write(w, props.target, dispatch));
    html! {
        <section class="panel client-panel">
            <h2>{ "Client" }</h2>
            <form class="client-form" {onsubmit}>
                <input ref={props.input_ref.clone()} id="client-command" class="command" type="text"
                       value={props.text.clone()} {oninput} {onkeydown}
                       placeholder="SET x 5" aria-label="Command, e.g. SET x 5 or ADD x 2"
                       aria-invalid={props.error.is_some().to_string()} aria-describedby="client-error"
                       autocomplete="off" spellcheck="false" maxlength="64" />
                <label class="to">{ "to" }
                    <select id="client-target" {onchange} aria-label="Server to send to">{ for options }</select>
                </label>
                <button type="submit" class="primary" data-action="send">{ "Send" }</button>
            </form>
            <p id="client-error" class={classes!("client-error", props.error.is_none().then_some("empty"))}
               role="alert">
                { props.error.clone().unwrap_or_default() }
            </p>
            <div class="chips">
                { example("SET x 5") }{ example("ADD x 2") }{ example("SET y 1") }
            </div>
            <ol class="writes" reversed=true>{ for writes }</ol>
        </section>
    }
}

fn view_write(w: &ClientWrite, target: NodeId, dispatch: &Callback<AppAction>) -> Html {
    let path = w
        .sent_to
        .iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(" → ");
    let (class, status) = match &w.status {
        WriteStatus::Pending => ("pending", "waiting for an answer…".to_string()),
        WriteStatus::Committed { index, value, .. } => (
            "committed",
            format!(
                "✓ committed at index {index}: {} = {value}",
                w.command.key()
            ),
        ),
        WriteStatus::Redirected {
            leader: Some(l), ..
        } => ("redirected", format!("turned away: try {l}")),
        WriteStatus::Redirected { leader: None, .. } => {
            ("redirected", "turned away: no leader known".to_string())
        }
    };
    let retry = (w.status == WriteStatus::Pending).then(|| {
        let id = w.id;
        let onclick =
            dispatch.reform(move |_: MouseEvent| AppAction::World(WorldAction::RetryWrite(id)));
        html! {
            <button type="button" class="chip retry" data-action="retry" {onclick}
                    title={format!("Send write #{id} again to {target}, with the same sequence number: the cluster applies it at most once (§8)")}>
                { format!("Retry to {target}") }
            </button>
        }
    });
    let sent = (w.retries > 0).then(|| format!(" (sent {}×)", w.retries + 1));
    let duplicate = w.duplicate.then(|| {
        html! {
            <span class="duplicate" data-duplicate="true">
                { "a copy sent again was recognised as a duplicate and not applied again (§8)" }
            </span>
        }
    });
    html! {
        <li class={classes!("write", class)} data-write={w.id.to_string()} data-status={class}
            data-retries={w.retries.to_string()}>
            <span class="what">{ format!("#{} {}", w.id, w.command) }</span>
            <span class="path">{ format!("→ {path}{}", sent.unwrap_or_default()) }</span>
            <span class="status">{ status }</span>
            { for duplicate }
            { for retry }
        </li>
    }
}
