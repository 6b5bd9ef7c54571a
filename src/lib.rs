//! Raft, live: the Yew front end. It renders the simulation core's state and sends it actions;
//! it holds no Raft logic of its own.

pub mod geometry;

use geometry::{ring_position, NODE_R, VIEW_H, VIEW_W};
use raftsim::{Config, Node, Role, Sim};
use yew::prelude::*;

fn role_class(role: Role) -> &'static str {
    match role {
        Role::Follower => "follower",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

fn view_node(node: &Node, count: usize) -> Html {
    let p = ring_position(node.id.index(), count);
    let class = classes!("node", role_class(node.role));
    html! {
        <g class={class} data-node={node.id.to_string()} transform={format!("translate({:.1} {:.1})", p.x, p.y)}>
            <circle class="disc" r={NODE_R.to_string()} />
            <text class="name" y="-8">{ node.id.to_string() }</text>
            <text class="role" y="22">{ node.role.to_string() }</text>
            <text class="term" y={(NODE_R + 30.0).to_string()}>{ format!("term {}", node.current_term) }</text>
        </g>
    }
}

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    let sim = use_state(|| Sim::new(Config::default()).expect("the default configuration is valid"));
    let nodes = sim.nodes();
    html! {
        <main class="app">
            <header class="top">
                <h1>{ "Raft, live" }</h1>
                <p class="tagline">{ format!("{} servers, seed {}", nodes.len(), sim.config().seed) }</p>
            </header>
            <svg class="cluster" viewBox={format!("0 0 {VIEW_W} {VIEW_H}")} role="img"
                 aria-label="The servers of the Raft cluster">
                { for nodes.iter().map(|n| view_node(n, nodes.len())) }
            </svg>
        </main>
    }
}

/// Mounts the app on the page's body.
pub fn run() {
    yew::Renderer::<App>::new().render();
}
