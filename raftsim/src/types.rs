//! The small vocabulary every other module speaks: node ids, terms, log indexes, time.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Simulated time in microseconds since the simulation started. Never wall time, never a float.
pub type Time = u64;
/// A Raft term (Figure 2: `currentTerm`).
pub type Term = u64;
/// A 1-based position in a log; 0 means "before the first entry".
pub type LogIndex = u64;

/// Microseconds in one millisecond, for converting the millisecond figures people speak in.
pub const US_PER_MS: Time = 1_000;

/// Largest cluster the simulation (and the screen) supports.
pub const MAX_NODES: usize = 9;

/// A server's identity, 1-based, shown as `S1`, `S2`, ….
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct NodeId(pub u8);

impl NodeId {
    /// Position of this node in per-node vectors (`nodes`, `next_index`, `match_index`).
    pub fn index(self) -> usize {
        usize::from(self.0) - 1
    }

    /// The node at position `index` of a per-node vector.
    pub fn from_index(index: usize) -> NodeId {
        NodeId(u8::try_from(index + 1).expect("cluster sizes are at most 9"))
    }

    /// Parses `S3` (or `s3`, or `3`) into `NodeId(3)`; the caller checks it is in the cluster.
    pub fn parse(text: &str) -> Option<NodeId> {
        let digits = text
            .strip_prefix('S')
            .or_else(|| text.strip_prefix('s'))
            .unwrap_or(text);
        match digits.parse::<u8>() {
            Ok(n) if n >= 1 => Some(NodeId(n)),
            _ => None,
        }
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S{}", self.0)
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for NodeId {
    type Error = String;
    fn try_from(text: String) -> Result<NodeId, String> {
        NodeId::parse(&text).ok_or_else(|| format!("`{text}` is not a node name like S1"))
    }
}

/// The three server states of the Raft paper (§5.1, Figure 4). Written `follower`,
/// `candidate`, `leader` on screen and in files alike.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Follower, Role::Candidate, Role::Leader];
    /// Every role's name, in the order of `ALL`: the one table behind `Display` and serde.
    pub const NAMES: [&'static str; 3] = ["follower", "candidate", "leader"];

    /// `follower`, `candidate` or `leader`.
    pub fn name(self) -> &'static str {
        Role::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::NAMES
            .iter()
            .position(|&n| n == name)
            .map(|i| Role::ALL[i])
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Role, D::Error> {
        deserializer.deserialize_str(RoleName)
    }
}

/// Reads a role from its name; the error for any other string is serde's usual one.
struct RoleName;

impl de::Visitor<'_> for RoleName {
    type Value = Role;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a role: follower, candidate or leader")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Role, E> {
        Role::from_name(name).ok_or_else(|| E::unknown_variant(name, &Role::NAMES))
    }
}

/// How many servers make a majority of a cluster of `cluster_size`: the votes that win an
/// election and the copies that commit an entry (§5.2, §5.3).
pub fn majority(cluster_size: usize) -> usize {
    cluster_size / 2 + 1
}

/// Formats a time in microseconds as milliseconds for people, e.g. `1234.5 ms`.
pub fn fmt_ms(t: Time) -> String {
    let whole = t / US_PER_MS;
    let frac = (t % US_PER_MS) / 100;
    if frac == 0 {
        format!("{whole} ms")
    } else {
        format!("{whole}.{frac} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_parse_and_print() {
        assert_eq!(NodeId::parse("S3"), Some(NodeId(3)));
        assert_eq!(NodeId::parse("s9"), Some(NodeId(9)));
        assert_eq!(NodeId::parse("4"), Some(NodeId(4)));
        assert_eq!(NodeId::parse("S0"), None);
        assert_eq!(NodeId::parse("X1"), None);
        assert_eq!(NodeId(2).to_string(), "S2");
        assert_eq!(NodeId(5).index(), 4);
        assert_eq!(NodeId::from_index(0), NodeId(1));
    }

    #[test]
    fn roles_have_one_name_everywhere() {
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(role as usize, i, "ALL is in declaration order");
            assert_eq!(role.to_string(), role.name());
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.name()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        let err = serde_json::from_str::<Role>("\"boss\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `boss`, expected one of `follower`, `candidate`, `leader` at line 1 column 6"
        );
    }

    #[test]
    fn a_majority_is_more_than_half() {
        let sizes: Vec<usize> = (1..=MAX_NODES).map(majority).collect();
        assert_eq!(sizes, [1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn times_print_in_milliseconds() {
        assert_eq!(fmt_ms(150_000), "150 ms");
        assert_eq!(fmt_ms(1_234_500), "1234.5 ms");
    }
}
