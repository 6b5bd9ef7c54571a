//! What travels on the wire: Raft RPCs between servers (Figure 2) and client traffic.

use crate::command::Command;
use crate::types::{LogIndex, NodeId, Term, Time};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// One log entry (Figure 2: "each entry contains command for state machine, and term when entry
/// was received by leader").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub term: Term,
    pub command: Command,
    /// Which client write this entry carries (§8), if a client sent it: none for no-ops and for
    /// the entries a scenario starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientTag>,
}

impl Entry {
    /// An entry no client sent (a no-op, or one a scenario starts with).
    pub fn new(term: Term, command: Command) -> Entry {
        Entry {
            term,
            command,
            client: None,
        }
    }
}

/// Names a client: each keeps its own sequence of writes (§8).
pub type ClientId = u32;
/// A client's write number: 1, 2, 3, … in the order that client made them.
pub type Seq = u64;

/// What a client write carries besides its command, so that the state machine applies it at
/// most once however often it is sent (§8; Ongaro's dissertation §6.3): who sent it, its
/// sequence number, and the lowest sequence number that client still awaits an answer for (the
/// state machine may forget the results of the ones below).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientTag {
    pub client: ClientId,
    pub seq: Seq,
    pub awaits_from: Seq,
}

/// A Raft RPC or its reply, exchanged between two servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Rpc {
    /// Figure 2, RequestVote arguments. The sender is the candidate.
    RequestVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    /// Figure 2, RequestVote results.
    RequestVoteReply { term: Term, vote_granted: bool },
    /// Figure 2, AppendEntries arguments. The sender is the leader. Empty `entries` is a heartbeat.
    AppendEntries {
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    },
    /// Figure 2, AppendEntries results. `match_index` is the index of the last entry the follower
    /// now knows matches the leader (prev_log_index + entries on success; 0 on failure); it lets
    /// the leader tell replies to old requests apart, as etcd and raft-rs do.
    AppendEntriesReply {
        term: Term,
        success: bool,
        match_index: LogIndex,
    },
    /// Pre-vote (Ongaro's thesis §9.6, with the `pre_vote` option): "could I win an election
    /// for `term`?" `term` is the sender's current term plus one; the sender keeps its own term
    /// until a majority says yes, and the receiver changes nothing.
    PreVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    /// The answer to a PreVote; `term` is the receiver's current term.
    PreVoteReply { term: Term, vote_granted: bool },
}

impl Rpc {
    /// The term every RPC carries.
    pub fn term(&self) -> Term {
        match self {
            Rpc::RequestVote { term, .. }
            | Rpc::RequestVoteReply { term, .. }
            | Rpc::AppendEntries { term, .. }
            | Rpc::AppendEntriesReply { term, .. }
            | Rpc::PreVote { term, .. }
            | Rpc::PreVoteReply { term, .. } => *term,
        }
    }

    /// A short name for people: "RequestVote", "heartbeat", "AppendEntries", ….
    pub fn name(&self) -> &'static str {
        match self {
            Rpc::RequestVote { .. } => "RequestVote",
            Rpc::RequestVoteReply { .. } => "vote reply",
            Rpc::AppendEntries { entries, .. } if entries.is_empty() => "heartbeat",
            Rpc::AppendEntries { .. } => "AppendEntries",
            Rpc::AppendEntriesReply { .. } => "append reply",
            Rpc::PreVote { .. } => "PreVote",
            Rpc::PreVoteReply { .. } => "pre-vote reply",
        }
    }
}

/// Identifies one client write from the moment it is typed until it is answered.
pub type ClientWriteId = u64;

/// How a server answered a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientAnswer {
    /// "I am not the leader; try this one" (None when the server knows no leader).
    Redirect { leader: Option<NodeId> },
    /// The write was committed at `index` and applied; the key now holds `value`. `duplicate`:
    /// this answer is the recorded result of a copy sent again, which was not applied again (§8).
    Committed {
        index: LogIndex,
        value: i64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        duplicate: bool,
    },
}

/// Where a packet comes from or goes to: a server or the client. Written `S3` or `client`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Addr {
    Node(NodeId),
    Client,
}

/// What a packet carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    Rpc(Rpc),
    ClientRequest {
        write: ClientWriteId,
        command: Command,
        tag: ClientTag,
    },
    ClientReply {
        write: ClientWriteId,
        answer: ClientAnswer,
    },
}

/// A unique, increasing number per packet; also the tie-breaker for simultaneous deliveries.
pub type PacketId = u64;

/// A message in flight. Positions on screen are interpolated from `sent_at` and `deliver_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packet {
    pub id: PacketId,
    pub from: Addr,
    pub to: Addr,
    pub sent_at: Time,
    pub deliver_at: Time,
    pub payload: Payload,
}

impl From<Addr> for String {
    fn from(addr: Addr) -> String {
        match addr {
            Addr::Node(id) => id.to_string(),
            Addr::Client => "client".to_string(),
        }
    }
}

impl TryFrom<String> for Addr {
    type Error = String;
    fn try_from(text: String) -> Result<Addr, String> {
        if text.eq_ignore_ascii_case("client") {
            return Ok(Addr::Client);
        }
        NodeId::parse(&text)
            .map(Addr::Node)
            .ok_or_else(|| format!("`{text}` is neither a node name like S1 nor `client`"))
    }
}

impl Addr {
    /// How people name it: `S3`, or `the client`.
    pub fn name(self) -> String {
        match self {
            Addr::Node(id) => id.to_string(),
            Addr::Client => "the client".to_string(),
        }
    }
}

/// The kinds of packets, for the view's colours, lesson conditions and highlights.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PacketKind {
    RequestVote,
    VoteReply,
    /// AppendEntries with no entries.
    Heartbeat,
    /// AppendEntries carrying entries.
    AppendEntries,
    AppendReply,
    ClientRequest,
    ClientReply,
    /// Pre-vote requests and replies (the `pre_vote` option).
    PreVote,
    PreVoteReply,
}

impl PacketKind {
    pub const ALL: [PacketKind; 9] = [
        PacketKind::RequestVote,
        PacketKind::VoteReply,
        PacketKind::Heartbeat,
        PacketKind::AppendEntries,
        PacketKind::AppendReply,
        PacketKind::ClientRequest,
        PacketKind::ClientReply,
        PacketKind::PreVote,
        PacketKind::PreVoteReply,
    ];

    /// Every kind's name, in the order of `ALL`: the one table behind `name`, `Display` and
    /// serde.
    pub const NAMES: [&'static str; 9] = [
        "request_vote",
        "vote_reply",
        "heartbeat",
        "append_entries",
        "append_reply",
        "client_request",
        "client_reply",
        "pre_vote",
        "pre_vote_reply",
    ];

    /// The name used in files: `request_vote`, `heartbeat`, ….
    pub fn name(self) -> &'static str {
        PacketKind::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<PacketKind> {
        PacketKind::NAMES
            .iter()
            .position(|&n| n == name)
            .map(|i| PacketKind::ALL[i])
    }

    /// The kind of a packet's payload.
    pub fn of(payload: &Payload) -> PacketKind {
        match payload {
            Payload::Rpc(Rpc::RequestVote { .. }) => PacketKind::RequestVote,
            Payload::Rpc(Rpc::RequestVoteReply { .. }) => PacketKind::VoteReply,
            Payload::Rpc(Rpc::AppendEntries { entries, .. }) if entries.is_empty() => {
                PacketKind::Heartbeat
            }
            Payload::Rpc(Rpc::AppendEntries { .. }) => PacketKind::AppendEntries,
            Payload::Rpc(Rpc::AppendEntriesReply { .. }) => PacketKind::AppendReply,
            Payload::Rpc(Rpc::PreVote { .. }) => PacketKind::PreVote,
            Payload::Rpc(Rpc::PreVoteReply { .. }) => PacketKind::PreVoteReply,
            Payload::ClientRequest { .. } => PacketKind::ClientRequest,
            Payload::ClientReply { .. } => PacketKind::ClientReply,
        }
    }
}

impl fmt::Display for PacketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for PacketKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// What a packet carries, in brief: every field a person reads about it, without the entries
/// themselves. The trace keeps one of these per packet event; it costs no allocation for Raft
/// RPCs, and the words are only made when someone reads them (`Display`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PacketSummary {
    RequestVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    VoteReply {
        term: Term,
        granted: bool,
    },
    AppendEntries {
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: usize,
        leader_commit: LogIndex,
    },
    AppendReply {
        term: Term,
        success: bool,
        match_index: LogIndex,
    },
    ClientRequest {
        write: ClientWriteId,
        command: Command,
    },
    ClientReply {
        write: ClientWriteId,
        answer: ClientAnswer,
    },
    PreVote {
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    },
    PreVoteReply {
        term: Term,
        granted: bool,
    },
}

impl PacketSummary {
    pub fn of(payload: &Payload) -> PacketSummary {
        match payload {
            Payload::Rpc(Rpc::RequestVote {
                term,
                last_log_index,
                last_log_term,
            }) => PacketSummary::RequestVote {
                term: *term,
                last_log_index: *last_log_index,
                last_log_term: *last_log_term,
            },
            Payload::Rpc(Rpc::RequestVoteReply { term, vote_granted }) => {
                PacketSummary::VoteReply {
                    term: *term,
                    granted: *vote_granted,
                }
            }
            Payload::Rpc(Rpc::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            }) => PacketSummary::AppendEntries {
                term: *term,
                prev_log_index: *prev_log_index,
                prev_log_term: *prev_log_term,
                entries: entries.len(),
                leader_commit: *leader_commit,
            },
            Payload::Rpc(Rpc::AppendEntriesReply {
                term,
                success,
                match_index,
            }) => PacketSummary::AppendReply {
                term: *term,
                success: *success,
                match_index: *match_index,
            },
            Payload::Rpc(Rpc::PreVote {
                term,
                last_log_index,
                last_log_term,
            }) => PacketSummary::PreVote {
                term: *term,
                last_log_index: *last_log_index,
                last_log_term: *last_log_term,
            },
            Payload::Rpc(Rpc::PreVoteReply { term, vote_granted }) => PacketSummary::PreVoteReply {
                term: *term,
                granted: *vote_granted,
            },
            Payload::ClientRequest { write, command, .. } => PacketSummary::ClientRequest {
                write: *write,
                command: command.clone(),
            },
            Payload::ClientReply { write, answer } => PacketSummary::ClientReply {
                write: *write,
                answer: answer.clone(),
            },
        }
    }

    pub fn kind(&self) -> PacketKind {
        match self {
            PacketSummary::RequestVote { .. } => PacketKind::RequestVote,
            PacketSummary::VoteReply { .. } => PacketKind::VoteReply,
            PacketSummary::AppendEntries { entries: 0, .. } => PacketKind::Heartbeat,
            PacketSummary::AppendEntries { .. } => PacketKind::AppendEntries,
            PacketSummary::AppendReply { .. } => PacketKind::AppendReply,
            PacketSummary::ClientRequest { .. } => PacketKind::ClientRequest,
            PacketSummary::ClientReply { .. } => PacketKind::ClientReply,
            PacketSummary::PreVote { .. } => PacketKind::PreVote,
            PacketSummary::PreVoteReply { .. } => PacketKind::PreVoteReply,
        }
    }
}

/// With Figure 2's field names, e.g. "RequestVote (term 3, lastLogIndex 5, lastLogTerm 2)".
impl fmt::Display for PacketSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketSummary::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => write!(
                f,
                "RequestVote (term {term}, lastLogIndex {last_log_index}, lastLogTerm {last_log_term})"
            ),
            PacketSummary::VoteReply { term, granted } => {
                let verdict = if *granted { "granted" } else { "refused" };
                write!(f, "vote reply (term {term}, {verdict})")
            }
            PacketSummary::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => write!(
                f,
                "PreVote (term {term}, lastLogIndex {last_log_index}, lastLogTerm {last_log_term})"
            ),
            PacketSummary::PreVoteReply { term, granted } => {
                let verdict = if *granted { "granted" } else { "refused" };
                write!(f, "pre-vote reply (term {term}, {verdict})")
            }
            PacketSummary::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                let name = if *entries == 0 {
                    "heartbeat"
                } else {
                    "AppendEntries"
                };
                write!(
                    f,
                    "{name} (term {term}, prevLogIndex {prev_log_index}, prevLogTerm {prev_log_term}"
                )?;
                match entries {
                    0 => {}
                    1 => f.write_str(", 1 entry")?,
                    n => write!(f, ", {n} entries")?,
                }
                write!(f, ", leaderCommit {leader_commit})")
            }
            PacketSummary::AppendReply {
                term,
                success: true,
                match_index,
            } => write!(
                f,
                "append reply (term {term}, success, matchIndex {match_index})"
            ),
            PacketSummary::AppendReply { term, .. } => {
                write!(f, "append reply (term {term}, refused)")
            }
            PacketSummary::ClientRequest { write, command } => {
                write!(f, "write #{write} ({command})")
            }
            PacketSummary::ClientReply { write, answer } => {
                write!(f, "answer to write #{write} ")?;
                match answer {
                    ClientAnswer::Committed {
                        index,
                        value,
                        duplicate,
                    } => {
                        write!(f, "(committed at index {index}, value {value}")?;
                        f.write_str(if *duplicate {
                            "; a duplicate, not applied again)"
                        } else {
                            ")"
                        })
                    }
                    ClientAnswer::Redirect { leader: Some(l) } => {
                        write!(f, "(not the leader; try {l})")
                    }
                    ClientAnswer::Redirect { leader: None } => {
                        f.write_str("(not the leader; leader unknown)")
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_their_kind_and_read_like_figure_2() {
        let append = Payload::Rpc(Rpc::AppendEntries {
            term: 3,
            prev_log_index: 4,
            prev_log_term: 2,
            entries: vec![Entry::new(3, Command::parse("SET x 1").unwrap())],
            leader_commit: 4,
        });
        let summary = PacketSummary::of(&append);
        assert_eq!(summary.kind(), PacketKind::AppendEntries);
        assert_eq!(
            summary.to_string(),
            "AppendEntries (term 3, prevLogIndex 4, prevLogTerm 2, 1 entry, leaderCommit 4)"
        );
        let vote = PacketSummary::of(&Payload::Rpc(Rpc::RequestVoteReply {
            term: 2,
            vote_granted: false,
        }));
        assert_eq!(vote.kind(), PacketKind::VoteReply);
        assert_eq!(vote.to_string(), "vote reply (term 2, refused)");
        let redirect = PacketSummary::of(&Payload::ClientReply {
            write: 7,
            answer: ClientAnswer::Redirect {
                leader: Some(NodeId(2)),
            },
        });
        assert_eq!(
            redirect.to_string(),
            "answer to write #7 (not the leader; try S2)"
        );
        for (i, kind) in PacketKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i, "ALL is in declaration order");
            assert_eq!(PacketKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(PacketKind::AppendEntries.to_string(), "append_entries");
    }

    #[test]
    fn addresses_read_and_write_as_names() {
        assert_eq!(String::from(Addr::Node(NodeId(4))), "S4");
        assert_eq!(Addr::try_from("client".to_string()), Ok(Addr::Client));
        assert_eq!(Addr::try_from("S2".to_string()), Ok(Addr::Node(NodeId(2))));
        assert!(Addr::try_from("server".to_string()).is_err());
        assert_eq!(Addr::Client.name(), "the client");
    }
}
