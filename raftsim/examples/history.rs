//! What a long run of the page costs: one simulated hour of free play (5 servers, the default
//! configuration, a client write to the leader every simulated second), played as the page
//! plays it at 1×, in frames of 1/60 s. Prints the time to play it, how long going back to an
//! instant takes (`History::world_at`, at 50 instants spread over the hour), how many
//! checkpoints are kept, the memory the history holds (measured by counting allocations), and
//! what copying the world costs fresh and at the end (the page makes each frame's world from a
//! copy of the last one). Like the page, the worlds keep the latest 20,000 trace events.
//!
//!     cargo run --release -p raftsim --example history [-- simulated_minutes] [--save FILE]
//!
//! `--save FILE` writes the run as a scenario file (the page's Open reads it: the end-to-end
//! benchmark times going back in it in Chromium).

use raftsim::history::{fresh, History, Place};
use raftsim::scenario::apply_step;
use raftsim::{Action, Command, Config, Sim, Time, US_PER_MS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            LIVE.fetch_add(new_size, Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A frame of the page at 1×: 1/60 s.
const FRAME_US: Time = 16_667;
/// Trace events the page's worlds keep (`TRACE_KEPT` in the app).
const TRACE_KEPT: usize = 20_000;

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1e3)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Plays `seconds` of free play with a write to the leader every second.
fn build(seconds: u64) -> (History, Place) {
    let (mut h, mut place) = History::new(fresh(Config::default())).expect("a fresh cluster");
    h.keep_trace(Some(TRACE_KEPT));
    place.sim.keep_trace(Some(TRACE_KEPT));
    let end = seconds * 1_000 * US_PER_MS;
    let mut next_write = 1_000 * US_PER_MS;
    let mut n = 0;
    while place.sim.now() < end {
        let to = (place.sim.now() + FRAME_US).min(end);
        h.play(&mut place, to).expect("plays");
        if place.sim.now() >= next_write {
            next_write += 1_000 * US_PER_MS;
            if let Some(leader) = place.sim.leader() {
                n += 1;
                let command = Command::Add {
                    key: format!("k{}", n % 8).into(),
                    n,
                };
                h.act(
                    &mut place,
                    Action::Write {
                        node: leader,
                        command,
                    },
                )
                .expect("the leader takes a write");
            }
        }
    }
    (h, place)
}

/// The bytes what `make` makes holds.
fn cost<T>(make: impl FnOnce() -> T) -> usize {
    let before = LIVE.load(Relaxed);
    let made = make();
    let cost = LIVE.load(Relaxed) - before;
    drop(made);
    cost
}

/// The median wall time of copying `sim`, over 101 copies.
fn copy_time(sim: &Sim) -> Duration {
    let mut times: Vec<Duration> = (0..101)
        .map(|_| {
            let started = Instant::now();
            let copy = sim.clone();
            let took = started.elapsed();
            drop(copy);
            took
        })
        .collect();
    times.sort();
    times[50]
}

/// The bytes one more copy of `sim` holds that it does not share with `sim`.
fn copy_cost(sim: &Sim) -> usize {
    let before = LIVE.load(Relaxed);
    let copy = sim.clone();
    let cost = LIVE.load(Relaxed) - before;
    drop(copy);
    cost
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let minutes: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(60);
    let save = args
        .iter()
        .position(|a| a == "--save")
        .and_then(|i| args.get(i + 1));
    let seconds = minutes * 60;

    let fresh_copy = copy_time(&build(1).1.sim);
    let before = LIVE.load(Relaxed);
    let started = Instant::now();
    let (mut h, place) = build(seconds);
    let played = started.elapsed();
    let with_place = LIVE.load(Relaxed) - before;
    let per_copy = copy_cost(&place.sim);
    let end_copy = copy_time(&place.sim);
    let parts = [
        ("servers", cost(|| place.sim.nodes().to_vec())),
        ("client writes", cost(|| place.sim.clients().clone())),
        ("trace", cost(|| place.sim.trace().clone())),
    ];
    let rest = per_copy.saturating_sub(parts.iter().map(|(_, n)| n).sum());
    let trace_events = place.sim.trace().len();
    let log_len = place.sim.nodes()[0].log.len();
    drop(place);
    let held = LIVE.load(Relaxed).saturating_sub(before);

    println!(
        "{minutes} simulated minutes, 5 servers, a write a second, played in {} µs frames \
         ({} frames)",
        FRAME_US,
        seconds * 1_000_000 / FRAME_US
    );
    println!(
        "  playing it: {:.2} s wall ({:.0}× real time)",
        played.as_secs_f64(),
        seconds as f64 / played.as_secs_f64()
    );
    println!(
        "  script: {} actions; trace: {trace_events} events; S1's log: {log_len} entries",
        h.script().len()
    );
    println!("  checkpoints: {}", h.checkpoint_count());
    let parts: Vec<String> = parts
        .iter()
        .map(|(what, n)| format!("{what} {}", kb(*n)))
        .collect();
    println!(
        "  memory held by the history: {} (with the world shown: {})",
        mb(held),
        mb(with_place)
    );
    println!(
        "  copying the world (each frame starts from a copy): {:.1} µs after 1 s, {:.1} µs at \
         the end",
        fresh_copy.as_secs_f64() * 1e6,
        end_copy.as_secs_f64() * 1e6
    );
    println!(
        "  one more copy of the world at the end, what it does not share: {}",
        kb(per_copy)
    );
    println!(
        "    of which {}, the rest (the checker's log hashes, the network, …) {}",
        parts.join(", "),
        kb(rest)
    );

    if let Some(path) = save {
        match std::fs::write(path, h.to_scenario().to_json()) {
            Ok(()) => println!("  the run, as a scenario file: {path}"),
            Err(e) => println!("  could not write {path}: {e}"),
        }
    }

    let end = h.end();
    let mut seeks: Vec<Duration> = (0..50)
        .map(|i| {
            let t = end * i / 49;
            let started = Instant::now();
            let place = h.world_at(t).expect("a world");
            let took = started.elapsed();
            assert_eq!(place.sim.now(), t);
            took
        })
        .collect();
    seeks.sort();
    let (whole, bounded) = (straight(&h, None), straight(&h, Some(TRACE_KEPT)));
    println!(
        "  world_at, 50 instants over the run: median {}, max {} (checkpoints after: {})",
        ms(seeks[seeks.len() / 2]),
        ms(seeks[seeks.len() - 1]),
        h.checkpoint_count()
    );
    println!(
        "  where it goes: the world at the end, played straight, holds {} keeping the whole \
         trace and {} keeping its latest {TRACE_KEPT} events; the {} checkpoints hold the rest \
         of the history, about {}",
        mb(whole),
        mb(bounded),
        h.checkpoint_count(),
        mb(held.saturating_sub(bounded))
    );
}

/// The bytes the world at the end of `h` holds, played straight from the start, keeping
/// `keep` trace events.
fn straight(h: &History, keep: Option<usize>) -> usize {
    let scenario = h.to_scenario();
    let before = LIVE.load(Relaxed);
    let mut sim = scenario.build().expect("a world");
    sim.keep_trace(keep);
    for step in &scenario.script {
        sim.advance_to(step.at);
        apply_step(&mut sim, step).expect("the step was done before");
    }
    sim.advance_to(scenario.run_until);
    let held = LIVE.load(Relaxed) - before;
    drop(sim);
    held
}
