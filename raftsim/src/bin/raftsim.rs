//! `raftsim`: runs a Raft scenario file and prints what happened.
//!
//! Exit status: 0 when the run kept every invariant (and met its `expect` block, if any), 1 when
//! it did not, 2 for bad input or a usage mistake. Nothing it is given makes it panic.

use raftsim::scenario::{Outcome, Scenario};
use std::io::{self, Read, Write};
use std::process::ExitCode;

const USAGE: &str = "\
raftsim: run a Raft scenario and see what happened

Usage:
  raftsim run [--seed N] [--no-events] FILE
      Run the scenario and print the outcome as one JSON object: every server's
      state and log, every client write, the invariant checks and every event.
  raftsim trace [--seed N] FILE
      Run the scenario and print its events as text, one line each:
      time, server, what happened, and the rule of the Raft paper behind it.
  raftsim check FILE
      Read and check the scenario without running it.
  raftsim help
      Print this text.

FILE is a scenario in JSON (see docs/scenarios.md), or - for standard input.
--seed N runs the scenario with another seed than the one in the file.

Exit status:
  0  the run kept every safety invariant (and met its \"expect\" block, if any)
  1  an invariant was violated, or an expectation was not met
  2  bad input: a file that cannot be read, an invalid scenario, a usage mistake
";

enum Command {
    Run { events: bool },
    Trace,
    Check,
}

struct Args {
    command: Command,
    seed: Option<u64>,
    file: String,
}

enum Parsed {
    Go(Args),
    Help,
}

fn parse_args(args: &[String]) -> Result<Parsed, String> {
    let Some(first) = args.first() else {
        return Err("say what to do: run, trace or check".to_string());
    };
    let mut command = match first.as_str() {
        "help" | "--help" | "-h" => return Ok(Parsed::Help),
        "run" => Command::Run { events: true },
        "trace" => Command::Trace,
        "check" => Command::Check,
        other => {
            return Err(format!(
                "unknown command `{other}`; use run, trace or check"
            ))
        }
    };
    let mut seed = None;
    let mut file = None;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(Parsed::Help),
            "--seed" if !matches!(command, Command::Check) => {
                let Some(value) = rest.next() else {
                    return Err("--seed needs a number, e.g. --seed 7".to_string());
                };
                seed = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| format!("--seed: `{value}` is not a whole number"))?,
                );
            }
            "--no-events" if matches!(command, Command::Run { .. }) => {
                command = Command::Run { events: false };
            }
            "-" => set_file(&mut file, arg)?,
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` for `{first}`"));
            }
            _ => set_file(&mut file, arg)?,
        }
    }
    let Some(file) = file else {
        return Err(format!(
            "`{first}` needs a scenario FILE (or - for standard input)"
        ));
    };
    Ok(Parsed::Go(Args {
        command,
        seed,
        file,
    }))
}

fn set_file(file: &mut Option<String>, arg: &str) -> Result<(), String> {
    if let Some(first) = file {
        return Err(format!("one FILE at a time: got `{first}` and `{arg}`"));
    }
    *file = Some(arg.to_string());
    Ok(())
}

fn read_input(file: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let (name, result) = if file == "-" {
        ("standard input", io::stdin().lock().read_to_end(&mut bytes))
    } else {
        (
            file,
            std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut bytes)),
        )
    };
    result.map_err(|e| format!("cannot read {name}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{name} is not UTF-8 text"))
}

/// Writes to stdout, ignoring a closed pipe (e.g. `raftsim trace f.json | head`).
fn out(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn bad_input(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(Parsed::Go(args)) => args,
        Ok(Parsed::Help) => {
            out(USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match read_input(&args.file) {
        Ok(text) => text,
        Err(message) => return bad_input(&message),
    };
    let mut scenario = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => return bad_input(&e.to_string()),
    };
    if let Some(seed) = args.seed {
        scenario.config.seed = seed;
    }
    if let Command::Check = args.command {
        out(&format!(
            "ok: {} servers, {} scripted step(s), runs for {} ms\n",
            scenario.config.nodes,
            scenario.script.len(),
            scenario.run_until / raftsim::US_PER_MS
        ));
        return ExitCode::SUCCESS;
    }
    let mut outcome = match scenario.run() {
        Ok(o) => o,
        Err(e) => return bad_input(&e.to_string()),
    };
    match args.command {
        Command::Run { events } => {
            if !events {
                outcome.events.clear();
            }
            match serde_json::to_string_pretty(&outcome) {
                Ok(json) => out(&(json + "\n")),
                Err(e) => return bad_input(&format!("cannot print the outcome: {e}")),
            }
        }
        Command::Trace | Command::Check => out(&outcome.trace_text()),
    }
    report_failures(&outcome)
}

/// Says on stderr what went wrong, if anything, and picks the exit status.
fn report_failures(outcome: &Outcome) -> ExitCode {
    for v in &outcome.invariants.violations {
        eprintln!(
            "invariant violated at {} ms: {}: {}",
            v.at_ms, v.property, v.detail
        );
        if !v.broken_rules.is_empty() {
            eprintln!(
                "  allowed by rules broken on purpose: {}",
                v.broken_rules.join(", ")
            );
        }
    }
    if let Some(expect) = &outcome.expect {
        for failure in &expect.failures {
            eprintln!("expectation not met: {failure}");
        }
    }
    if outcome.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
