//! The controls along the top: play / pause, step, speed, tick length, cluster size, seed and
//! reset, help; and the simulated clock.

use crate::model::action::{AppAction, ClockAction, Notice, PageAction, WorldAction};
use crate::params::{self, fmt_duration, NODE_COUNTS, SPEEDS, TICKS_US};
use raftsim::{fmt_ms, Network, NodeId, Time};
use std::collections::BTreeSet;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub speed: usize,
    pub tick: usize,
    pub seed: u64,
    pub nodes: usize,
    pub dispatch: Callback<AppAction>,
    pub on_new_seed: Callback<()>,
}

/// A `<select>` whose change sends the chosen option's index.
fn select_index(dispatch: &Callback<AppAction>, make: fn(usize) -> ClockAction) -> Callback<Event> {
    let dispatch = dispatch.clone();
    Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(i) = usize::try_from(select.selected_index()) {
            dispatch.emit(make(i).into());
        }
    })
}

/// The cluster sizes offered: the usual ones, plus the current size if it is another (a world
/// taken over from the tour may have one server).
pub fn size_options(current: usize) -> Vec<usize> {
    let mut sizes = NODE_COUNTS.to_vec();
    if !sizes.contains(&current) {
        sizes.push(current);
        sizes.sort_unstable();
    }
    sizes
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let d = &props.dispatch;
    let click = |action: AppAction| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.emit(action.clone()))
    };
    let on_nodes = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = select.value().parse::<usize>() {
                d.emit(AppAction::World(WorldAction::Reset {
                    seed: None,
                    nodes: Some(n),
                }));
            }
        })
    };
    // The seed box keeps what is typed until Enter (start over with it) or leaving the box
    // (forget it); re-renders while playing must not overwrite it.
    let typed = use_state(|| None::<String>);
    let on_seed_input = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            typed.set(Some(input.value()));
        })
    };
    let on_seed_key = {
        let d = d.clone();
        let typed = typed.clone();
        Callback::from(move |e: KeyboardEvent| {
            match e.key().as_str() {
                "Escape" => {
                    typed.set(None);
                    return;
                }
                "Enter" => {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    match params::parse_seed(&input.value()) {
                        Ok(seed) => {
                            typed.set(None);
                            d.emit(AppAction::World(WorldAction::Reset {
                                seed: Some(seed),
                                nodes: None,
                            }));
                        }
                        Err(problem) => d.emit(AppAction::Page(PageAction::Notify(Notice::error(
                            format!("{problem}; the seed was not changed."),
                        )))),
                    }
                }
                _ => {}
            }
            // Keys typed here are text, not page shortcuts.
            e.stop_propagation();
        })
    };
    let on_seed_blur = {
        let typed = typed.clone();
        Callback::from(move |_: FocusEvent| typed.set(None))
    };
    let seed_text = (*typed).clone().unwrap_or_else(|| props.seed.to_string());
    let new_seed = {
        let cb = props.on_new_seed.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let tick = params::tick_at(props.tick);
    let (play_icon, play_text) = if props.playing {
        ("❚❚", "Pause")
    } else {
        ("▶", "Play")
    };
    html! {
        <div class="controls" role="toolbar" aria-label="Simulation controls">
            <div class="group transport">
                <button class={classes!("primary", "play", props.playing.then_some("on"))} data-action="play"
                        aria-pressed={props.playing.to_string()} onclick={click(AppAction::Clock(ClockAction::TogglePlay))}
                        title="Play / pause (Space)">
                    <span class="icon" aria-hidden="true">{ play_icon }</span>{ play_text }
                </button>
                <button data-action="step-tick" onclick={click(AppAction::Clock(ClockAction::StepTick))}
                        title="Advance exactly one tick (→ or .)">
                    { format!("Step {}", fmt_duration(tick)) }
                </button>
                <button data-action="step-event" onclick={click(AppAction::Clock(ClockAction::StepEvent))}
                        title="Advance to the next event (N)">{ "Next event" }</button>

            </div>
            <div class="group">
                <label>{ "speed" }
                    <select data-control="speed" onchange={select_index(d, ClockAction::SetSpeed)}>
                        { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                            <option value={s.per_mille.to_string()} selected={i == props.speed}>{ s.label }</option>
                        }) }
                    </select>
                </label>
                <label>{ "tick" }
                    <select data-control="tick" onchange={select_index(d, ClockAction::SetTick)}>
                        { for TICKS_US.iter().enumerate().map(|(i, t)| html! {
                            <option value={t.to_string()} selected={i == props.tick}>{ fmt_duration(*t) }</option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="group">
                <label>{ "servers" }
                    <select data-control="nodes" onchange={on_nodes}>
                        { for size_options(props.nodes).into_iter().map(|n| html! {
                            <option value={n.to_string()} selected={n == props.nodes}>{ n.to_string() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "seed" }
                    <input class="seed" data-control="seed" type="text" inputmode="numeric"
                           value={seed_text} oninput={on_seed_input} onkeydown={on_seed_key}
                           onblur={on_seed_blur} aria-label="Seed: type one and press Enter" />
                </label>
                <button data-action="reset" onclick={click(AppAction::World(WorldAction::Reset { seed: None, nodes: None }))}
                        title="Start over with the same seed (Shift+R)">{ "Reset" }</button>
                <button data-action="new-seed" onclick={new_seed}
                        title="Start over with a new random seed (Shift+N)">{ "New seed" }</button>
            </div>
            <button class="help-button" data-action="help" onclick={click(AppAction::Page(PageAction::ToggleHelp))}
                    title="Keyboard and help (?)" aria-label="Help">{ "?" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ClockProps {
    pub now: Time,
    pub playing: bool,
    pub speed: usize,
    /// Drawn highlighted (a lesson step names the clock).
    #[prop_or_default]
    pub highlighted: bool,
}

/// Simulated time, large.
#[component]
pub fn Clock(props: &ClockProps) -> Html {
    let speed = params::speed_at(props.speed);
    let state = match (props.playing, speed.per_mille) {
        (false, _) => "paused".to_string(),
        (true, 1000) => "playing in real time".to_string(),
        (true, p) if p < 1000 => format!("slow motion, {}", speed.label),
        (true, _) => format!("fast forward, {}", speed.label),
    };
    html! {
        <div class={classes!("clock", props.playing.then_some("running"), props.highlighted.then_some("highlighted"))}
             data-time-us={props.now.to_string()}
             aria-label="Simulated time">
            <span class="value">{ format!("t = {}", clock_text(props.now)) }</span>
            <span class="state">{ state }</span>
        </div>
    }
}

/// Simulated time for the clock: milliseconds with a tenth up to 100 s (`1668.8 ms`), then
/// seconds with a hundredth (`123.45 s`), so the clock keeps its width in long sessions.
pub fn clock_text(now: Time) -> String {
    if now < 100 * raftsim::US_PER_MS * 1000 {
        fmt_ms(now)
    } else {
        let centis = now / 10_000;
        format!("{}.{:02} s", centis / 100, centis % 100)
    }
}

/// The network in a few words: `healthy`, `2 links cut`, `partitioned into 2 groups`.
pub fn network_summary(net: &Network) -> String {
    if let Some(groups) = net.partition_groups() {
        return format!("partitioned into {} groups", groups.len());
    }
    let cut: BTreeSet<(NodeId, NodeId)> =
        net.cut_links().map(|(a, b)| (a.min(b), a.max(b))).collect();
    match cut.len() {
        0 => "healthy".to_string(),
        1 => "1 link cut".to_string(),
        n => format!("{n} links cut"),
    }
}

#[derive(Properties, PartialEq)]
pub struct NetworkBarProps {
    pub summary: AttrValue,
    pub healthy: bool,
    /// While a partition is being drawn up: the servers picked for one side.
    pub draft: Option<BTreeSet<NodeId>>,
    pub dispatch: Callback<AppAction>,
}

/// The network's state, and partitioning and healing it.
#[component]
pub fn NetworkBar(props: &NetworkBarProps) -> Html {
    let click = |action: AppAction| {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(action.clone()))
    };
    let partition = match &props.draft {
        Some(draft) => html! {
            <>
                <span class="drafting-note" data-draft={super::id_list(draft)}>
                    { format!("Side A: {}", super::names(draft)) }
                </span>
                <button class="primary" data-action="split" onclick={click(AppAction::World(WorldAction::ApplyPartition))}>{ "Split" }</button>
                <button data-action="cancel-partition" onclick={click(AppAction::World(WorldAction::CancelPartition))}>{ "Cancel" }</button>
            </>
        },
        None => html! {
            <button data-action="partition" onclick={click(AppAction::World(WorldAction::TogglePartitionMode))}
                    title="Pick servers for one side, then Split (P)">{ "Partition…" }</button>
        },
    };
    html! {
        <div class="netbar">
            <span class="net-state" data-network={props.summary.clone()}>
                { "network: " }<strong>{ props.summary.clone() }</strong>
            </span>
            { partition }
            <button data-action="heal" disabled={props.healthy} onclick={click(AppAction::World(WorldAction::Heal))}
                    title="Heal every partition and cut link (H)">{ "Heal" }</button>
            <span class="netbar-hint">{ "Click a link to cut it." }</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftsim::{Action, Config, Sim};

    #[test]
    fn the_size_menu_includes_an_unusual_current_size() {
        assert_eq!(size_options(5), vec![3, 5, 7, 9]);
        assert_eq!(size_options(1), vec![1, 3, 5, 7, 9]);
    }

    #[test]
    fn the_clock_switches_to_seconds_after_100_s() {
        assert_eq!(clock_text(0), "0 ms");
        assert_eq!(clock_text(1_668_800), "1668.8 ms");
        assert_eq!(clock_text(99_999_900), "99999.9 ms");
        assert_eq!(clock_text(100_000_000), "100.00 s");
        assert_eq!(clock_text(123_456_789), "123.45 s");
    }

    #[test]
    fn the_network_is_summed_up_in_a_few_words() {
        let mut sim = Sim::new(Config::default()).expect("valid");
        assert_eq!(network_summary(sim.network()), "healthy");
        let cut = |from: u8, to: u8, both: bool| Action::Cut {
            from: NodeId(from),
            to: NodeId(to),
            both,
        };
        sim.apply(cut(1, 2, true)).expect("cut");
        assert_eq!(network_summary(sim.network()), "1 link cut");
        sim.apply(cut(3, 1, false)).expect("cut one way");
        assert_eq!(network_summary(sim.network()), "2 links cut");
        sim.apply(Action::Partition {
            groups: vec![vec![NodeId(4)]],
        })
        .expect("partition");
        assert_eq!(network_summary(sim.network()), "partitioned into 2 groups");
    }
}
