//! The crash overlay, in headless Chromium by wasm-bindgen-test (`scripts/test.sh`). A test
//! file of its own: after a panic the module counts as panicking for good (it never unwinds),
//! which no other test should have to share.
#![cfg(target_arch = "wasm32")]

use raft_live::{App, AppProps};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("waited five seconds for {what}");
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is shown"))
}

/// A panic in the page puts up the overlay: what happened, Reload, and a link to the run as it
/// was last shown, instead of a dead page.
#[wasm_bindgen_test]
async fn a_panic_shows_what_happened_with_reload_and_a_link_to_the_run() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let props = AppProps {
        query: Some(AttrValue::from("?seed=4&nodes=3")),
        fragment: Some(AttrValue::from("")),
    };
    let _app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    until("the servers are drawn", || {
        root.query_selector("svg g.node").unwrap().is_some()
    })
    .await;
    raft_live::crash::install();
    // The panic happens in a task of its own, as a bug in an event handler or a frame would.
    let boom = wasm_bindgen::closure::Closure::once_into_js(|| -> () {
        panic!("a forced panic for the test")
    });
    web_sys::window()
        .unwrap()
        .set_timeout_with_callback_and_timeout_and_arguments_0(boom.unchecked_ref(), 0)
        .unwrap();
    let overlay = || document.query_selector("[data-crash]").unwrap();
    until("the crash overlay", || overlay().is_some()).await;
    let overlay = overlay().unwrap();
    let what = find(&overlay, "[data-crash-what]").text_content().unwrap();
    assert!(what.contains("a forced panic for the test"), "{what}");
    find(&overlay, "button[data-action=reload]");
    let href = find(&overlay, "a[data-action=crash-run]")
        .get_attribute("href")
        .unwrap();
    assert!(href.contains("?run=v1."), "{href}");
}
