//! Raft, live: the Yew front end. It renders the simulation core's state and sends it actions;
//! it holds no Raft logic of its own.
//!
//! - `state`: the one app state and its reducer (`AppAction`s), pure and natively tested;
//! - `params`, `keys`, `geometry`: speeds and the page address, the keyboard map, the layout;
//! - `components`: the drawing (`ClusterView`, reusable by the tour), the logs, the panels.

pub mod components;
pub mod geometry;
pub mod keys;
pub mod params;
pub mod state;

use components::client::ClientPanel;
use components::controls::{network_summary, Clock, Controls, NetworkBar};
use components::events::{EventLog, Safety};
use components::help::HelpOverlay;
use components::inspector::Inspector;
use components::{ClusterView, Highlight, Legend, LogsView};
use keys::KeyCommand;
use params::StartParams;
use raftsim::{NodeId, PacketId};
use state::{AppAction, AppState};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub use state::SimRef;

/// A fresh seed short enough to read out in class (1 to 999 999), from the browser's randomness.
pub fn fresh_seed() -> u64 {
    match getrandom::u64() {
        Ok(r) => r % 999_999 + 1,
        Err(_) => 1,
    }
}

/// The page address's query string (`?seed=…`), or nothing outside a browser.
fn page_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Writes the run's seed and size into the address bar, so the link reproduces it.
fn remember_in_address(seed: u64, nodes: usize) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    let url = format!("{path}{}", params::query_for(seed, nodes));
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}

/// Whether a key event comes from somewhere that types text or picks from a list.
fn typing_target(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
        .unwrap_or(false)
}

/// The page's callbacks, made once.
struct Handlers {
    dispatch: Callback<AppAction>,
    on_node: Callback<NodeId>,
    on_packet: Callback<PacketId>,
    on_link: Callback<(NodeId, NodeId)>,
    on_background: Callback<()>,
    /// Puts the cursor in the client box ('W', and the inspector's "Write to" button).
    focus_client: Callback<()>,
    new_seed: Callback<()>,
    no_highlight: Rc<Highlight>,
}

impl Handlers {
    fn new(d: UseReducerDispatcher<AppState>, input: NodeRef) -> Handlers {
        let dispatch = Callback::from(move |a: AppAction| d.dispatch(a));
        Handlers {
            on_node: dispatch.reform(AppAction::ClickNode),
            on_packet: dispatch.reform(AppAction::SelectPacket),
            on_link: dispatch.reform(|(a, b)| AppAction::ToggleLink(a, b)),
            on_background: dispatch.reform(|_: ()| AppAction::ClearSelection),
            focus_client: Callback::from(move |_: ()| {
                if let Some(el) = input.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }),
            new_seed: dispatch.reform(|_: ()| AppAction::Reset {
                seed: Some(fresh_seed()),
                nodes: None,
            }),
            no_highlight: Rc::new(Highlight::default()),
            dispatch,
        }
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Start parameters as a query string (`?seed=42&nodes=5`); by default the page address's.
    #[prop_or_default]
    pub query: Option<AttrValue>,
}

/// The whole page.
#[component]
pub fn App(props: &AppProps) -> Html {
    let query = props.query.clone();
    let state = use_reducer(move || {
        let query = query.map(|q| q.to_string()).unwrap_or_else(page_query);
        let start: StartParams = params::parse_query(&query);
        AppState::new(&start, fresh_seed())
    });
    let client_input = use_node_ref();
    // Callbacks made once: children whose other props did not change then skip re-rendering.
    let handlers = {
        let d = state.dispatcher();
        let input = client_input.clone();
        use_memo((), move |_| Handlers::new(d, input))
    };
    let dispatch = handlers.dispatch.clone();

    // The animation loop: one requestAnimationFrame at a time, only while playing. Each frame
    // advances simulated time by the wall time since the last one times the speed. Pausing (or
    // leaving the page) drops the pending frame, which cancels it: a paused page runs nothing.
    {
        let d = state.dispatcher();
        use_effect_with(state.playing, move |&playing| {
            let pending: Rc<RefCell<Option<gloo_render::AnimationFrame>>> =
                Rc::new(RefCell::new(None));
            fn schedule(
                pending: Rc<RefCell<Option<gloo_render::AnimationFrame>>>,
                d: UseReducerDispatcher<AppState>,
                last: Option<f64>,
            ) {
                let slot = pending.clone();
                let frame = gloo_render::request_animation_frame(move |now| {
                    let elapsed = last.map_or(0.0, |l| now - l);
                    d.dispatch(AppAction::Frame(elapsed));
                    schedule(slot, d, Some(now));
                });
                *pending.borrow_mut() = Some(frame);
            }
            if playing {
                schedule(pending.clone(), d, None);
            }
            move || {
                pending.borrow_mut().take();
            }
        });
    }

    // Keyboard shortcuts, on the whole window. Space stays play/pause even on a focused button.
    {
        let handlers = handlers.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window();
            let down = window.as_ref().map(|w| {
                gloo_events::EventListener::new_with_options(
                    w,
                    "keydown",
                    gloo_events::EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                            return;
                        };
                        let key = e.key();
                        if typing_target(e) && key != "Escape" {
                            return;
                        }
                        let modified = e.ctrl_key() || e.alt_key() || e.meta_key();
                        let Some(command) = keys::command_for(&key, e.shift_key(), modified) else {
                            return;
                        };
                        e.prevent_default();
                        match command {
                            KeyCommand::Act(action) => handlers.dispatch.emit(action),
                            KeyCommand::NewSeed => handlers.new_seed.emit(()),
                            KeyCommand::FocusClient => handlers.focus_client.emit(()),
                        }
                        if key == "Escape" {
                            if let Some(el) = e
                                .target()
                                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                            {
                                let _ = el.blur();
                            }
                        }
                    },
                )
            });
            // A button activates on Space's keyup; Space is play/pause here, so stop that.
            let up = window.as_ref().map(|w| {
                gloo_events::EventListener::new_with_options(
                    w,
                    "keyup",
                    gloo_events::EventListenerOptions::enable_prevent_default(),
                    |e| {
                        if let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                            if e.key() == " " && !typing_target(e) {
                                e.prevent_default();
                            }
                        }
                    },
                )
            });
            move || drop((down, up))
        });
    }

    // The address bar follows the seed and size.
    use_effect_with((state.seed, state.nodes), |&(seed, nodes)| {
        remember_in_address(seed, nodes);
    });

    let s = &*state;
    let notice = s.notice.as_ref().map(|n| {
        let dismiss = dispatch.reform(|_: MouseEvent| AppAction::DismissNotice);
        html! {
            <div class={classes!("notice", if n.error { "error" } else { "info" })} role="status">
                <span>{ n.text.clone() }</span>
                <button class="close" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
            </div>
        }
    });
    html! {
        <div class={classes!("app", s.playing.then_some("playing"))} data-playing={s.playing.to_string()}
             data-seed={s.seed.to_string()} data-nodes={s.nodes.to_string()}>
            <header class="top">
                <div class="brand">
                    <h1>{ "Raft, live" }</h1>
                    <span class="seed-line" data-seed={s.seed.to_string()}>
                        { format!("seed {} · {} servers", s.seed, s.nodes) }
                    </span>
                </div>
                <Clock now={s.sim.now()} playing={s.playing} speed={s.speed} />
                <Controls playing={s.playing} speed={s.speed} tick={s.tick} seed={s.seed}
                          nodes={s.nodes} dispatch={dispatch.clone()} on_new_seed={handlers.new_seed.clone()} />
            </header>
            { for notice }
            <main class="stage">
                <section class="cluster-panel" aria-label="Cluster">
                    <ClusterView sim={s.sim.clone()} selected={s.selected} draft={s.draft.clone()}
                                 highlight={handlers.no_highlight.clone()}
                                 on_node={handlers.on_node.clone()} on_packet={handlers.on_packet.clone()}
                                 on_link={handlers.on_link.clone()} on_background={handlers.on_background.clone()} />
                    <div class="cluster-side">
                        <NetworkBar summary={network_summary(s.sim.network())}
                                    healthy={s.sim.network().is_healthy()} draft={s.draft.clone()}
                                    dispatch={dispatch.clone()} />
                        <Legend />
                    </div>
                </section>
                <section class="logs-panel" aria-label="Logs">
                    <LogsView sim={s.sim.clone()} selected={s.selected_node()}
                              on_node={handlers.on_node.clone()} />
                </section>
                <aside class="side">
                    <Inspector sim={s.sim.clone()} selected={s.selected} dispatch={dispatch.clone()}
                               on_write={handlers.focus_client.clone()} />
                    <ClientPanel sim={s.sim.clone()} text={AttrValue::from(s.client_text.clone())}
                                 target={s.client_target}
                                 error={s.client_error.clone().map(AttrValue::from)}
                                 dispatch={dispatch.clone()} input_ref={client_input.clone()} />
                    <EventLog sim={s.sim.clone()} show_traffic={s.show_traffic} dispatch={dispatch.clone()} />
                    <Safety sim={s.sim.clone()} />
                </aside>
            </main>
            if s.help {
                <HelpOverlay dispatch={dispatch.clone()} />
            }
        </div>
    }
}

/// Mounts the app on the page's body.
pub fn run() {
    yew::Renderer::<App>::new().render();
}
