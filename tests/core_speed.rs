//! The core's speed in Chromium, as WebAssembly: the workload of `raftsim/examples/bench.rs`,
//! timed with the page's clock. A benchmark, not a test: the test command runs it on its own,
//! in the release profile the page is built with, and prints its figures without counting it.
#![cfg(target_arch = "wasm32")]

use raftsim::workload;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
#[ignore = "a benchmark: scripts/test.sh runs it on its own, in release"]
fn core_speed_in_chromium() {
    let clock = web_sys::window().unwrap().performance().unwrap();
    let seconds = 60;
    // Warm-up runs first: the browser compiles WebAssembly quickly at first and optimises the
    // hot code a moment later, so short measured runs would time the first compiler.
    for _ in 0..3 {
        workload::run(true, None, seconds);
    }
    for (check, keep) in [(false, None), (true, None), (true, Some(20_000))] {
        let started = clock.now();
        let sim = workload::run(check, keep, seconds);
        let wall = (clock.now() - started) / 1000.0;
        assert!(sim.violations().is_empty());
        console_log!(
            "benchmark: core in Chromium (wasm, release), invariants {}, {}: {:.0} simulated seconds per wall second ({} s simulated, {} writes committed)",
            if check { "on" } else { "off" },
            if keep.is_some() { "trace bounded" } else { "whole trace" },
            seconds as f64 / wall,
            seconds,
            workload::committed(&sim)
        );
    }
}
