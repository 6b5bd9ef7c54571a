//! Raft, live: the Yew front end. It renders the simulation core's state and sends it actions;
//! it holds no Raft logic of its own.
//!
//! - `model`: the app's state, its actions and their reducers, with no Yew in it (natively
//!   tested); the guided tour's place in the lesson; what a tour step marks on screen;
//! - `app`: the page, wiring the model to the browser (reducer, animation loop, keys, address);
//! - `components`: the drawing (`ClusterView`, reusable by the tour), the logs, the panels;
//! - `assets`: the files fetched when first needed (the tour's lesson, the presets);
//! - `crash`: the overlay a panic shows instead of a dead page;
//! - `params`, `keys`, `geometry`: speeds and the page address, the keyboard maps, the layout.

pub mod app;
pub mod assets;
pub mod components;
pub mod crash;
pub mod geometry;
pub mod keys;
pub mod model;
pub mod params;
pub mod presenter;

pub use app::{App, AppProps};
pub use model::sim_ref::SimRef;

/// Mounts the app on the page's body; a panic from then on shows the crash overlay.
pub fn run() {
    crash::install();
    yew::Renderer::<App>::new().render();
}
