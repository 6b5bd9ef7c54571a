//! Writing file structs through serde: a tagged object is written flat, as it is read, and a
//! text field as its text.

use super::Ms;
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// How a tagged object is written: which field names the variant, and the one other field the
/// object may carry besides the variant's own (a time, or a bound).
pub(crate) trait SerdeTag {
    /// The field naming the variant: `do`, `until`.
    const TAG: &'static str;
    /// A number of milliseconds the object may carry beside its variant's fields.
    const CLOCK: Option<&'static str>;
    /// How the clock is written: `u64` for whole milliseconds, [`Ms`] for an instant.
    type Clock: Serialize;
    /// Whether the clock is written first.
    const CLOCK_FIRST: bool;
}

/// An object whose `T::TAG` field names a variant of the enum `E` and whose other fields are
/// the variant's, plus an optional clock field. `E` is an ordinary (externally tagged) serde
/// enum with struct variants.
pub(crate) struct Tagged<T: SerdeTag, E> {
    /// The clock field, if given.
    pub clock: Option<T::Clock>,
    /// The variant's name.
    pub name: &'static str,
    pub inner: E,
    tag: PhantomData<T>,
}

impl<T: SerdeTag, E> Tagged<T, E> {
    pub fn new(clock: Option<T::Clock>, name: &'static str, inner: E) -> Tagged<T, E> {
        Tagged {
            clock,
            name,
            inner,
            tag: PhantomData,
        }
    }
}

/// Written flat, as read: the clock first (if the tag writes it first), the tag, then the
/// variant's fields.
impl<T: SerdeTag, E: Serialize> Serialize for Tagged<T, E> {
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

/// Text of a known meaning (a server's name, a command), written as the text.
macro_rules! text {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) struct $name(pub String);

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}
pub(crate) use text;

impl Serialize for Ms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Ms::Whole(n) => s.serialize_u64(*n),
            Ms::Number(x) => s.serialize_f64(*x),
        }
    }
}
