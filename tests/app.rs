//! Component tests, run in headless Chromium by wasm-bindgen-test (`scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app in a fresh element and lets Yew render.
async fn mount_app() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<raft_live::App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    root
}

#[wasm_bindgen_test]
async fn renders_the_core_clusters_servers() {
    let root = mount_app().await;
    let nodes = root.query_selector_all("svg g.node").unwrap();
    assert_eq!(nodes.length(), 5);
    let first = root.query_selector("g.node[data-node='S1']").unwrap();
    assert!(first.is_some(), "S1 is drawn");
    let text = root.text_content().unwrap_or_default();
    assert!(
        text.contains("follower"),
        "servers start as followers: {text}"
    );
    assert!(text.contains("term 0"), "servers start in term 0: {text}");
}
