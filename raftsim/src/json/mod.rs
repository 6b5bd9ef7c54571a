//! Reading scenario and lesson files: from JSON text into typed file structs, with every
//! mistake reported as one line that names the field by its path.
//!
//! The text is parsed into a [`serde_json::Value`] first, so syntax errors keep their line and
//! column. The file structs (`#[derive(Deserialize)]`, `deny_unknown_fields`) are then read from
//! that value by [`ValueDe`], a strict deserializer: an object is never read from a list, and
//! its error type [`Problem`] keeps serde's structured complaints (unknown field, unknown name,
//! missing field) so they can be worded with the allowed names and a "did you mean" hint. An
//! error records where it happened on its way out: each list and object it leaves puts its index
//! or key in front of the error's path.
//!
//! An object whose one field names what the rest means (`{"do": "crash", "node": "S1"}`) is read
//! by [`Tagged`]: the enum named by the tag holds the names and fields, in one place.
//!
//! The same types serialize back to the same shapes (a `Tagged` is written flat, its name is
//! the variant's serde name), which is how `scenario/write.rs` writes a scenario file.
//!
//! `json/message.rs` holds the error at a path, the checks readers share, and the words of
//! messages.

mod message;

use crate::scenario::ScenarioError;
use crate::types::{Time, US_PER_MS};
use message::{alternatives, expected, found};
pub(crate) use message::{at_most, invalid, join, kind, quoted, suggestion, within, Res};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, Expected, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

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
pub(crate) fn read<T: DeserializeOwned>(value: &Value) -> Res<T> {
    let mut deep = String::new();
    if too_deep(value, &mut deep, 0) {
        let path = deep.strip_prefix('.').unwrap_or(&deep);
        return invalid(
            path,
            format!("values nest more than {MAX_DEPTH} levels deep here; no file needs that many"),
        );
    }
    read_at(value).map_err(|(path, problem)| {
        let (suffix, message) = problem.render(None);
        let path = format!("{path}{suffix}");
        let path = path.strip_prefix('.').unwrap_or(&path);
        ScenarioError::Invalid {
            path: if path.is_empty() {
                "(top level)".to_string()
            } else {
                path.to_string()
            },
            message,
        }
    })
}

/// Reads `T` from `value`; on failure, the path where it happened (`.a[2].b`, relative to
/// `value`) and the problem.
fn read_at<T: DeserializeOwned>(value: &Value) -> Result<T, (String, Problem)> {
    T::deserialize(ValueDe(value)).map_err(|mut problem| {
        let mut path = std::mem::take(&mut problem.at);
        // An unknown field may already be on the path; the problem names it again.
        if let What::UnknownField { field, .. } = &problem.what {
            if let Some(cut) = path.strip_suffix(field.as_str()) {
                if cut.ends_with('.') {
                    path.truncate(cut.len() - 1);
                }
            }
        }
        (path, problem)
    })
}

// ---------------------------------------------------------------------------------------------
// The error type of the reader.

/// What went wrong while reading a value, before it is placed at a path.
#[derive(Debug)]
pub(crate) struct Problem {
    /// Where the problem was reported, relative to the value being read (`.script[3]`): filled
    /// in on the way out by the lists and objects the error leaves.
    at: String,
    /// Where below the place serde reports the problem happened, e.g. `.node` (set by
    /// [`Tagged`], which reads its variant on its own).
    below: String,
    what: What,
}

#[derive(Debug)]
enum What {
    UnknownField {
        field: String,
        allowed: &'static [&'static str],
    },
    UnknownName {
        name: String,
        allowed: &'static [&'static str],
    },
    MissingField(&'static str),
    Message(String),
}

/// Marks a message that carries the path below the place it is reported at: `\u{1}.node\u{1}…`.
const BELOW: char = '\u{1}';

impl Problem {
    /// The path below the reported place, and the message; `context` names the object, e.g.
    /// "a `crash` step".
    fn render(&self, context: Option<(&str, &[&str])>) -> (String, String) {
        match &self.what {
            What::UnknownField { field, allowed } => {
                let allowed: Vec<&str> = match context {
                    Some((_, all)) => all.to_vec(),
                    None => allowed.to_vec(),
                };
                let whose = context.map_or("this object", |(what, _)| what);
                let message = if allowed.is_empty() {
                    format!("unknown field; {whose} has no fields")
                } else {
                    format!(
                        "unknown field{}; {whose} has the fields {}",
                        suggestion(field, &allowed),
                        allowed.join(", ")
                    )
                };
                (format!("{}.{field}", self.below), message)
            }
            What::UnknownName { name, allowed } => (
                self.below.clone(),
                format!(
                    "expected {}, found the text {}{}",
                    alternatives(allowed),
                    quoted(name),
                    suggestion(name, allowed)
                ),
            ),
            What::MissingField(field) => (
                format!("{}.{field}", self.below),
                match context {
                    Some((what, _)) => format!("missing: {what} needs \"{field}\""),
                    None => "missing: this field is required".to_string(),
                },
            ),
            What::Message(m) => (self.below.clone(), m.clone()),
        }
    }

    fn message(below: String, message: String) -> Problem {
        Problem {
            at: String::new(),
            below,
            what: What::Message(message),
        }
    }

    /// The problem as a message for `de::Error::custom`, keeping the path below.
    fn carry(below: &str, message: &str) -> String {
        format!("{BELOW}{below}{BELOW}{message}")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (below, message) = self.render(None);
        if below.is_empty() {
            f.write_str(&message)
        } else {
            write!(f, "{below}: {message}")
        }
    }
}

impl std::error::Error for Problem {}

impl de::Error for Problem {
    fn custom<T: fmt::Display>(msg: T) -> Problem {
        let text = msg.to_string();
        if let Some(rest) = text.strip_prefix(BELOW) {
            if let Some((below, message)) = rest.split_once(BELOW) {
                return Problem::message(below.to_string(), message.to_string());
            }
        }
        Problem::message(String::new(), text)
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Problem {
        Problem::message(
            String::new(),
            format!("expected {}, found {}", expected(exp), found(&unexp)),
        )
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Problem {
        Problem::invalid_type(unexp, exp)
    }

    fn invalid_length(len: usize, exp: &dyn Expected) -> Problem {
        Problem::message(
            String::new(),
            format!("expected {}, found a list of {len}", expected(exp)),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Problem {
        Problem {
            at: String::new(),
            below: String::new(),
            what: What::UnknownName {
                name: variant.to_string(),
                allowed: expected,
            },
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Problem {
        Problem {
            at: String::new(),
            below: String::new(),
            what: What::UnknownField {
                field: field.to_string(),
                allowed: expected,
            },
        }
    }

    fn missing_field(field: &'static str) -> Problem {
        Problem {
            at: String::new(),
            below: String::new(),
            what: What::MissingField(field),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A strict deserializer over a parsed value.

/// Reads file structs from a [`Value`]. Unlike serde_json's own, it reads an object only from a
/// JSON object (never from a list, field by position), and an enum from `"name"` or
/// `{"name": {…fields}}`.
pub(crate) struct ValueDe<'a>(pub &'a Value);

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(list) => {
                let mut items = Items(list.iter().enumerate());
                let out = visitor.visit_seq(&mut items)?;
                match items.0.len() {
                    0 => Ok(out),
                    left => {
                        let wanted = format!("{} items", list.len() - left);
                        Err(de::Error::invalid_length(list.len(), &wanted.as_str()))
                    }
                }
            }
            Value::Object(map) => visitor.visit_map(Fields {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    /// A field that may be left out is not thereby allowed to be `null`: `null` is read as the
    /// value itself (and refused, unless the field says what `null` means, see [`OrNull`]).
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_some(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        match self.0 {
            Value::String(name) => visitor.visit_enum(Variant {
                name,
                value: &Value::Null,
            }),
            Value::Object(map) if map.len() == 1 => {
                let (name, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(Variant { name, value })
            }
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct identifier ignored_any
    }
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Items<'a>(std::iter::Enumerate<std::slice::Iter<'a, Value>>);

impl<'de> SeqAccess<'de> for &mut Items<'de> {
    type Error = Problem;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Problem> {
        match self.0.next() {
            Some((i, v)) => seed
                .deserialize(ValueDe(v))
                .map(Some)
                .map_err(|mut problem| {
                    problem.at.insert_str(0, &format!("[{i}]"));
                    problem
                }),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'a> {
    iter: serde_json::map::Iter<'a>,
    /// The key and value of the field being read.
    value: Option<(&'a str, &'a Value)>,
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Problem> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some((key, value));
                let key: de::value::BorrowedStrDeserializer<'de, Problem> =
                    de::value::BorrowedStrDeserializer::new(key);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let (key, value) = self.value.take().unwrap_or(("", &Value::Null));
        seed.deserialize(ValueDe(value)).map_err(|mut problem| {
            problem.at.insert_str(0, &format!(".{key}"));
            problem
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Variant<'a> {
    name: &'a str,
    value: &'a Value,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Problem;
    type Variant = ValueDe<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueDe<'de>), Problem> {
        let name: de::value::BorrowedStrDeserializer<'de, Problem> =
            de::value::BorrowedStrDeserializer::new(self.name);
        Ok((seed.deserialize(name)?, ValueDe(self.value)))
    }
}

impl<'de> VariantAccess<'de> for ValueDe<'de> {
    type Error = Problem;

    fn unit_variant(self) -> Result<(), Problem> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"nothing")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Problem> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Problem> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Tagged objects.

/// The shape of a tagged object: which field names the variant, and the one other field the
/// object may carry besides the variant's own (a time, or a bound).
pub(crate) trait Tag {
    /// The field naming the variant: `do`, `until`.
    const TAG: &'static str;
    /// What the variants are called in messages: "action", "condition".
    const WHAT: &'static str;
    /// What one object is called in messages: "step" (a `crash` step), "condition".
    const NOUN: &'static str;
    /// A number of milliseconds the object may carry beside its variant's fields.
    const CLOCK: Option<&'static str>;
    /// How the clock is written: `u64` for whole milliseconds, [`Ms`] for an instant.
    type Clock: DeserializeOwned + Serialize;
    /// Whether the clock comes first when the fields are listed (it is written first).
    const CLOCK_FIRST: bool;
    /// Fields refused with a hint, e.g. `at_ms` where `after_ms` is meant.
    const REFUSED: &'static [(&'static str, &'static str)];
    /// An example of the whole object, for "expected …" messages.
    const EXAMPLE: &'static str;
}

/// An object whose `T::TAG` field names a variant of the enum `E` and whose other fields are
/// the variant's, plus an optional clock field. `E` is an ordinary (externally tagged) serde
/// enum with struct variants, so the names and fields of the variants are declared once, there;
/// reading it here keeps the path of a mistake inside the variant (`script[3].node`).
pub(crate) struct Tagged<T: Tag, E> {
    /// The clock field, if given.
    pub clock: Option<T::Clock>,
    /// The variant's name, as written.
    pub name: String,
    pub inner: E,
    tag: PhantomData<T>,
}

impl<'de, T: Tag, E: DeserializeOwned> Deserialize<'de> for Tagged<T, E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TaggedVisitor::<T, E>(PhantomData))
    }
}

impl<T: Tag, E> Tagged<T, E> {
    /// An object to write: its name is the variant's serde name.
    pub fn new(clock: Option<T::Clock>, inner: E) -> Tagged<T, E>
    where
        E: Serialize,
    {
        Tagged {
            clock,
            name: variant_name(&inner).unwrap_or_default().to_string(),
            inner,
            tag: PhantomData,
        }
    }
}

/// The serde name of an enum value's variant (`crash`): the one key of the object serde writes
/// for it (or the text, for a unit variant).
pub(crate) fn variant_name<E: Serialize>(value: &E) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        Value::String(name) => Some(name),
        Value::Object(map) if map.len() == 1 => map.keys().next().cloned(),
        _ => None,
    }
}

/// Written flat, as read: the clock first (if the tag writes it first), the tag, then the
/// variant's fields.
impl<T: Tag, E: Serialize> Serialize for Tagged<T, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = match serde_json::to_value(&self.inner).map_err(S::Error::custom)? {
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((_, Value::Object(fields))) => fields,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        let mut map = serializer.serialize_map(None)?;
        let clock = T::CLOCK.zip(self.clock.as_ref());
        if T::CLOCK_FIRST {
            if let Some((key, value)) = clock {
                map.serialize_entry(key, value)?;
            }
        }
        map.serialize_entry(T::TAG, &self.name)?;
        for (key, value) in &fields {
            map.serialize_entry(key, value)?;
        }
        if !T::CLOCK_FIRST {
            if let Some((key, value)) = clock {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

struct TaggedVisitor<T, E>(PhantomData<(T, E)>);

/// The names of the variants of `E`, learned by asking for one that does not exist.
pub(crate) fn variant_names<E: DeserializeOwned>() -> &'static [&'static str] {
    let probe = Value::String(String::new());
    match read_at::<E>(&probe) {
        Err((
            _,
            Problem {
                what: What::UnknownName { allowed, .. },
                ..
            },
        )) => allowed,
        _ => &[],
    }
}

impl<'de, T: Tag, E: DeserializeOwned> Visitor<'de> for TaggedVisitor<T, E> {
    type Value = Tagged<T, E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXAMPLE)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tagged<T, E>, A::Error> {
        use de::Error;
        let mut tag: Option<Value> = None;
        let mut clock: Option<T::Clock> = None;
        let mut rest = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == T::TAG {
                tag = Some(map.next_value()?);
            } else if Some(key.as_str()) == T::CLOCK {
                clock = Some(map.next_value()?);
            } else if let Some((_, hint)) = T::REFUSED.iter().find(|(k, _)| *k == key) {
                return Err(A::Error::custom(Problem::carry(&format!(".{key}"), hint)));
            } else {
                let value: Value = map.next_value()?;
                rest.insert(key, value);
            }
        }
        let tag_path = format!(".{}", T::TAG);
        let name = match tag {
            Some(Value::String(name)) => name,
            None => {
                let message = format!(
                    "missing: say which {}, one of {}",
                    T::WHAT,
                    variant_names::<E>().join(", ")
                );
                return Err(A::Error::custom(Problem::carry(&tag_path, &message)));
            }
            Some(other) => {
                let example = variant_names::<E>().first().copied().unwrap_or_default();
                let message = format!(
                    "expected {} name such as \"{example}\", found {}",
                    article(T::WHAT),
                    kind(&other)
                );
                return Err(A::Error::custom(Problem::carry(&tag_path, &message)));
            }
        };
        let mut object = Map::new();
        object.insert(name.clone(), Value::Object(rest));
        match read_at::<E>(&Value::Object(object)) {
            Ok(inner) => Ok(Tagged {
                clock,
                name,
                inner,
                tag: PhantomData,
            }),
            Err((below, problem)) => {
                let (suffix, message) = match (&problem.what, below.is_empty()) {
                    (What::UnknownName { allowed, .. }, true) => (
                        tag_path,
                        format!(
                            "unknown {} {}{}; the {}s are {}",
                            T::WHAT,
                            quoted(&name),
                            suggestion(&name, allowed),
                            T::WHAT,
                            allowed.join(", ")
                        ),
                    ),
                    (What::UnknownField { allowed, .. }, true) => {
                        let mut all: Vec<&str> = Vec::new();
                        let clock = T::CLOCK.into_iter();
                        if T::CLOCK_FIRST {
                            all.extend(clock.clone());
                        }
                        all.push(T::TAG);
                        all.extend(allowed.iter());
                        if !T::CLOCK_FIRST {
                            all.extend(clock);
                        }
                        let what = format!("a `{name}` {}", T::NOUN);
                        problem.render(Some((&what, &all)))
                    }
                    (What::MissingField(_), true) => {
                        let what = format!("a `{name}` {}", T::NOUN);
                        problem.render(Some((&what, &[])))
                    }
                    _ => problem.render(None),
                };
                Err(A::Error::custom(Problem::carry(
                    &format!("{below}{suffix}"),
                    &message,
                )))
            }
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
// Small field types.

/// Text read as is, named in messages by what it should be: `expected a server name like
/// "S1", found the number 3`.
macro_rules! text {
    ($(#[$doc:meta])* $name:ident, $expecting:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) struct $name(pub String);

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Text;
                impl<'de> serde::de::Visitor<'de> for Text {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        Ok($name(s.to_string()))
                    }
                }
                d.deserialize_str(Text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}
pub(crate) use text;

/// A value that may be `null`, which means "none" (`"voted_for": null`, `"ms": null`).
#[derive(Clone, Debug)]
pub(crate) struct OrNull<T>(pub Option<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OrNull<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrNull<T>, D::Error> {
        let value = Value::deserialize(d)?;
        if value.is_null() {
            return Ok(OrNull(None));
        }
        read_at::<T>(&value)
            .map(|v| OrNull(Some(v)))
            .map_err(|(below, problem)| {
                let (suffix, message) = problem.render(None);
                de::Error::custom(Problem::carry(&format!("{below}{suffix}"), &message))
            })
    }
}

/// A field that must be given but may be `null`: `"ms": null`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    OrNull::<T>::deserialize(d).map(|v| v.0)
}

/// A field that may be left out, or given as `null` (meaning "none"): absent is `None`,
/// `null` is `Some(None)`. Use with `#[serde(default)]`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    nullable(d).map(Some)
}

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

impl<'de> Deserialize<'de> for Ms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ms, D::Error> {
        struct Number;
        impl<'de> Visitor<'de> for Number {
            type Value = Ms;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of milliseconds")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Ms, E> {
                Ok(Ms::Whole(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Ms, E> {
                Ok(Ms::Number(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Ms, E> {
                Ok(Ms::Number(n))
            }
        }
        d.deserialize_any(Number)
    }
}

impl Serialize for Ms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Ms::Whole(n) => s.serialize_u64(*n),
            Ms::Number(x) => s.serialize_f64(*x),
        }
    }
}
