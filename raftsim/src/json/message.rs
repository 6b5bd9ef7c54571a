//! Mistakes in a file as messages: an error at a path, the checks every reader shares (a
//! number within bounds, a list not too long), and the words messages use for what was found
//! and what was expected.

use crate::scenario::ScenarioError;
use serde::de::{Expected, Unexpected};
use serde_json::Value;

pub(crate) type Res<T> = Result<T, ScenarioError>;

/// An error at `path`.
pub(crate) fn invalid<T>(path: &str, message: impl Into<String>) -> Res<T> {
    Err(ScenarioError::Invalid {
        path: path.to_string(),
        message: message.into(),
    })
}

/// `path.key`, or `key` at the top.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Refuses a list longer than `max`: "12 steps is more than the 10 a script may have", where
/// `items` is "steps" and `limit` is "a script may have".
pub(crate) fn at_most<T>(list: &[T], max: usize, path: &str, items: &str, limit: &str) -> Res<()> {
    if list.len() > max {
        return invalid(
            path,
            format!("{} {items} is more than the {max} {limit}", list.len()),
        );
    }
    Ok(())
}

/// A whole number within `min..=max`, or an error at `path` saying which end it is past.
pub(crate) fn within(n: u64, path: &str, min: u64, max: u64) -> Res<u64> {
    if n < min {
        invalid(
            path,
            format!("{n} is too small; the least allowed is {min}"),
        )
    } else if n > max {
        invalid(path, format!("{n} is too large; the most allowed is {max}"))
    } else {
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Words for messages.

/// Describes a JSON value: `the text "five"`, `the number 2.5`, `a list`.
pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text {}", quoted(s)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

pub(super) fn found(u: &Unexpected<'_>) -> String {
    match u {
        Unexpected::Unit => "null".to_string(),
        Unexpected::Bool(b) => b.to_string(),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Signed(n) => format!("the number {n}"),
        Unexpected::Float(n) => format!("the number {n}"),
        Unexpected::Str(s) => format!("the text {}", quoted(s)),
        Unexpected::Seq => "a list".to_string(),
        Unexpected::Map => "an object".to_string(),
        other => other.to_string(),
    }
}

/// serde's name for what a reader expected, in the words of the file format.
pub(super) fn expected(e: &dyn Expected) -> String {
    let text = e.to_string();
    match text.as_str() {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" => {
            "a whole number".to_string()
        }
        "f32" | "f64" => "a number".to_string(),
        "a string" | "a borrowed string" => "text".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "an object".to_string(),
        _ if text.starts_with("struct ") => "an object".to_string(),
        _ if text.starts_with("enum ") => "a name".to_string(),
        _ => text,
    }
}

/// Quotes text for a message, shortened if long.
pub(crate) fn quoted(s: &str) -> String {
    const LIMIT: usize = 40;
    if s.chars().count() <= LIMIT {
        format!("{s:?}")
    } else {
        let short: String = s.chars().take(LIMIT).collect();
        format!("{short:?}…")
    }
}

/// `"a", "b" or "c"`.
pub(super) fn alternatives(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// ` (did you mean "node"?)` when a close allowed name exists: a typo or two away, or the
/// word with its unit left off (`heartbeat` for `heartbeat_ms`).
pub(crate) fn suggestion(word: &str, allowed: &[&str]) -> String {
    if word.chars().count() > 40 {
        return String::new();
    }
    // Allowed names are ASCII, so only ASCII letters need folding.
    let lower = word.to_ascii_lowercase();
    allowed
        .iter()
        .map(|a| {
            let prefix = lower.len() >= 3 && a.starts_with(&lower);
            (if prefix { 0 } else { edit_distance(word, a) }, *a)
        })
        .filter(|(d, a)| *d <= 2 && *d < a.len())
        .min()
        .map(|(_, a)| format!(" (did you mean \"{a}\"?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}
