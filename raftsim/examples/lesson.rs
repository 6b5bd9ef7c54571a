//! Plays a lesson headless and prints how every step ends: for writing and checking lessons.
//!
//! ```text
//! cargo run -p raftsim --example lesson                      # the built-in lesson
//! cargo run -p raftsim --example lesson -- my-lesson.json    # another file
//! cargo run -p raftsim --example lesson -- --trace election/split-vote
//! ```
//!
//! Each step prints its fragment, when it began and ended, whether its wait condition held,
//! the question it asks with its right answer, every server's role, term, vote, commit index and
//! log terms, the client's writes, and any expectation that failed. `--trace <fragment>` also
//! prints the events of that step.

use raftsim::lesson::{Lesson, LessonRun};
use raftsim::scenario::terms_of;
use raftsim::{fmt_ms, Sim, WriteStatus};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut trace_of = None;
    if let Some(i) = args.iter().position(|a| a == "--trace") {
        if i + 1 < args.len() {
            trace_of = Some(args.remove(i + 1));
        }
        args.remove(i);
    }
    let lesson = match args.first() {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
            Lesson::from_json(&text)
        }
        None => Lesson::builtin(),
    }
    .unwrap_or_else(|e| fail(&e.to_string()));
    let trace_flat = trace_of.as_deref().and_then(|f| lesson.locate(f));
    let mut run = LessonRun::new(lesson);
    let mut failed = 0;
    for flat in 0..run.len() {
        let fragment = run.lesson().fragment(flat).unwrap_or_default();
        let played = match run.played(flat) {
            Ok(p) => p.clone(),
            Err(e) => fail(&format!("{fragment}: {e}")),
        };
        let step = run.step(flat).expect("in range").clone();
        println!(
            "== {fragment} [{}]  {} → {}  {}  ({})",
            step.nodes,
            fmt_ms(played.mark.at),
            fmt_ms(played.ending.at()),
            if played.ending.met() {
                "met"
            } else {
                "TIMED OUT"
            },
            step.wait.until.describe()
        );
        if let Some(q) = &step.question {
            println!("   ? {}  → {}", q.ask, q.answers[q.correct]);
        }
        print_world(&played.end);
        if trace_flat == Some(flat) {
            for e in played.end.trace().since(played.mark.trace_len) {
                println!("      {:>10}  {}", fmt_ms(e.at), e.describe());
            }
        }
        let failures = run.check(flat, &played.end);
        if !played.ending.met() || !failures.is_empty() {
            failed += 1;
        }
        for f in failures {
            println!("   ✗ {f}");
        }
    }
    println!("{} steps, {failed} with problems", run.len());
    if failed > 0 {
        std::process::exit(1);
    }
}

fn print_world(sim: &Sim) {
    for n in sim.nodes() {
        println!(
            "   {} {:<9} term {:<2} voted {:<4} commit {:<2} log {}{}",
            n.id,
            n.role.to_string(),
            n.current_term,
            n.voted_for.map_or("-".to_string(), |v| v.to_string()),
            n.commit_index,
            terms_of(&n.log),
            if n.crashed { "  (crashed)" } else { "" }
        );
    }
    for w in sim.clients() {
        let status = match &w.status {
            WriteStatus::Pending => "pending".to_string(),
            WriteStatus::Committed { index, value, .. } => {
                format!("committed at {index}, value {value}")
            }
            WriteStatus::Redirected { leader, .. } => format!("redirected ({leader:?})"),
        };
        println!("   write #{} {} → {status}", w.id, w.command);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}
