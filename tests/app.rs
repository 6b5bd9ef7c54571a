//! Component tests, run in headless Chromium by wasm-bindgen-test (`scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

use raft_live::components::controls::Clock;
use raft_live::components::{ClusterView, LogsView};
use raft_live::model::marks::Marks;
use raft_live::{App, AppProps, SimRef};
use raftsim::lesson::Highlight;
use raftsim::{Action, Command, Config, NodeId, PacketKind, Role, Sim};
use std::collections::BTreeSet;
use std::ops::Deref;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page to mount a component in.
fn new_root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// A component mounted in its own element; dropping it unmounts the component (its window
/// listeners and animation loop go with it) and removes the element.
struct Mounted<C: BaseComponent> {
    root: Element,
    handle: Option<AppHandle<C>>,
}

impl<C: BaseComponent> Mounted<C> {
    async fn new(props: C::Properties) -> Mounted<C> {
        let root = new_root();
        let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
        let mounted = Mounted {
            root,
            handle: Some(handle),
        };
        until("the component renders", || {
            mounted.root.child_element_count() > 0
        })
        .await;
        mounted
    }
}

impl<C: BaseComponent> Deref for Mounted<C> {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.root
    }
}

impl<C: BaseComponent> Drop for Mounted<C> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

/// Waits until `done` holds, checking every few milliseconds; fails after five seconds naming
/// what it waited for.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("waited five seconds for {what}");
}

/// Mounts the app with a query string and waits for it to draw its servers.
async fn mount_app(query: &str) -> Mounted<App> {
    // Both given, so the app does not read the window's address, which other tests change.
    let props = AppProps {
        query: Some(AttrValue::from(query.to_string())),
        fragment: Some(AttrValue::from("")),
    };
    let app = Mounted::<App>::new(props).await;
    until("the servers are drawn", || count(&app, "svg g.node") > 0).await;
    app
}

#[derive(Properties, PartialEq)]
struct ClusterHost {
    sim: SimRef,
    marks: Rc<Marks>,
}

#[component]
fn HostCluster(props: &ClusterHost) -> Html {
    html! {
        <>
            <ClusterView sim={props.sim.clone()} marks={props.marks.clone()} interactive={false} />
            <LogsView sim={props.sim.clone()} marks={props.marks.clone()} />
        </>
    }
}

/// Mounts the drawing and the logs table alone, as the tour will, on a given world.
async fn mount_cluster(sim: Sim, marks: Marks) -> Mounted<HostCluster> {
    let props = ClusterHost {
        sim: SimRef::new(sim),
        marks: Rc::new(marks),
    };
    Mounted::new(props).await
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

fn attr(root: &Element, selector: &str, name: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is drawn"))
        .get_attribute(name)
        .unwrap_or_default()
}

/// The marks of a lesson step naming `names`, in a cluster of `nodes` servers.
fn lesson_marks(names: &[&str], nodes: usize) -> Marks {
    let items: Vec<Highlight> = names
        .iter()
        .map(|n| Highlight::parse(n, nodes).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect();
    Marks::from_lesson(&items, nodes)
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is drawn"))
        .text_content()
        .unwrap_or_default()
}

fn sim(nodes: usize, seed: u64) -> Sim {
    Sim::new(Config {
        nodes,
        seed,
        ..Config::default()
    })
    .unwrap()
}

/// Runs until there is a leader.
fn elect(sim: &mut Sim) -> NodeId {
    for _ in 0..1000 {
        if let Some(l) = sim.leader() {
            return l;
        }
        sim.advance_by(5_000);
    }
    panic!("no leader")
}

fn key(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn renders_the_core_clusters_servers() {
    let root = mount_app("?seed=1").await;
    assert_eq!(count(&root, "svg g.node"), 5);
    assert!(root
        .query_selector("g.node[data-node='S1']")
        .unwrap()
        .is_some());
    let text = root.text_content().unwrap_or_default();
    assert!(
        text.contains("follower"),
        "servers start as followers: {text}"
    );
    assert!(text.contains("term 0"), "servers start in term 0: {text}");
    assert_eq!(attr(&root, ".app", "data-seed"), "1");
}

#[wasm_bindgen_test]
async fn the_drawing_shows_roles_timers_links_and_highlights() {
    let mut world = sim(3, 4);
    let leader = elect(&mut world);
    let marks = Marks {
        nodes: BTreeSet::from([NodeId(2)]),
        timers: BTreeSet::from([NodeId(1), NodeId(2), NodeId(3)]),
        client: true,
        ..Marks::default()
    };
    let root = mount_cluster(world, marks).await;
    assert_eq!(count(&root, "svg g.node"), 3);
    assert_eq!(count(&root, "svg g.node[data-role=leader]"), 1);
    assert_eq!(
        attr(&root, "svg g.node[data-role=leader]", "data-node"),
        leader.to_string()
    );
    assert_eq!(count(&root, "svg g.node.highlighted"), 1);
    assert_eq!(count(&root, "svg g.node[data-node=S2].highlighted"), 1);
    assert_eq!(count(&root, "svg g.client.highlighted"), 1);
    assert_eq!(count(&root, "svg g.node .ring-track.highlighted"), 3);
    assert_eq!(count(&root, "svg g.link"), 3);
    // Every server shows a running timer: a fraction of a ring, between empty and full.
    let rings = root.query_selector_all("svg g.node circle.ring").unwrap();
    assert_eq!(rings.length(), 3);
    for i in 0..rings.length() {
        let ring: Element = rings.item(i).unwrap().dyn_into().unwrap();
        let f: f64 = ring
            .get_attribute("data-fraction")
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=1.0).contains(&f), "{f}");
    }
    // A drawing that only shows has nothing focusable.
    assert_eq!(count(&root, "svg g.node[tabindex]"), 0);
}

#[wasm_bindgen_test]
async fn every_kind_of_lesson_highlight_is_drawn() {
    let mut world = sim(5, 4);
    let leader = elect(&mut world);
    world
        .submit_write(leader, Command::parse("SET x 5").unwrap())
        .unwrap();
    // Until the write is applied everywhere and a heartbeat is on its way.
    for _ in 0..2000 {
        let applied = world.nodes().iter().all(|n| n.commit_index >= 1);
        let heartbeat = world
            .in_flight()
            .any(|p| PacketKind::of(&p.payload) == PacketKind::Heartbeat);
        if applied && heartbeat {
            break;
        }
        world.advance_by(1_000);
    }
    assert!(world.nodes().iter().all(|n| n.last_log_index() == 1));
    let heartbeats = world
        .in_flight()
        .filter(|p| PacketKind::of(&p.payload) == PacketKind::Heartbeat)
        .count() as u32;
    assert!(heartbeats > 0, "a heartbeat is in flight");
    let others = world.in_flight().count() as u32 - heartbeats;
    let s2_term = world.node(NodeId(2)).unwrap().current_term;
    let marks = lesson_marks(
        &[
            "role:S1",
            "term:S2",
            "vote:S3",
            "timer:S2",
            "heartbeat:*",
            "log:S4",
            "entry:S5:1",
            "entry:S1:3",
            "commit:S2",
            "kv:S3",
            "link:S5:S1",
            "client",
            "messages:heartbeat",
        ],
        5,
    );
    let root = mount_cluster(world, marks).await;
    let node = |id: &str, rest: &str| format!("svg g.node[data-node={id}] {rest}");

    // role:S1 — the role word.
    assert_eq!(count(&root, "svg text.word.highlighted"), 1);
    assert_eq!(count(&root, &node("S1", "text.word.highlighted")), 1);
    // term:S2 — only "term N" of its detail line; vote:S3 — only "voted …" of its.
    assert_eq!(count(&root, "svg text.detail.highlighted"), 2);
    assert_eq!(count(&root, "svg tspan.highlighted"), 2);
    assert_eq!(
        text(
            &root,
            &node("S2", "text.detail tspan.term-part.highlighted")
        ),
        format!("term {s2_term}")
    );
    assert_eq!(count(&root, &node("S2", "tspan.vote-part.highlighted")), 0);
    assert!(text(&root, &node("S3", "tspan.vote-part.highlighted")).starts_with("voted S"));
    assert_eq!(count(&root, &node("S3", "tspan.term-part.highlighted")), 0);
    assert!(text(&root, &node("S1", "text.detail")).starts_with("term "));
    // timer:S2 and heartbeat:* — S2's ring and the leader's (the only heartbeat ring drawn).
    let rings: BTreeSet<String> = [NodeId(2), leader]
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(
        count(&root, "svg g.node .ring-track.highlighted"),
        rings.len() as u32
    );
    assert_eq!(count(&root, "svg g.node .ring-hl"), rings.len() as u32);
    for id in &rings {
        assert_eq!(
            count(&root, &node(id, ".ring-track.highlighted")),
            1,
            "{id}"
        );
    }
    assert_eq!(count(&root, "svg g.node[data-hl~=heartbeat]"), 1);
    assert_eq!(
        attr(&root, "svg g.node[data-hl~=heartbeat]", "data-node"),
        leader.to_string()
    );
    assert!(attr(&root, "svg g.node[data-node=S2]", "data-hl")
        .split(' ')
        .any(|p| p == "timer"));
    // No server itself is named.
    assert_eq!(count(&root, "svg g.node.highlighted"), 0);
    // log:S4 — the whole row.
    assert_eq!(count(&root, "table.logs tr.row.highlighted"), 1);
    assert_eq!(
        count(&root, "table.logs tr.row.highlighted[data-node=S4]"),
        1
    );
    // entry:S5:1 and entry:S1:3 — one filled cell and one empty one.
    assert_eq!(count(&root, "table.logs td.cell.highlighted"), 2);
    assert_eq!(
        count(
            &root,
            "table.logs tr[data-node=S5] td.cell.highlighted[data-index='1'][data-committed=true]"
        ),
        1
    );
    assert_eq!(
        count(
            &root,
            "table.logs tr[data-node=S1] td.cell.empty.highlighted[data-index='3']"
        ),
        1
    );
    // commit:S2 — its commit number and its commit edge.
    assert_eq!(count(&root, "table.logs td.num.highlighted"), 1);
    assert_eq!(
        text(&root, "table.logs tr[data-node=S2] td.num.highlighted"),
        "1"
    );
    assert_eq!(count(&root, "table.logs td.cell.commit-hl"), 1);
    assert_eq!(
        count(
            &root,
            "table.logs tr[data-node=S2] td.cell.commit-edge.commit-hl[data-index='1']"
        ),
        1
    );
    // kv:S3 — its state machine.
    assert_eq!(count(&root, "table.logs td.kv.highlighted"), 1);
    assert_eq!(
        text(&root, "table.logs tr[data-node=S3] td.kv.highlighted"),
        "x = 5"
    );
    // link:S5:S1 — named either way round.
    assert_eq!(count(&root, "svg g.link.highlighted"), 1);
    assert_eq!(count(&root, "svg g.link[data-link='S1-S5'].highlighted"), 1);
    // client.
    assert_eq!(count(&root, "svg g.client.highlighted"), 1);
    // messages:heartbeat — every heartbeat in flight, and nothing else.
    assert_eq!(count(&root, "svg g.packet.highlighted"), heartbeats);
    assert_eq!(
        count(&root, "svg g.packet.highlighted[data-kind=hb]"),
        heartbeats
    );
    assert_eq!(count(&root, "svg g.packet:not(.highlighted)"), others);
    // Nothing asks for walls.
    assert_eq!(count(&root, "svg .walls.highlighted"), 0);
}

#[wasm_bindgen_test]
async fn partition_and_every_message_highlights_walls_cut_links_and_all_packets() {
    let mut world = sim(5, 6);
    elect(&mut world);
    world.advance_by(1_000);
    world
        .apply(Action::Partition {
            groups: vec![vec![NodeId(1), NodeId(2)]],
        })
        .unwrap();
    world
        .apply(Action::Cut {
            from: NodeId(3),
            to: NodeId(4),
            both: true,
        })
        .unwrap();
    // Until someone stands for election (the minority side keeps trying).
    for _ in 0..3000 {
        if world.nodes().iter().any(|n| n.role == Role::Candidate) {
            break;
        }
        world.advance_by(1_000);
    }
    let candidate = world
        .nodes()
        .iter()
        .find(|n| n.role == Role::Candidate)
        .map(|n| n.id)
        .expect("a candidate");
    let in_flight = world.in_flight().count() as u32;
    let marks = lesson_marks(&["partition", "messages", "vote:*"], 5);
    let root = mount_cluster(world, marks).await;
    assert_eq!(count(&root, "svg .walls.highlighted .wall"), 2);
    // The cut link stands out with the walls; links down behind a wall do not.
    assert_eq!(count(&root, "svg g.link.highlighted"), 1);
    assert_eq!(attr(&root, "svg g.link.highlighted", "data-link"), "S3-S4");
    assert_eq!(count(&root, "svg g.packet.highlighted"), in_flight);
    assert_eq!(count(&root, "svg g.packet:not(.highlighted)"), 0);
    assert_eq!(count(&root, "svg tspan.vote-part.highlighted"), 5);
    assert_eq!(count(&root, "svg tspan.term-part.highlighted"), 0);
    // A candidate's vote part is the votes it has so far.
    let votes = text(
        &root,
        &format!("svg g.node[data-node={candidate}] tspan.vote-part.highlighted"),
    );
    assert!(votes.starts_with("votes "), "{votes}");
}

#[derive(Properties, PartialEq)]
struct ClockHost {
    highlighted: bool,
}

#[component]
fn HostClock(props: &ClockHost) -> Html {
    html! { <Clock now={42_000} playing={false} speed={0} highlighted={props.highlighted} /> }
}

#[wasm_bindgen_test]
async fn the_clock_can_be_highlighted() {
    for highlighted in [false, true] {
        let root = Mounted::<HostClock>::new(ClockHost { highlighted }).await;
        assert_eq!(count(&root, ".clock"), 1);
        assert_eq!(
            count(&root, ".clock.highlighted"),
            u32::from(highlighted),
            "highlighted: {highlighted}"
        );
    }
    // A lesson step naming the clock asks for it.
    assert!(lesson_marks(&["clock"], 3).clock);
}

#[wasm_bindgen_test]
async fn the_drawing_shows_messages_walls_cut_links_and_crashes() {
    let mut world = sim(5, 6);
    elect(&mut world);
    world.advance_by(1_000);
    let in_flight = world.in_flight().count() as u32;
    world
        .apply(Action::Partition {
            groups: vec![vec![NodeId(1), NodeId(2)]],
        })
        .unwrap();
    world
        .apply(Action::Cut {
            from: NodeId(3),
            to: NodeId(4),
            both: true,
        })
        .unwrap();
    world.apply(Action::Crash { node: NodeId(5) }).unwrap();
    let in_flight_now = world.in_flight().count() as u32;
    let root = mount_cluster(world, Marks::default()).await;
    assert!(in_flight > 0 || in_flight_now > 0);
    assert_eq!(count(&root, "svg g.packet"), in_flight_now);
    assert_eq!(count(&root, "svg .walls .wall"), 2);
    assert_eq!(count(&root, "svg g.link[data-state=cut]"), 1);
    assert_eq!(
        attr(&root, "svg g.link[data-link='S3-S4']", "data-state"),
        "cut"
    );
    assert_eq!(
        attr(&root, "svg g.link[data-link='S1-S3']", "data-state"),
        "down"
    );
    assert_eq!(
        attr(&root, "svg g.link[data-link='S1-S2']", "data-state"),
        "up"
    );
    let crashed = root
        .query_selector("svg g.node[data-node=S5]")
        .unwrap()
        .unwrap();
    assert_eq!(
        crashed.get_attribute("data-crashed").as_deref(),
        Some("true")
    );
    assert!(
        crashed.query_selector(".cross").unwrap().is_some(),
        "crossed out"
    );
    assert!(crashed
        .text_content()
        .unwrap_or_default()
        .contains("CRASHED"));
}

#[wasm_bindgen_test]
async fn the_logs_show_committed_and_uncommitted_entries() {
    let mut world = sim(3, 2);
    let leader = elect(&mut world);
    world
        .submit_write(leader, Command::parse("SET x 5").unwrap())
        .unwrap();
    for _ in 0..200 {
        world.advance_by(5_000);
        if world.nodes().iter().all(|n| n.commit_index >= 1) {
            break;
        }
    }
    // A second write the leader appends but cannot commit: everyone else is cut off.
    for peer in world.nodes().iter().map(|n| n.id).collect::<Vec<_>>() {
        if peer != leader {
            world
                .apply(Action::Cut {
                    from: leader,
                    to: peer,
                    both: true,
                })
                .unwrap();
        }
    }
    world
        .submit_write(leader, Command::parse("ADD x 2").unwrap())
        .unwrap();
    world.advance_by(40_000);
    let root = mount_cluster(world, Marks::default()).await;
    assert_eq!(count(&root, "table.logs td.cell[data-committed=true]"), 3);
    let row = format!("table.logs tr[data-node={leader}]");
    assert_eq!(
        count(&root, &format!("{row} td.cell[data-committed=false]")),
        1
    );
    assert_eq!(
        attr(
            &root,
            &format!("{row} td.cell[data-index='2']"),
            "data-committed"
        ),
        "false"
    );
    assert_eq!(attr(&root, &format!("{row} td.kv"), "data-kv"), "x = 5");
}

#[wasm_bindgen_test]
async fn bad_page_parameters_are_explained_on_the_page() {
    let root = mount_app("?seed=x&nodes=2").await;
    let notice = root
        .query_selector(".notice.error")
        .unwrap()
        .expect("a notice")
        .text_content()
        .unwrap_or_default();
    assert!(notice.contains("seed `x`"), "{notice}");
    assert!(notice.contains("3, 5, 7 or 9"), "{notice}");
    assert_eq!(count(&root, "svg g.node"), 5);
}

#[wasm_bindgen_test]
async fn space_pauses_and_period_steps_one_tick() {
    let root = mount_app("?seed=3").await;
    assert_eq!(attr(&root, ".app", "data-playing"), "true");
    key(" ");
    until("Space pauses", || {
        attr(&root, ".app", "data-playing") == "false"
    })
    .await;
    let time = || -> u64 { attr(&root, ".clock", "data-time-us").parse().unwrap() };
    let t0 = time();
    key(".");
    until("the clock moves one tick", || time() != t0).await;
    assert_eq!(time(), t0 + 10_000);
    // Paused: time stands still, however long one waits (a quarter second here).
    yew::platform::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(time(), t0 + 10_000);
}

#[wasm_bindgen_test]
async fn a_bad_client_command_gets_an_inline_message() {
    let root = mount_app("?seed=3").await;
    let input: HtmlInputElement = root
        .query_selector("#client-command")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    input.set_value("FOO x 1");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    let send: HtmlElement = root
        .query_selector("button[data-action=send]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    send.click();
    until("the client's error is shown", || {
        count(&root, "#client-error:not(.empty)") > 0
    })
    .await;
    let error = root
        .query_selector("#client-error")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap_or_default();
    assert!(error.contains("FOO"), "{error}");
    assert_eq!(attr(&root, "#client-command", "aria-invalid"), "true");
}

fn click(root: &Element, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is drawn"))
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
}

#[wasm_bindgen_test]
async fn a_tour_step_opens_from_its_fragment_and_the_buttons_move_through_it() {
    // The page fetches the lesson when first needed; the test runner serves no such file, so
    // the test hands it over (fetching it is the end-to-end tests' part).
    raft_live::assets::provide(raft_live::assets::LESSON, raftsim::lesson::BUILTIN_JSON);
    let props = AppProps {
        query: Some(AttrValue::from("?seed=2")),
        fragment: Some(AttrValue::from("#election/votes")),
    };
    let root = Mounted::<App>::new(props).await;
    until("the tour's panel", || count(&root, ".tour[data-step]") > 0).await;
    assert_eq!(attr(&root, ".app", "data-mode"), "tour");
    assert_eq!(attr(&root, ".tour", "data-step"), "election/votes");
    assert_eq!(count(&root, ".chapters .chapter"), 6);
    assert_eq!(
        attr(&root, ".chapters .chapter.current", "data-chapter"),
        "election"
    );
    assert!(text(&root, ".tour .narration").contains("S5"));
    // The drawing only shows: nothing in it can be clicked during the tour.
    assert_eq!(count(&root, "svg g.node[tabindex]"), 0);
    assert!(
        count(&root, "svg .highlighted") > 0,
        "the step's highlights"
    );
    click(&root, "button[data-action=tour-next]");
    until("election/leader", || {
        attr(&root, ".tour", "data-step") == "election/leader"
    })
    .await;
    click(&root, "button[data-action=tour-back]");
    until("election/votes", || {
        attr(&root, ".tour", "data-step") == "election/votes"
    })
    .await;
    click(&root, ".tour .dots .dot[data-step=heartbeats]");
    until("election/heartbeats", || {
        attr(&root, ".tour", "data-step") == "election/heartbeats"
    })
    .await;
    click(&root, "button[data-action=take-over]");
    until("free play", || attr(&root, ".app", "data-mode") == "free").await;
    until("free play is clickable", || {
        count(&root, "svg g.node[tabindex]") == 5
    })
    .await;
    assert_eq!(count(&root, "button[data-action=play]"), 1);
}
