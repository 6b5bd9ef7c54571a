//! The page itself: the `App` component that wires the model to the browser (the reducer, the
//! animation loop, the keyboard, the address bar) and lays out the panels.

use crate::components::client::ClientPanel;
use crate::components::controls::{network_summary, Clock, Controls, NetworkBar};
use crate::components::events::{EventLog, Safety};
use crate::components::help::HelpOverlay;
use crate::components::inspector::Inspector;
use crate::components::lab::Lab;
use crate::components::runs::{self, RunControls};
use crate::components::timeline::Timeline;
use crate::components::tour::{TourBar, TourPanel};
use crate::components::view::ViewControls;
use crate::components::{ClusterView, Legend, LogsView};
use crate::keys::{self, KeyCommand};
use crate::model::action::{AppAction, ClockAction, Notice, PageAction, TourAction, WorldAction};
use crate::model::marks::Marks;
use crate::model::sim_ref::SimRef;
use crate::model::AppState;
use crate::params::{self, StartParams};
use raftsim::{NodeId, PacketId};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

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

/// The page address's fragment (`#election/votes`), or nothing outside a browser.
fn page_fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Writes the run's seed and size into the address bar, so the link reproduces it, and the tour
/// step shown as its fragment, so the link opens that step; as a new history entry if asked and
/// the address does not name that step already.
///
/// A run that is more than a fresh cluster (opened from a link, a file or a preset) keeps the
/// query the address has: `seed` and `nodes` would not reproduce it (Copy link writes its own).
fn remember_in_address(
    seed: u64,
    nodes: usize,
    plain: bool,
    fragment: Option<&str>,
    new_entry: bool,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    let query = if !plain {
        window.location().search().unwrap_or_default()
    } else if params::NODE_COUNTS.contains(&nodes) {
        params::query_for(seed, nodes)
    } else {
        format!("?seed={seed}")
    };
    let hash = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    let url = format!("{path}{query}{hash}");
    // Not when the address already names it (the browser went Back or Forward to it).
    let current = window.location().hash().unwrap_or_default();
    let _ = if new_entry && hash != current {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    } else {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    };
}

/// Whether a key event comes from somewhere that types text or picks from a list.
fn typing_target(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
        .unwrap_or(false)
}

/// Whether a key event comes from a button or link, which Enter presses.
fn activatable_target(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY"))
        .unwrap_or(false)
}

/// World actions made while the clock plays, held for the next animation frame: that frame
/// redraws the page anyway, so a write sent or a letter typed costs no redraw of its own. They
/// are handed over before the frame moves the clock, so each happens at the simulated instant
/// it was made, exactly as if handed over at once. Anything else hands them over first, so
/// the order of actions never changes; a paused page holds nothing.
#[derive(Default)]
struct Inbox {
    playing: bool,
    held: Vec<AppAction>,
}

impl Inbox {
    /// Whether `action` waits for the next frame.
    fn holds(&self, action: &AppAction) -> bool {
        self.playing && matches!(action, AppAction::World(_))
    }

    /// Hands over everything held, in order.
    fn release(inbox: &RefCell<Inbox>, d: &UseReducerDispatcher<AppState>) {
        let held = std::mem::take(&mut inbox.borrow_mut().held);
        for action in held {
            d.dispatch(action);
        }
    }
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
    no_marks: Rc<Marks>,
    /// Downloads the run as a scenario file.
    save: Callback<()>,
    /// Puts a link to the run at this instant in the address bar and on the clipboard.
    copy_link: Callback<()>,
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        AppState::next(self, action)
    }
}

impl Handlers {
    fn new(
        d: UseReducerDispatcher<AppState>,
        input: NodeRef,
        latest: Rc<RefCell<Option<UseReducerHandle<AppState>>>>,
        inbox: Rc<RefCell<Inbox>>,
    ) -> Handlers {
        // An action that needs a file not yet fetched (the tour's lesson, a preset) waits for it.
        let dispatch = Callback::from(move |a: AppAction| {
            let (run, failed) = (d.clone(), d.clone());
            let inbox = inbox.clone();
            crate::assets::when_ready(
                a,
                move |a| {
                    if inbox.borrow().holds(&a) {
                        inbox.borrow_mut().held.push(a);
                    } else {
                        Inbox::release(&inbox, &run);
                        run.dispatch(a);
                    }
                },
                move |why| failed.dispatch(PageAction::Notify(Notice::error(why)).into()),
            )
        });
        let save = {
            let latest = latest.clone();
            let dispatch = dispatch.clone();
            Callback::from(move |_: ()| {
                if let Some(state) = latest.borrow().as_ref() {
                    save_run(state, &dispatch);
                }
            })
        };
        let copy_link = {
            let dispatch = dispatch.clone();
            Callback::from(move |_: ()| {
                if let Some(state) = latest.borrow().as_ref() {
                    copy_run_link(state, &dispatch);
                }
            })
        };
        Handlers {
            on_node: dispatch.reform(|id| WorldAction::ClickNode(id).into()),
            on_packet: dispatch.reform(|id| WorldAction::SelectPacket(id).into()),
            on_link: dispatch.reform(|(a, b)| AppAction::World(WorldAction::ToggleLink(a, b))),
            on_background: dispatch.reform(|_: ()| AppAction::World(WorldAction::ClearSelection)),
            focus_client: Callback::from(move |_: ()| {
                if let Some(el) = input.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }),
            new_seed: dispatch.reform(|_: ()| {
                AppAction::World(WorldAction::Reset {
                    seed: Some(fresh_seed()),
                    nodes: None,
                })
            }),
            no_marks: Rc::new(Marks::default()),
            save,
            copy_link,
            dispatch,
        }
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Start parameters as a query string (`?seed=42&nodes=5`); by default the page address's.
    #[prop_or_default]
    pub query: Option<AttrValue>,
    /// A tour step to open (`#election/votes`); by default the page address's fragment.
    #[prop_or_default]
    pub fragment: Option<AttrValue>,
}

/// The whole page.
#[component]
pub fn App(props: &AppProps) -> Html {
    let query = props.query.clone();
    let fragment = props.fragment.clone();
    let state = use_reducer(move || {
        let query = query.map(|q| q.to_string()).unwrap_or_else(page_query);
        let start: StartParams = params::parse_query(&query);
        let mut state = AppState::new(&start, fresh_seed());
        let fragment = fragment
            .map(|f| f.to_string())
            .unwrap_or_else(page_fragment);
        // A tour step named by the address opens now if the lesson is here, or once it is
        // fetched (see the effect below).
        let locate = AppAction::Tour(TourAction::Locate(fragment));
        if crate::assets::needed(&locate).is_none() {
            state.update(locate);
        }
        state.view = crate::presenter::load();
        state
    });
    crate::crash::remember(&state.history, state.sim.now(), state.tour.is_some());
    // Whether the tour is on screen, for the keyboard listener made once below.
    let touring = use_mut_ref(|| false);
    *touring.borrow_mut() = state.tour.is_some();
    // Whether the screen is blanked: then any key only brings it back.
    let blanked = use_mut_ref(|| false);
    *blanked.borrow_mut() = state.view.blank;
    let client_input = use_node_ref();
    // Callbacks made once: children whose other props did not change then skip re-rendering.
    // The state as last rendered, for callbacks made once that read it (Save, Copy link).
    let latest = use_mut_ref(|| None::<UseReducerHandle<AppState>>);
    *latest.borrow_mut() = Some(state.clone());
    let inbox = use_mut_ref(Inbox::default);
    inbox.borrow_mut().playing = state.playing;
    let handlers = {
        let d = state.dispatcher();
        let input = client_input.clone();
        let latest = latest.clone();
        let inbox = inbox.clone();
        use_memo((), move |_| Handlers::new(d, input, latest, inbox))
    };
    // Stopped with actions held (a pause, or the clock stopping by itself): hand them over.
    {
        let d = state.dispatcher();
        let inbox = inbox.clone();
        use_effect(move || {
            if !inbox.borrow().playing && !inbox.borrow().held.is_empty() {
                Inbox::release(&inbox, &d);
            }
        });
    }
    let dispatch = handlers.dispatch.clone();

    // The animation loop: one requestAnimationFrame at a time, only while playing. Each frame
    // advances simulated time by the wall time since the last one times the speed. Pausing (or
    // leaving the page) drops the pending frame, which cancels it: a paused page runs nothing.
    {
        let d = state.dispatcher();
        let inbox = inbox.clone();
        use_effect_with(state.playing, move |&playing| {
            let pending: Rc<RefCell<Option<gloo_render::AnimationFrame>>> =
                Rc::new(RefCell::new(None));
            fn schedule(
                pending: Rc<RefCell<Option<gloo_render::AnimationFrame>>>,
                d: UseReducerDispatcher<AppState>,
                inbox: Rc<RefCell<Inbox>>,
                last: Option<f64>,
            ) {
                let slot = pending.clone();
                let frame = gloo_render::request_animation_frame(move |now| {
                    let elapsed = last.map_or(0.0, |l| now - l);
                    Inbox::release(&inbox, &d);
                    d.dispatch(AppAction::Clock(ClockAction::Frame(elapsed)));
                    schedule(slot, d, inbox, Some(now));
                });
                *pending.borrow_mut() = Some(frame);
            }
            if playing {
                schedule(pending.clone(), d, inbox, None);
            }
            move || {
                pending.borrow_mut().take();
            }
        });
    }

    // A tour step named by the address whose lesson was not here at first opens once fetched.
    {
        let dispatch = handlers.dispatch.clone();
        let fragment = props.fragment.clone();
        let touring = state.tour.is_some();
        use_effect_with((), move |_| {
            let fragment = fragment
                .map(|f| f.to_string())
                .unwrap_or_else(page_fragment);
            if !touring && !fragment.is_empty() {
                dispatch.emit(AppAction::Tour(TourAction::Locate(fragment)));
            }
        });
    }

    // Keyboard shortcuts, on the whole window. Space stays play/pause (in the tour: continue)
    // even on a focused button.
    {
        let handlers = handlers.clone();
        let hash_dispatch = handlers.dispatch.clone();
        let drop_dispatch = handlers.dispatch.clone();
        let touring = touring.clone();
        let drop_touring = touring.clone();
        let blanked = blanked.clone();
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
                        if *blanked.borrow() {
                            e.prevent_default();
                            handlers.dispatch.emit(PageAction::Blank(false).into());
                            return;
                        }
                        if typing_target(e) && key != "Escape" {
                            return;
                        }
                        let mods = keys::Mods {
                            shift: e.shift_key(),
                            ctrl: e.ctrl_key() || e.meta_key(),
                            alt: e.alt_key(),
                        };
                        // Enter on a focused button or link presses it.
                        if key == "Enter" && activatable_target(e) {
                            return;
                        }
                        let map = if *touring.borrow() {
                            keys::TOUR
                        } else {
                            keys::FREE_PLAY
                        };
                        let Some(command) = keys::command_for(map, &key, mods) else {
                            return;
                        };
                        e.prevent_default();
                        match command {
                            KeyCommand::Act(action) => handlers.dispatch.emit(action),
                            KeyCommand::NewSeed => handlers.new_seed.emit(()),
                            KeyCommand::FocusClient => handlers.focus_client.emit(()),
                            KeyCommand::Fullscreen => {
                                crate::presenter::toggle_fullscreen(&handlers.dispatch)
                            }
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
            // A scenario file dropped anywhere on the page opens as the run.
            let over = window.as_ref().map(|w| {
                gloo_events::EventListener::new_with_options(
                    w,
                    "dragover",
                    gloo_events::EventListenerOptions::enable_prevent_default(),
                    |e| e.prevent_default(),
                )
            });
            let drop_file = window.as_ref().map(|w| {
                let dispatch = drop_dispatch;
                let touring = drop_touring;
                gloo_events::EventListener::new_with_options(
                    w,
                    "drop",
                    gloo_events::EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        e.prevent_default();
                        let file = e
                            .dyn_ref::<web_sys::DragEvent>()
                            .and_then(|d| d.data_transfer())
                            .and_then(|t| t.files())
                            .and_then(|f| f.get(0));
                        match file {
                            Some(_) if *touring.borrow() => dispatch.emit(
                                PageAction::Notify(Notice::info(
                                    "Leave the tour (Esc) to open a run from a file.",
                                ))
                                .into(),
                            ),
                            Some(file) => runs::open_file(file, dispatch.clone()),
                            None => {}
                        }
                    },
                )
            });
            // Following a link to a tour step (or editing the address) opens that step.
            let hash = window.as_ref().map(|w| {
                let dispatch = hash_dispatch.clone();
                gloo_events::EventListener::new(w, "hashchange", move |_| {
                    dispatch.emit(AppAction::Tour(TourAction::Locate(page_fragment())));
                })
            });
            move || drop((down, up, hash, over, drop_file))
        });
    }

    // The address bar follows the seed and size, and the tour step shown. Moving to another
    // step makes a new history entry, so the browser's Back button goes back a step (its
    // `hashchange` opens that step); the page's first address and anything else are rewritten in
    // place.
    let fragment = state.tour.as_ref().map(|t| t.fragment());
    let written = use_mut_ref(|| None::<Option<String>>);
    use_effect_with(
        (state.seed, state.nodes, state.is_plain(), fragment),
        move |(seed, nodes, plain, fragment)| {
            let mut written = written.borrow_mut();
            let new_step =
                fragment.is_some() && written.as_ref().is_some_and(|before| before != fragment);
            remember_in_address(*seed, *nodes, *plain, fragment.as_deref(), new_step);
            *written = Some(fragment.clone());
        },
    );

    // The theme goes on the whole document too; a change made here is remembered for the next
    // visit (the first look, from storage or the system, is not written back).
    let first_look = use_mut_ref(|| true);
    use_effect_with((state.view.theme, state.view.text_size), {
        let view = state.view;
        move |_| {
            let first = std::mem::replace(&mut *first_look.borrow_mut(), false);
            crate::presenter::apply(&view, !first);
        }
    });
    let on_fullscreen = {
        let d = dispatch.clone();
        use_callback((), move |_: (), _| crate::presenter::toggle_fullscreen(&d))
    };

    let event_log_shown = use_mut_ref(|| None::<(SimRef, f64)>);
    let s = &*state;
    let notice = s.notice.as_ref().map(|n| {
        let dismiss = dispatch.reform(|_: MouseEvent| AppAction::Page(PageAction::DismissNotice));
        html! {
            <div class={classes!("notice", if n.error { "error" } else { "info" })} role="status">
                <span>{ n.text.clone() }</span>
                <button class="close" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
            </div>
        }
    });
    let shown = s.shown().clone();
    let tour = s.tour.as_ref();
    let events_sim = throttled(&event_log_shown, &shown, s.playing);
    // The tour's step marks what it names; free play marks what the latest violation is about.
    let marks = match tour {
        Some(t) => t.marks().clone(),
        None => match s.sim.violations().last() {
            Some(v) => Rc::new(Marks::of_violation(v)),
            None => handlers.no_marks.clone(),
        },
    };
    let header = match tour {
        Some(t) => html! {
            <TourBar lesson={t.lesson().clone()} chapter={t.position().chapter} speed={s.speed}
                     dispatch={dispatch.clone()} />
        },
        None => html! {
            <>
                <button class="tour-button" data-action="tour" onclick={dispatch.reform(|_: MouseEvent| AppAction::Tour(TourAction::Open(None)))}
                        title="Guided tour: Raft told step by step, on this drawing (G)"
                        aria-label="Guided tour">{ "Tour" }</button>
                <Controls playing={s.playing} speed={s.speed} tick={s.tick} seed={s.seed}
                          nodes={s.nodes} dispatch={dispatch.clone()} on_new_seed={handlers.new_seed.clone()} />
            </>
        },
    };
    let side = match tour {
        Some(t) => html! {
            <aside class="side touring">
                <TourPanel lesson={t.lesson().clone()} at={t.index()} status={t.status()} playing={s.playing}
                           error={t.error().map(|e| AttrValue::from(e.to_string()))} dispatch={dispatch.clone()} />
                <EventLog sim={events_sim.clone()} show_traffic={s.show_traffic} dispatch={dispatch.clone()} />
                <Safety sim={shown.clone()} />
            </aside>
        },
        None => html! {
            <aside class="side">
                <Inspector sim={s.sim.clone()} selected={s.selected} dispatch={dispatch.clone()}
                           on_write={handlers.focus_client.clone()} />
                <ClientPanel sim={s.sim.clone()} text={AttrValue::from(s.client_text.clone())}
                             target={s.client_target}
                             error={s.client_error.clone().map(AttrValue::from)}
                             dispatch={dispatch.clone()} input_ref={client_input.clone()} />
                <EventLog sim={events_sim.clone()} show_traffic={s.show_traffic} seekable={true} dispatch={dispatch.clone()} />
                <Lab rules={s.history.start().config.broken_rules}
                     protocol={s.history.start().config.protocol} dispatch={dispatch.clone()} />
                <Safety sim={s.sim.clone()} seekable={true} dispatch={dispatch.clone()} />
            </aside>
        },
    };
    let view_controls = html! {
        <ViewControls view={s.view} dispatch={dispatch.clone()} on_fullscreen={on_fullscreen.clone()} />
    };
    let cluster_side = match tour {
        Some(_) => html! { <div class="cluster-side"><Legend />{ view_controls }</div> },
        None => html! {
            <div class="cluster-side">
                <NetworkBar summary={network_summary(s.sim.network())}
                            healthy={s.sim.network().is_healthy()} draft={s.draft.clone()}
                            dispatch={dispatch.clone()} />
                <Legend />
                { view_controls }
            </div>
        },
    };
    let unblank = dispatch.reform(|_: MouseEvent| PageAction::Blank(false).into());
    let (seed_line, seed) = match tour {
        Some(_) => (
            format!("guided tour · {} servers", shown.nodes().len()),
            shown.config().seed,
        ),
        None => (format!("seed {} · {} servers", s.seed, s.nodes), s.seed),
    };
    html! {
        <div class={classes!("app", s.playing.then_some("playing"), tour.map(|_| "touring"))}
             data-playing={s.playing.to_string()} data-seed={s.seed.to_string()} data-nodes={s.nodes.to_string()}
             data-mode={if tour.is_some() { "tour" } else { "free" }}
             data-theme={s.view.theme.name()} data-text-size={s.view.text_size_name()}
             data-blank={s.view.blank.to_string()}>
            <header class="top">
                <div class="brand">
                    <h1>{ "Raft, live" }</h1>
                    <span class="seed-line" data-seed={seed.to_string()}>{ seed_line }</span>
                </div>
                <Clock now={shown.now()} playing={s.playing} speed={s.speed} highlighted={marks.clock} />
                { header }
            </header>
            { for notice }
            <main class="stage">
                <section class="cluster-panel" aria-label="Cluster">
                    <ClusterView sim={shown.clone()} selected={if tour.is_some() { None } else { s.selected }}
                                 draft={if tour.is_some() { None } else { s.draft.clone() }}
                                 marks={marks.clone()} interactive={tour.is_none()}
                                 on_node={handlers.on_node.clone()} on_packet={handlers.on_packet.clone()}
                                 on_link={handlers.on_link.clone()} on_background={handlers.on_background.clone()} />
                    { cluster_side }
                </section>
                if tour.is_none() {
                    <Timeline chronicle={s.chronicle.clone()} history={s.history.clone()}
                              sim={s.sim.clone()} zoom={s.zoom} now={s.sim.now()} tick={s.tick_us()} dispatch={dispatch.clone()}>
                        <RunControls dispatch={dispatch.clone()} save={handlers.save.clone()}
                                     copy_link={handlers.copy_link.clone()} />
                    </Timeline>
                }
                <section class="logs-panel" aria-label="Logs">
                    <LogsView sim={shown.clone()} selected={if tour.is_some() { None } else { s.selected_node() }}
                              marks={marks.clone()} on_node={handlers.on_node.clone()} />
                </section>
                { side }
            </main>
            if s.help {
                <HelpOverlay dispatch={dispatch.clone()} tour={tour.is_some()} />
            }
            if s.view.blank {
                <div class="blank-screen" onclick={unblank} aria-label="Blanked: press any key"></div>
            }
        </div>
    }
}

/// How often, at most, the event log is redrawn while the run plays. Events can arrive many to
/// a frame, faster than anyone reads them, and each is a handful of elements made and soon
/// dropped; paused or stepped, the log is always the world shown.
const EVENT_LOG_REFRESH_MS: f64 = 125.0;

/// The world the event log shows: `current`, or while playing the one it showed less than
/// `EVENT_LOG_REFRESH_MS` ago.
fn throttled(last: &RefCell<Option<(SimRef, f64)>>, current: &SimRef, playing: bool) -> SimRef {
    let now = js_sys::Date::now();
    let mut last = last.borrow_mut();
    match last.as_ref() {
        // Only a world this one played on from: a jump back or another run shows at once.
        Some((sim, at))
            if playing
                && (0.0..EVENT_LOG_REFRESH_MS).contains(&(now - at))
                && sim.now() <= current.now()
                && sim.config().seed == current.config().seed
                && sim.nodes().len() == current.nodes().len() =>
        {
            sim.clone()
        }
        _ => {
            *last = Some((current.clone(), now));
            current.clone()
        }
    }
}

/// Downloads the run as a scenario file, described with its seed, size and date.
fn save_run(state: &AppState, dispatch: &Callback<AppAction>) {
    let date = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let date = date.get(..10).unwrap_or_default();
    let actions = state.history.script().len();
    let description = format!(
        "Free play saved from Raft, live on {date}: seed {}, {} servers, {actions} action{} by hand, {} of simulated time.",
        state.seed,
        state.nodes,
        if actions == 1 { "" } else { "s" },
        raftsim::fmt_ms(state.history.end())
    );
    let name = format!("raft-run-seed{}.json", state.seed);
    let notice = match runs::download(&name, &state.run_file(description)) {
        Ok(()) => Notice::info(format!(
            "Saved as {name}: Open replays it here; `raftsim run {name}` replays it on the command line."
        )),
        Err(_) => Notice::error("This browser did not let the page save a file."),
    };
    dispatch.emit(PageAction::Notify(notice).into());
}

/// Writes a link to the run at the instant shown into the address bar and onto the clipboard.
fn copy_run_link(state: &AppState, dispatch: &Callback<AppAction>) {
    let code = match state.run_link() {
        Ok(code) => code,
        Err(why) => {
            dispatch.emit(PageAction::Notify(Notice::error(why)).into());
            return;
        }
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let url = format!(
        "{}{}?run={code}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    let at = raftsim::fmt_ms(state.sim.now());
    let dispatch = dispatch.clone();
    runs::copy_to_clipboard(
        &url,
        Callback::from(move |copied: bool| {
            let text = if copied {
                format!(
                    "Link copied: it opens this run at {at}, paused. The address bar holds it too."
                )
            } else {
                format!("The address bar now holds a link to this run at {at}; copy it from there.")
            };
            dispatch.emit(PageAction::Notify(Notice::info(text)).into());
        }),
    );
}
