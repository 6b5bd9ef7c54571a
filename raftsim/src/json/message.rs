//! Mistakes in a file as messages: an error at a path, the checks every reader shares (a
//! number within bounds, a list not too long), and the words messages use for what was found
//! and what was expected.

use crate::scenario::ScenarioError;
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

/// Describes a value a reader refused: like [`kind`], but a number that is not whole is
/// written as the shortest decimal that reads back the same (`3` for `3.0`).
pub(super) fn found(v: &Value) -> String {
    match v {
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => format!("the number {u}"),
            (None, Some(i)) => format!("the number {i}"),
            _ => format!("the number {}", n.as_f64().unwrap_or(f64::NAN)),
        },
        _ => kind(v),
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
