//! The knobs a person can turn (cluster size, seed, speed, tick length) and reading them from
//! the page address (`?seed=42&nodes=7`). Pure, so it is unit-tested natively.

use raftsim::{Time, US_PER_MS};

/// Cluster sizes offered.
pub const NODE_COUNTS: [usize; 4] = [3, 5, 7, 9];
pub const DEFAULT_NODES: usize = 5;

/// A playback speed: simulated time per wall-clock time, in thousandths.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Speed {
    pub per_mille: u32,
    pub label: &'static str,
}

const fn speed(per_mille: u32, label: &'static str) -> Speed {
    Speed { per_mille, label }
}

/// Speeds offered, slowest first. At the default, a 150–300 ms election timeout takes 3–6 s.
pub const SPEEDS: [Speed; 10] = [
    speed(10, "1/100×"),
    speed(20, "1/50×"),
    speed(50, "1/20×"),
    speed(100, "1/10×"),
    speed(250, "1/4×"),
    speed(500, "1/2×"),
    speed(1000, "1×"),
    speed(2000, "2×"),
    speed(5000, "5×"),
    speed(10000, "10×"),
];
pub const DEFAULT_SPEED: usize = 2;

/// How much of the run the timeline shows: all of it, or a stretch this long (µs) up to the
/// instant shown. At a second or less it draws every message as an arrow.
pub const ZOOMS: [Option<Time>; 5] = [
    None,
    Some(10_000 * US_PER_MS),
    Some(1_000 * US_PER_MS),
    Some(200 * US_PER_MS),
    Some(50 * US_PER_MS),
];

/// Tick lengths offered for stepping, in simulated microseconds.
pub const TICKS_US: [Time; 8] = [
    100,
    US_PER_MS,
    2 * US_PER_MS,
    5 * US_PER_MS,
    10 * US_PER_MS,
    20 * US_PER_MS,
    50 * US_PER_MS,
    100 * US_PER_MS,
];
pub const DEFAULT_TICK: usize = 4;

/// Longest wall-clock gap one animation frame may turn into simulated time; a tab that was hidden
/// for a minute does not jump a minute ahead.
pub const MAX_FRAME_MS: f64 = 100.0;

/// The speed at `index`, or the default one for an index out of range.
pub fn speed_at(index: usize) -> Speed {
    SPEEDS.get(index).copied().unwrap_or(SPEEDS[DEFAULT_SPEED])
}

/// The tick length at `index`, or the default one for an index out of range.
pub fn tick_at(index: usize) -> Time {
    TICKS_US
        .get(index)
        .copied()
        .unwrap_or(TICKS_US[DEFAULT_TICK])
}

/// A duration in microseconds for people: `0.1 ms`, `10 ms`, `1.5 s`.
pub fn fmt_duration(us: Time) -> String {
    if us >= 10 * 1000 * US_PER_MS {
        format!("{} s", us / (1000 * US_PER_MS))
    } else if us >= 1000 * US_PER_MS {
        format!(
            "{}.{} s",
            us / (1000 * US_PER_MS),
            us % (1000 * US_PER_MS) / 100_000
        )
    } else {
        raftsim::fmt_ms(us)
    }
}

/// Simulated microseconds that `elapsed_ms` of wall-clock time is worth at `speed`, plus the
/// fraction of a microsecond carried from the previous frame. Returns `(whole µs, new carry)`.
pub fn frame_advance(elapsed_ms: f64, speed: Speed, carry_us: f64) -> (Time, f64) {
    let elapsed = if elapsed_ms.is_finite() {
        elapsed_ms.clamp(0.0, MAX_FRAME_MS)
    } else {
        0.0
    };
    let carry = if carry_us.is_finite() {
        carry_us.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // elapsed ms × 1000 µs/ms × per_mille / 1000 = elapsed × per_mille µs.
    let total = elapsed * f64::from(speed.per_mille) + carry;
    let whole = total.floor();
    (whole as Time, total - whole)
}

/// What the page address asked for, and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartParams {
    /// None: pick a fresh seed.
    pub seed: Option<u64>,
    pub nodes: usize,
    /// A whole run to open (`run=`, see `raftsim::link`), shown at the instant it names.
    pub run: Option<String>,
    /// One plain sentence per problem, shown on the page.
    pub problems: Vec<String>,
}

/// Reads `?seed=N&nodes=N` or `?run=…` (a leading `?` is optional). Anything malformed is
/// reported and replaced by the default; nothing here fails (a run is read when it is opened).
pub fn parse_query(search: &str) -> StartParams {
    let mut params = StartParams {
        seed: None,
        nodes: DEFAULT_NODES,
        run: None,
        problems: Vec::new(),
    };
    let search = search.strip_prefix('?').unwrap_or(search);
    for pair in search.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = value.trim();
        let shown = shorten(value);
        match key {
            "seed" => match parse_seed(value) {
                Ok(seed) => params.seed = Some(seed),
                Err(e) => params
                    .problems
                    .push(format!("{e}; a fresh seed was picked instead.")),
            },
            "nodes" => match value.parse::<usize>() {
                Ok(n) if NODE_COUNTS.contains(&n) => params.nodes = n,
                _ => params.problems.push(format!(
                    "nodes=`{shown}` is not a cluster size here: choose 3, 5, 7 or 9; showing {DEFAULT_NODES}."
                )),
            },
            "run" => params.run = Some(value.to_string()),
            other => params.problems.push(format!(
                "`{}` is not a setting this page knows (use seed and nodes, or a run link); it was ignored.",
                shorten(other)
            )),
        }
    }
    params
}

/// Parses a seed typed by a person or found in the address.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("The seed is empty: type a whole number such as 42".to_string());
    }
    text.parse::<u64>().map_err(|_| {
        format!(
            "The seed `{}` is not a whole number from 0 to {}",
            shorten(text),
            u64::MAX
        )
    })
}

/// The query string that reproduces a run: `?seed=42&nodes=5`.
pub fn query_for(seed: u64, nodes: usize) -> String {
    format!("?seed={seed}&nodes={nodes}")
}

/// At most 24 characters of something a person typed, for quoting it back.
pub fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_query_is_read() {
        let p = parse_query("?seed=42&nodes=7");
        assert_eq!(p.seed, Some(42));
        assert_eq!(p.nodes, 7);
        assert!(p.problems.is_empty());
        assert_eq!(parse_query("").seed, None);
        assert_eq!(parse_query("").nodes, DEFAULT_NODES);
    }

    #[test]
    fn malformed_queries_explain_themselves() {
        let p = parse_query("?seed=abc&nodes=4&colour=red");
        assert_eq!(p.seed, None);
        assert_eq!(p.nodes, DEFAULT_NODES);
        assert_eq!(p.problems.len(), 3, "{:?}", p.problems);
        assert!(p.problems[0].contains("`abc`"));
        assert!(p.problems[1].contains("3, 5, 7 or 9"));
        assert!(p.problems[2].contains("`colour`"));
        let p = parse_query("seed=99999999999999999999999&nodes");
        assert_eq!(p.problems.len(), 2);
        assert_eq!(parse_query("?seed=-1").seed, None);
        let long = format!("?seed={}", "9".repeat(500));
        assert!(parse_query(&long).problems[0].len() < 200);
    }

    #[test]
    fn seeds_are_whole_numbers() {
        assert_eq!(parse_seed(" 7 "), Ok(7));
        assert_eq!(parse_seed(&u64::MAX.to_string()), Ok(u64::MAX));
        assert!(parse_seed("").is_err());
        assert!(parse_seed("1.5").is_err());
        assert_eq!(query_for(3, 9), "?seed=3&nodes=9");
    }

    #[test]
    fn frames_turn_wall_time_into_simulated_time() {
        let slow = speed_at(DEFAULT_SPEED);
        // 1/20 speed: 20 ms of wall time is 1 ms simulated.
        assert_eq!(frame_advance(20.0, slow, 0.0), (1000, 0.0));
        // Fractions of a microsecond carry over rather than being lost.
        let (us, carry) = frame_advance(0.01, slow, 0.0);
        assert_eq!(us, 0);
        assert!((carry - 0.5).abs() < 1e-9);
        assert_eq!(frame_advance(0.01, slow, carry).0, 1);
        // A long pause in frames is capped; nonsense is ignored.
        assert_eq!(frame_advance(60_000.0, speed_at(6), 0.0).0, 100_000);
        assert_eq!(frame_advance(f64::NAN, slow, f64::NAN), (0, 0.0));
        assert_eq!(frame_advance(-5.0, slow, 0.0).0, 0);
    }

    #[test]
    fn default_speed_makes_timeouts_take_seconds() {
        let s = speed_at(DEFAULT_SPEED);
        let wall_ms_for_150ms = 150_000.0 / f64::from(s.per_mille);
        assert!(wall_ms_for_150ms >= 2000.0, "{wall_ms_for_150ms}");
        assert!(SPEEDS.iter().any(|s| s.per_mille == 1000), "real time");
        assert!(SPEEDS.iter().all(|s| s.label.ends_with('×')));
        assert!(SPEEDS.iter().any(|s| s.per_mille > 1000), "faster");
        assert_eq!(speed_at(99), SPEEDS[DEFAULT_SPEED]);
        assert_eq!(tick_at(99), TICKS_US[DEFAULT_TICK]);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(100), "0.1 ms");
        assert_eq!(fmt_duration(10_000), "10 ms");
        assert_eq!(fmt_duration(1_500_000), "1.5 s");
        assert_eq!(fmt_duration(12_000_000), "12 s");
    }
}
