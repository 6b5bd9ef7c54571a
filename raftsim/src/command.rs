//! The replicated state machine: a tiny key-value store fed by log entries.

use crate::message::{ClientId, ClientTag, Entry, Seq};
use crate::types::LogIndex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// A client command, as carried in a log entry. Keys are shared (`Arc<str>`): a command is copied
/// into every AppendEntries, log and trace event that carries it, and a copy costs no allocation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Command {
    /// `SET key value`: the key now holds `value`.
    Set { key: Arc<str>, value: i64 },
    /// `ADD key n`: the key's value (0 if absent) grows by `n`.
    Add { key: Arc<str>, n: i64 },
    /// `NOOP`: an entry with no command, which a new leader appends with the `leader_noop`
    /// option (§8). Applying it changes nothing.
    Noop,
}

/// Why a line of text is not a command.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error("empty command: type e.g. `SET x 5` or `ADD x 2`")]
    Empty,
    #[error("unknown command `{0}`: use SET or ADD, e.g. `SET x 5`")]
    UnknownVerb(String),
    #[error("`{verb}` takes a key and a whole number, e.g. `{verb} x 5`")]
    WrongShape { verb: &'static str },
    #[error("key `{0}` must be 1–16 letters, digits or _")]
    BadKey(String),
    #[error("`{0}` is not a whole number")]
    BadNumber(String),
}

impl Command {
    /// Parses `SET x 5` or `ADD x -2` (verb case-insensitive).
    pub fn parse(text: &str) -> Result<Command, CommandError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some(verb) = words.first() else {
            return Err(CommandError::Empty);
        };
        let verb_name = match verb.to_ascii_uppercase().as_str() {
            "NOOP" if words.len() == 1 => return Ok(Command::Noop),
            "SET" => "SET",
            "ADD" => "ADD",
            _ => return Err(CommandError::UnknownVerb((*verb).to_string())),
        };
        let [_, key, number] = words[..] else {
            return Err(CommandError::WrongShape { verb: verb_name });
        };
        let key_ok = !key.is_empty()
            && key.len() <= 16
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err(CommandError::BadKey(key.to_string()));
        }
        let number: i64 = number
            .parse()
            .map_err(|_| CommandError::BadNumber(number.to_string()))?;
        let key: Arc<str> = Arc::from(key);
        Ok(if verb_name == "SET" {
            Command::Set { key, value: number }
        } else {
            Command::Add { key, n: number }
        })
    }

    /// The key this command touches (empty for `NOOP`).
    pub fn key(&self) -> &str {
        match self {
            Command::Set { key, .. } | Command::Add { key, .. } => key,
            Command::Noop => "",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Set { key, value } => write!(f, "SET {key} {value}"),
            Command::Add { key, n } => write!(f, "ADD {key} {n}"),
            Command::Noop => f.write_str("NOOP"),
        }
    }
}

impl From<Command> for String {
    fn from(c: Command) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Command {
    type Error = CommandError;
    fn try_from(text: String) -> Result<Command, CommandError> {
        Command::parse(&text)
    }
}

/// The applied contents of one server's state machine: the keys' values, and for each client
/// the results of the writes it may still ask about (§8), so that a write sent twice is applied
/// once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStore {
    pub values: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sessions: BTreeMap<ClientId, Session>,
}

/// What the state machine remembers of one client (§8; Ongaro's dissertation §6.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The result of each write applied that the client may still ask about, in order of
    /// sequence number: (sequence number, the index it was applied at, the key's value then).
    pub results: VecDeque<(Seq, LogIndex, i64)>,
    /// Every write below this sequence number has been answered (the client said so): their
    /// results are forgotten, and a copy arriving late is not applied.
    pub answered_below: Seq,
}

/// What the state machine did with a client's write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied now: the key's new value.
    Now(i64),
    /// Applied before, at `index`, giving `value`: not applied again.
    Before { index: LogIndex, value: i64 },
    /// Applied and answered before, its result since forgotten: not applied again.
    Forgotten,
}

impl Session {
    /// The recorded result of write `seq`: the index it was applied at and the value then.
    pub fn result(&self, seq: Seq) -> Option<(LogIndex, i64)> {
        let i = self.results.binary_search_by_key(&seq, |r| r.0).ok()?;
        let (_, index, value) = self.results[i];
        Some((index, value))
    }
}

impl KvStore {
    /// Applies the entry at `index` unless its client write was applied already (§8). The
    /// client's session first forgets the results it no longer awaits.
    pub fn apply_entry(&mut self, index: LogIndex, entry: &Entry) -> Applied {
        let Some(tag) = entry.client else {
            return Applied::Now(self.apply(&entry.command));
        };
        let session = self.sessions.entry(tag.client).or_default();
        if tag.awaits_from > session.answered_below {
            session.answered_below = tag.awaits_from;
            // Sequence numbers below the new mark are let go.
            while session
                .results
                .front()
                .is_some_and(|r| r.0 < tag.awaits_from)
            {
                session.results.pop_front();
            }
        }
        if tag.seq < session.answered_below {
            return Applied::Forgotten;
        }
        // Writes mostly come in order: the new one usually goes at the end.
        let at = match session.results.back() {
            Some(last) if last.0 >= tag.seq => {
                match session.results.binary_search_by_key(&tag.seq, |r| r.0) {
                    Ok(i) => {
                        let (_, index, value) = session.results[i];
                        return Applied::Before { index, value };
                    }
                    Err(i) => i,
                }
            }
            _ => session.results.len(),
        };
        let value = apply_to(&mut self.values, &entry.command);
        session.results.insert(at, (tag.seq, index, value));
        Applied::Now(value)
    }

    /// What became of a client's write if it was applied already (`Before` or `Forgotten`);
    /// None if it never was.
    pub fn recorded(&self, tag: &ClientTag) -> Option<Applied> {
        let s = self.sessions.get(&tag.client)?;
        if tag.seq < s.answered_below {
            return Some(Applied::Forgotten);
        }
        let (index, value) = s.result(tag.seq)?;
        Some(Applied::Before { index, value })
    }

    /// Applies a committed command and returns the key's new value. Arithmetic saturates: a
    /// student typing `ADD x 9223372036854775807` twice gets a big number, not a crash.
    pub fn apply(&mut self, command: &Command) -> i64 {
        apply_to(&mut self.values, command)
    }

    pub fn get(&self, key: &str) -> Option<i64> {
        self.values.get(key).copied()
    }
}

/// Applies a command to the keys' values and returns the key's new value.
fn apply_to(values: &mut BTreeMap<String, i64>, command: &Command) -> i64 {
    if *command == Command::Noop {
        return 0;
    }
    let key = command.key();
    let next = |old: i64| match command {
        Command::Set { value, .. } => *value,
        Command::Add { n, .. } => old.saturating_add(*n),
        Command::Noop => old,
    };
    // One lookup; only a key seen for the first time costs an allocation.
    match values.get_mut(key) {
        Some(slot) => {
            *slot = next(*slot);
            *slot
        }
        None => {
            let new = next(0);
            values.insert(key.to_string(), new);
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_set_and_add() {
        assert_eq!(
            Command::parse("set x 5"),
            Ok(Command::Set {
                key: "x".into(),
                value: 5
            })
        );
        assert_eq!(
            Command::parse("  ADD  total  -2 "),
            Ok(Command::Add {
                key: "total".into(),
                n: -2
            })
        );
    }

    #[test]
    fn rejects_bad_commands_with_a_reason() {
        assert_eq!(Command::parse(""), Err(CommandError::Empty));
        assert!(matches!(
            Command::parse("DEL x"),
            Err(CommandError::UnknownVerb(_))
        ));
        assert!(matches!(
            Command::parse("SET x"),
            Err(CommandError::WrongShape { verb: "SET" })
        ));
        assert!(matches!(
            Command::parse("SET x y"),
            Err(CommandError::BadNumber(_))
        ));
        assert!(matches!(
            Command::parse("SET x-y 1"),
            Err(CommandError::BadKey(_))
        ));
    }

    #[test]
    fn store_applies_in_order_and_saturates() {
        let mut kv = KvStore::default();
        assert_eq!(kv.apply(&Command::parse("SET x 5").unwrap()), 5);
        assert_eq!(kv.apply(&Command::parse("ADD x 2").unwrap()), 7);
        assert_eq!(kv.apply(&Command::parse("ADD y 3").unwrap()), 3);
        kv.apply(&Command::parse(&format!("SET z {}", i64::MAX)).unwrap());
        assert_eq!(kv.apply(&Command::parse("ADD z 1").unwrap()), i64::MAX);
        assert_eq!(kv.get("x"), Some(7));
    }

    fn write(seq: Seq, awaits_from: Seq, command: &str) -> Entry {
        Entry {
            term: 1,
            command: Command::parse(command).unwrap(),
            client: Some(ClientTag {
                client: 1,
                seq,
                awaits_from,
            }),
        }
    }

    #[test]
    fn a_client_write_applies_once_and_a_late_first_write_still_applies() {
        let mut kv = KvStore::default();
        assert_eq!(kv.apply_entry(1, &write(2, 1, "ADD x 5")), Applied::Now(5));
        assert_eq!(
            kv.apply_entry(2, &write(2, 1, "ADD x 5")),
            Applied::Before { index: 1, value: 5 }
        );
        assert_eq!(kv.get("x"), Some(5));
        // Write 1 was lost before it was applied: sent again, it applies.
        assert_eq!(kv.apply_entry(3, &write(1, 1, "ADD x 1")), Applied::Now(6));
        // Write 3 says 1 and 2 were answered: their results go, and a late copy is not applied.
        assert_eq!(kv.apply_entry(4, &write(3, 3, "ADD x 1")), Applied::Now(7));
        assert_eq!(kv.sessions[&1].results.len(), 1);
        assert_eq!(
            kv.apply_entry(5, &write(2, 1, "ADD x 5")),
            Applied::Forgotten
        );
        assert_eq!(kv.get("x"), Some(7));
        let tag = |seq| write(seq, 3, "ADD x 1").client.unwrap();
        assert_eq!(
            kv.recorded(&tag(3)),
            Some(Applied::Before { index: 4, value: 7 })
        );
        assert_eq!(kv.recorded(&tag(1)), Some(Applied::Forgotten));
        assert_eq!(kv.recorded(&tag(4)), None);
    }
}
