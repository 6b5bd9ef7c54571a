//! Reading scenario and lesson files: from JSON text into typed file structs, with every
//! mistake reported as one line that names the field by its path.
//!
//! The text is parsed into a [`serde_json::Value`] first, so syntax errors keep their line and
//! column. The file structs are then read from that value by small functions, each taking the
//! value and its path (`script[3].node`) and returning the field or an error at that path:
//! [`whole`], [`text_as`], [`list_of`], [`object`] for an object with a fixed set of fields,
//! and [`tagged`] for an object whose one field names what the rest means (`{"do": "crash",
//! "node": "S1"}`), described by a [`Tag`]. An object's fields are read in the order of their
//! keys (a parsed object keeps them sorted), so a file with several mistakes always reports the
//! same one.
//!
//! Files are written back as a [`Json`] value (`json/write.rs`), laid out the way serde_json
//! lays out its own.
//!
//! `json/message.rs` holds the error at a path, the checks readers share, and the words of
//! messages.

mod message;
mod write;

use crate::scenario::ScenarioError;
use crate::types::{Time, US_PER_MS};
use message::{alternatives, found};
pub(crate) use message::{at_most, invalid, join, kind, quoted, suggestion, within, Res};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
pub(crate) use write::Json;

/// Parses JSON text; a syntax error keeps its line and column.
pub(crate) fn parse(text: &str) -> Res<Value> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json ends its messages with " at line L column C"; those are kept apart.
        let message = match full.rfind(" at line ") {
            Some(cut) => full[..cut].to_string(),
            None => full,
        };
        ScenarioError::Syntax {
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// How deep values may nest in a file. The formats need about a dozen levels; the bound keeps
/// reading (which recurses) well within a small stack.
pub(crate) const MAX_DEPTH: usize = 32;

/// The path of the first value nested deeper than [`MAX_DEPTH`], if any.
fn too_deep(value: &Value, path: &mut String, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let len = path.len();
    let found = match value {
        Value::Array(list) => list.iter().enumerate().any(|(i, v)| {
            path.truncate(len);
            path.push_str(&format!("[{i}]"));
            too_deep(v, path, depth + 1)
        }),
        Value::Object(map) => map.iter().any(|(k, v)| {
            path.truncate(len);
            path.push_str(&format!(".{k}"));
            too_deep(v, path, depth + 1)
        }),
        _ => false,
    };
    if !found {
        path.truncate(len);
    }
    found
}

/// Reads a file struct from a parsed value; errors name the field by its full path.
/// Refuses a file whose values nest deeper than [`MAX_DEPTH`]; the readers recurse, so this
/// is checked first.
pub(crate) fn check_depth(value: &Value) -> Res<()> {
    let mut deep = String::new();
    if too_deep(value, &mut deep, 0) {
        let path = deep.strip_prefix('.').unwrap_or(&deep);
        return invalid(
            path,
            format!("values nest more than {MAX_DEPTH} levels deep here; no file needs that many"),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Values.

/// A mistake in the shape of the value at `path`; the empty path is the whole file.
fn refuse<T>(path: &str, message: String) -> Res<T> {
    invalid(if path.is_empty() { "(top level)" } else { path }, message)
}

/// "expected `what`, found …", about `v` at `path`.
pub(crate) fn expected<T>(what: &str, v: &Value, path: &str) -> Res<T> {
    refuse(path, format!("expected {what}, found {}", found(v)))
}

/// A whole number from 0.
pub(crate) fn whole(v: &Value, path: &str) -> Res<u64> {
    v.as_u64()
        .map_or_else(|| expected("a whole number", v, path), Ok)
}

/// A whole number that may be negative.
pub(crate) fn signed(v: &Value, path: &str) -> Res<i64> {
    v.as_i64()
        .map_or_else(|| expected("a whole number", v, path), Ok)
}

/// Any number.
pub(crate) fn number(v: &Value, path: &str) -> Res<f64> {
    v.as_f64().map_or_else(|| expected("a number", v, path), Ok)
}

pub(crate) fn boolean(v: &Value, path: &str) -> Res<bool> {
    v.as_bool()
        .map_or_else(|| expected("true or false", v, path), Ok)
}

/// Text; `what` says what it should be when it is not text (`a server name like "S1"`).
pub(crate) fn text_as(v: &Value, path: &str, what: &str) -> Res<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => expected(what, v, path),
    }
}

/// Text of any meaning.
pub(crate) fn string(v: &Value, path: &str) -> Res<String> {
    text_as(v, path, "text")
}

/// `null` as none, anything else read by `read`.
pub(crate) fn or_null<T>(
    v: &Value,
    path: &str,
    read: impl FnOnce(&Value, &str) -> Res<T>,
) -> Res<Option<T>> {
    if v.is_null() {
        Ok(None)
    } else {
        read(v, path).map(Some)
    }
}

/// One of `names`, as its index: `"committed"`, or `{"committed": null}`. `what` says what is
/// expected when the value is neither text nor an object of one field.
pub(crate) fn one_of(v: &Value, path: &str, names: &[&str], what: &str) -> Res<usize> {
    let find = |name: &str| match names.iter().position(|n| *n == name) {
        Some(i) => Ok(i),
        None => refuse(
            path,
            format!(
                "expected {}, found the text {}{}",
                alternatives(names),
                quoted(name),
                suggestion(name, names)
            ),
        ),
    };
    match v {
        Value::String(name) => find(name),
        Value::Object(map) if map.len() == 1 => {
            let Some((name, value)) = map.iter().next() else {
                return expected(what, v, path);
            };
            let i = find(name)?;
            if value.is_null() {
                Ok(i)
            } else {
                expected("nothing", value, path)
            }
        }
        _ => expected(what, v, path),
    }
}

pub(crate) fn list<'a>(v: &'a Value, path: &str) -> Res<&'a [Value]> {
    match v {
        Value::Array(items) => Ok(items),
        _ => expected("a list", v, path),
    }
}

/// A list, each item read by `read` at `path[i]`.
pub(crate) fn list_of<T>(
    v: &Value,
    path: &str,
    read: impl Fn(&Value, &str) -> Res<T>,
) -> Res<Vec<T>> {
    list(v, path)?
        .iter()
        .enumerate()
        .map(|(i, item)| read(item, &format!("{path}[{i}]")))
        .collect()
}

/// An object of any keys, each value read by `read` at `path.key`.
pub(crate) fn map_of<T>(
    v: &Value,
    path: &str,
    read: impl Fn(&Value, &str) -> Res<T>,
) -> Res<BTreeMap<String, T>> {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| Ok((key.clone(), read(item, &join(path, key))?)))
            .collect(),
        _ => expected("an object", v, path),
    }
}

// ---------------------------------------------------------------------------------------------
// Objects.

/// Reads one field of an object: its key, its value and its path.
pub(crate) type Field<'f> = dyn FnMut(&str, &Value, &str) -> Res<()> + 'f;

/// Reads an object that has the fields `keys`, of which `required` must be given: each field
/// is passed to `field`, in the order of the keys; an unknown key is refused, naming the
/// closest field. `what` says what is expected when the value is not an object.
pub(crate) fn object(
    v: &Value,
    path: &str,
    what: &str,
    keys: &[&str],
    required: &[&str],
    field: &mut Field<'_>,
) -> Res<()> {
    let Value::Object(map) = v else {
        return expected(what, v, path);
    };
    if let Some(key) = fields(map, path, &[], keys, field)? {
        // A key that repeats the object's own key (`"expect": {"expect": …}`) is reported at
        // the object itself.
        let own = path == key || path.ends_with(&format!(".{key}"));
        let at = if own {
            path.to_string()
        } else {
            join(path, key)
        };
        return refuse(&at, unknown(key, keys, "this object"));
    }
    match required.iter().find(|key| !map.contains_key(**key)) {
        Some(key) => refuse(
            &join(path, key),
            "missing: this field is required".to_string(),
        ),
        None => Ok(()),
    }
}

/// Passes the fields of `map` other than `skip` to `field` while their keys are among `keys`;
/// the first key that is not, if any.
fn fields<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    skip: &[&str],
    keys: &[&str],
    field: &mut Field<'_>,
) -> Res<Option<&'a str>> {
    for (key, value) in map {
        if skip.contains(&key.as_str()) {
            continue;
        }
        if !keys.contains(&key.as_str()) {
            return Ok(Some(key));
        }
        field(key, value, &join(path, key))?;
    }
    Ok(None)
}

/// The message for an unknown field `key` of an object with the fields `keys`, which `whose`
/// names.
fn unknown(key: &str, keys: &[&str], whose: &str) -> String {
    if keys.is_empty() {
        format!("unknown field; {whose} has no fields")
    } else {
        format!(
            "unknown field{}; {whose} has the fields {}",
            suggestion(key, keys),
            keys.join(", ")
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tagged objects.

/// The shape of an object whose field `tag` names one of `variants`, the other fields being
/// that variant's, plus an optional clock (a time or a bound).
pub(crate) struct Tag {
    /// The field naming the variant: `do`, `until`.
    pub tag: &'static str,
    /// What the variants are called in messages: "action", "condition".
    pub what: &'static str,
    /// What one object is called in messages: "step" (a `crash` step), "condition".
    pub noun: &'static str,
    /// A number of milliseconds the object may carry beside its variant's fields.
    pub clock: Option<&'static str>,
    /// Whether the clock comes first when the fields are listed (it is written first).
    pub clock_first: bool,
    /// Fields refused with a hint, e.g. `at_ms` where `after_ms` is meant.
    pub refused: &'static [(&'static str, &'static str)],
    /// An example of the whole object, for "expected …" messages.
    pub example: &'static str,
    pub variants: &'static [Form],
}

/// A variant of a tagged object: its name, its fields, and those of them it needs.
pub(crate) type Form = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

impl Tag {
    /// The names of the variants, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.variants.iter().map(|(name, _, _)| *name).collect()
    }
}

/// A tagged object whose tag names a known variant; [`Variant::fields`] reads the rest.
pub(crate) struct Variant<'a> {
    /// The variant's name.
    pub name: &'static str,
    map: &'a Map<String, Value>,
    path: String,
    tag: &'a Tag,
    form: &'a Form,
}

/// Reads a tagged object as far as its variant. The clock, if given, is passed to `clock`; a
/// refused field, and a missing or unknown variant name, are errors.
pub(crate) fn tagged<'a>(
    v: &'a Value,
    path: &str,
    tag: &'a Tag,
    clock: &mut dyn FnMut(&Value, &str) -> Res<()>,
) -> Res<Variant<'a>> {
    let Value::Object(map) = v else {
        return expected(tag.example, v, path);
    };
    let mut named = None;
    for (key, value) in map {
        if key == tag.tag {
            named = Some(value);
        } else if Some(key.as_str()) == tag.clock {
            clock(value, &join(path, key))?;
        } else if let Some((_, hint)) = tag.refused.iter().find(|(k, _)| k == key) {
            return refuse(&join(path, key), hint.to_string());
        }
    }
    let tag_path = join(path, tag.tag);
    let names = tag.names();
    let name = match named {
        Some(Value::String(name)) => name,
        None => {
            return refuse(
                &tag_path,
                format!(
                    "missing: say which {}, one of {}",
                    tag.what,
                    names.join(", ")
                ),
            )
        }
        Some(other) => {
            let example = names.first().copied().unwrap_or_default();
            return refuse(
                &tag_path,
                format!(
                    "expected {} name such as \"{example}\", found {}",
                    article(tag.what),
                    kind(other)
                ),
            );
        }
    };
    let Some(form) = tag.variants.iter().find(|(n, _, _)| n == name) else {
        return refuse(
            &tag_path,
            format!(
                "unknown {} {}{}; the {}s are {}",
                tag.what,
                quoted(name),
                suggestion(name, &names),
                tag.what,
                names.join(", ")
            ),
        );
    };
    Ok(Variant {
        name: form.0,
        map,
        path: path.to_string(),
        tag,
        form,
    })
}

impl Variant<'_> {
    /// Passes the variant's fields to `field`, in the order of their keys, then refuses the
    /// object if a field it needs is missing.
    pub fn fields(&self, field: &mut Field<'_>) -> Res<()> {
        let tag = self.tag;
        let (name, keys, required) = *self.form;
        let what = format!("a `{name}` {}", tag.noun);
        // Every field the object may have, in the order they are written.
        let mut all: Vec<&str> = Vec::new();
        if tag.clock_first {
            all.extend(tag.clock);
        }
        all.push(tag.tag);
        all.extend(keys);
        if !tag.clock_first {
            all.extend(tag.clock);
        }
        let mut skip = vec![tag.tag];
        skip.extend(tag.clock);
        if let Some(key) = fields(self.map, &self.path, &skip, &all, field)? {
            return refuse(&join(&self.path, key), unknown(key, &all, &what));
        }
        match required.iter().find(|key| !self.map.contains_key(**key)) {
            Some(key) => refuse(
                &join(&self.path, key),
                format!("missing: {what} needs \"{key}\""),
            ),
            None => Ok(()),
        }
    }
}

fn article(word: &str) -> String {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {word}"),
        _ => format!("a {word}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Times.

/// An instant in milliseconds as written: a whole number, or a number with up to three
/// decimals (whole microseconds), which is how a run saved from free play writes an action done
/// between two milliseconds.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Ms {
    Whole(u64),
    Number(f64),
}

impl Ms {
    /// `us` microseconds, as whole milliseconds when it is a whole number of them.
    pub fn from_us(us: Time) -> Ms {
        if us % US_PER_MS == 0 {
            Ms::Whole(us / US_PER_MS)
        } else {
            Ms::Number(us as f64 / US_PER_MS as f64)
        }
    }

    /// The instant in microseconds, if it is within `0..=max_ms` and a whole number of
    /// microseconds; otherwise an error at `path`.
    pub fn to_us(self, path: &str, max_ms: u64) -> Res<Time> {
        match self {
            Ms::Whole(n) => Ok(within(n, path, 0, max_ms)? * US_PER_MS),
            Ms::Number(f) if f.is_nan() || f < 0.0 => {
                invalid(path, format!("{f} is too small; the least allowed is 0"))
            }
            Ms::Number(f) if f > max_ms as f64 => invalid(
                path,
                format!("{f} is too large; the most allowed is {max_ms}"),
            ),
            Ms::Number(f) => {
                let us = f * US_PER_MS as f64;
                let whole = us.round();
                if (us - whole).abs() > 1e-6 {
                    return invalid(
                        path,
                        format!(
                            "{f} is finer than a microsecond; give at most three decimals of a \
                             millisecond"
                        ),
                    );
                }
                Ok(whole as Time)
            }
        }
    }
}

/// `1520`, or `1520.5`.
impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ms::Whole(n) => write!(f, "{n}"),
            Ms::Number(x) => write!(f, "{x}"),
        }
    }
}

impl Ms {
    /// Reads an instant: any number.
    pub fn read(v: &Value, path: &str) -> Res<Ms> {
        match v {
            Value::Number(n) => Ok(match n.as_u64() {
                Some(whole) => Ms::Whole(whole),
                None => Ms::Number(n.as_f64().unwrap_or(f64::NAN)),
            }),
            _ => expected("a number of milliseconds", v, path),
        }
    }
}
