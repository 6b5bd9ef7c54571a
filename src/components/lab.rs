//! The safety lab: switches that break one of Raft's rules on purpose (to watch the checker
//! catch the damage) and switch on what real systems add to the paper's protocol. Each is part
//! of the run's configuration, so changing one replays the run from its start with it.

use crate::model::action::{AppAction, WorldAction};
use raftsim::{BrokenRule, BrokenRules, Protocol, ProtocolOption};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LabProps {
    /// The rules the run breaks.
    pub rules: BrokenRules,
    /// The options the run has on.
    pub protocol: Protocol,
    pub dispatch: Callback<AppAction>,
}

/// `vote_twice` → "vote twice".
fn words(name: &str) -> String {
    name.replace('_', " ")
}

#[component]
pub fn Lab(props: &LabProps) -> Html {
    let broken = BrokenRule::ALL
        .iter()
        .filter(|r| props.rules.contains(**r))
        .count();
    let options = ProtocolOption::ALL
        .iter()
        .filter(|o| props.protocol.get(**o))
        .count();
    let rules = BrokenRule::ALL.iter().map(|&rule| {
        let onchange = props.dispatch.reform(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            WorldAction::SetRule(rule, input.checked()).into()
        });
        let on = props.rules.contains(rule);
        html! {
            <label class={classes!("switch", "rule", on.then_some("on"))}>
                <input type="checkbox" data-rule={rule.name()} checked={on} {onchange} />
                <span class="what"><strong>{ words(rule.name()) }</strong>
                    <span class="section">{ format!(" {}", rule.section()) }</span></span>
                <span class="why">{ rule.warning() }</span>
            </label>
        }
    });
    let protocol = ProtocolOption::ALL.iter().map(|&option| {
        let onchange = props.dispatch.reform(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            WorldAction::SetOption(option, input.checked()).into()
        });
        let on = props.protocol.get(option);
        html! {
            <label class={classes!("switch", on.then_some("on"))}>
                <input type="checkbox" data-protocol={option.name()} checked={on} {onchange} />
                <span class="what"><strong>{ words(option.name()) }</strong>
                    <span class="section">{ format!(" {}", option.section()) }</span></span>
                <span class="why">{ option.description() }</span>
            </label>
        }
    });
    let summary = match (broken, options) {
        (0, 0) => "Safety lab: Raft as in the paper".to_string(),
        (b, o) => format!(
            "Safety lab: {b} rule{} broken, {o} option{} on",
            if b == 1 { "" } else { "s" },
            if o == 1 { "" } else { "s" }
        ),
    };
    html! {
        <details class={classes!("panel", "lab", (broken > 0).then_some("breaking"))}>
            <summary data-action="lab">{ summary }</summary>
            <fieldset>
                <legend>{ "Break a rule (to see why it is there)" }</legend>
                { for rules }
            </fieldset>
            <fieldset>
                <legend>{ "Add what real systems add" }</legend>
                { for protocol }
            </fieldset>
            <p class="hint">{ "A change replays the run from its start with it: the same actions at the same instants, and only Raft's own decisions differ." }</p>
        </details>
    }
}
