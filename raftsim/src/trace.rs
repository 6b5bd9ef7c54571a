//! The trace: every event a student might want explained, as data, with the rule behind it.
//!
//! The view's event log, the tour, the `raftsim` command and the tests all read this one record.

use crate::command::Command;
use crate::message::{Addr, ClientAnswer, ClientId, ClientWriteId, PacketId, PacketSummary, Seq};
use crate::types::{LogIndex, NodeId, Role, Term, Time};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

/// The rule of the Raft paper (or of the simulated world) that made an event happen.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Where to read about it, e.g. "§5.2" or "Figure 2". `"sim"` for the simulated world.
    pub section: &'static str,
    /// The rule in a few plain words.
    pub text: &'static str,
}

/// Why a server refused its vote (§5.2, §5.4.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteDenial {
    /// The candidate's term is older than ours.
    StaleTerm,
    /// We already voted for someone else in this term.
    AlreadyVoted { for_node: NodeId },
    /// The candidate's log is less up to date than ours (§5.4.1).
    LogNotUpToDate,
}

/// Which timer fired.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    Election,
    Heartbeat,
}

/// Why the network lost a packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The receiver was crashed when the packet arrived.
    ReceiverCrashed,
    /// The link was cut or the two ends were in different partitions.
    LinkDown,
    /// Random loss (sweeps) or a loss rate set by the user.
    Lost,
    /// A person dropped this packet by hand.
    DroppedByUser,
}

/// What a server knew of a client write that reached it again (§8).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "was", rename_all = "snake_case")]
pub enum Duplicate {
    /// Applied before at `index`, leaving the key at `value`: the recorded result.
    Applied { index: LogIndex, value: i64 },
    /// Applied and answered long ago; the client said so and its result is forgotten.
    Answered,
    /// Already in this leader's log at `index`, not yet committed.
    Waiting { index: LogIndex },
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RoleChanged {
        from: Role,
        to: Role,
        term: Term,
    },
    TermAdvanced {
        from: Term,
        to: Term,
    },
    TimerFired {
        timer: Timer,
    },
    MessageSent {
        packet: PacketId,
        to: Addr,
        summary: PacketSummary,
        /// A second copy the network made (random duplication).
        duplicate: bool,
    },
    MessageDelivered {
        packet: PacketId,
        from: Addr,
        summary: PacketSummary,
    },
    MessageDropped {
        packet: PacketId,
        reason: DropReason,
        summary: PacketSummary,
    },
    VoteGranted {
        candidate: NodeId,
        term: Term,
    },
    VoteDenied {
        candidate: NodeId,
        term: Term,
        reason: VoteDenial,
    },
    VoteReceived {
        from: NodeId,
        granted: bool,
        votes: usize,
        needed: usize,
    },
    EntriesAppended {
        first_index: LogIndex,
        count: usize,
    },
    EntriesTruncated {
        first_index: LogIndex,
        count: usize,
    },
    AppendRejected {
        prev_log_index: LogIndex,
        prev_log_term: Term,
    },
    NextIndexBackedOff {
        follower: NodeId,
        next_index: LogIndex,
    },
    CommitAdvanced {
        from: LogIndex,
        to: LogIndex,
    },
    Applied {
        index: LogIndex,
        command: Command,
        value: i64,
    },
    ClientWriteSubmitted {
        write: ClientWriteId,
        command: Command,
    },
    ClientAnswered {
        write: ClientWriteId,
        answer: ClientAnswer,
    },
    /// The client sent a write again, with the same sequence number (§8): its retry timer ran
    /// out, or someone pressed Retry. `attempt` counts the sends of the write from 1.
    ClientRetried {
        write: ClientWriteId,
        attempt: u32,
    },
    /// A committed entry repeats a client write applied before: skipped, not applied again.
    DuplicateSkipped {
        index: LogIndex,
        /// Boxed: a rare event, and every event is as large as the largest kind.
        command: Box<Command>,
        client: ClientId,
        seq: Seq,
        of: Duplicate,
    },
    /// A leader got a client write it already knows: answered from the recorded result, or left
    /// to the copy already in its log, or ignored, and not appended again.
    DuplicateRequest {
        write: ClientWriteId,
        client: ClientId,
        seq: Seq,
        of: Duplicate,
    },
    Crashed,
    Restarted,
    NetworkChanged {
        description: String,
    },
    /// A server refused an RPC because its term is older than the server's own (§5.1).
    StaleTermRejected {
        from: NodeId,
        term: Term,
    },
    /// A reply carrying an old term, or arriving after the server left the role that asked,
    /// changes nothing (§5.1).
    StaleReplyIgnored {
        from: NodeId,
        term: Term,
    },
    /// Someone pinned (Some) or unpinned (None) a server's election timeout.
    TimeoutPinned {
        timeout_us: Option<Time>,
    },
    /// With `forget_vote_on_restart` broken: a restart lost the vote cast in `term`.
    VoteForgotten {
        term: Term,
        for_node: NodeId,
    },
    /// With `keep_conflicting_entries` broken: a follower kept `count` entries from
    /// `first_index` on that conflict with the leader's.
    ConflictKept {
        first_index: LogIndex,
        count: usize,
    },
    /// Pre-vote: a server asks whether it could win an election for `term` (its term plus one)
    /// without raising its own term.
    PreVoteStarted {
        term: Term,
    },
    PreVoteGranted {
        candidate: NodeId,
        term: Term,
    },
    PreVoteDenied {
        candidate: NodeId,
        term: Term,
        reason: PreVoteDenial,
    },
    PreVoteReceived {
        from: NodeId,
        granted: bool,
        votes: usize,
        needed: usize,
    },
}

/// Why a server refused a pre-vote (Ongaro's thesis §9.6).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreVoteDenial {
    /// The term asked for is older than ours.
    StaleTerm,
    /// We heard from a leader within the minimum election timeout.
    LeaderAlive,
    /// The asking server's log is less up to date than ours (§5.4.1).
    LogNotUpToDate,
}

/// One entry of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Sequence number in the trace, from 0.
    pub seq: u64,
    pub at: Time,
    /// The server it happened on, if any (network and client events may have none).
    pub node: Option<NodeId>,
    pub kind: EventKind,
    pub rule: &'static Rule,
}

impl Event {
    /// Routine traffic: messages sent, delivered, or lost to the network (every heartbeat
    /// across a partition is one), heartbeat rounds, and late replies set aside (a vote arriving
    /// after the election was won). Many per heartbeat, so an event log hides them unless asked;
    /// a message dropped by hand is not routine.
    pub fn is_traffic(&self) -> bool {
        match &self.kind {
            EventKind::MessageSent { .. }
            | EventKind::MessageDelivered { .. }
            | EventKind::StaleReplyIgnored { .. } => true,
            EventKind::MessageDropped { reason, .. } => *reason != DropReason::DroppedByUser,
            EventKind::TimerFired { timer } => *timer == Timer::Heartbeat,
            _ => false,
        }
    }

    /// One plain sentence for people, e.g. "S3 granted its vote to S1 for term 2". A decision
    /// only a rule broken on purpose allows says so.
    pub fn describe(&self) -> String {
        let sentence = self.sentence();
        if self.rule.text.starts_with(rules::BROKEN) {
            format!("{sentence} (rule broken on purpose)")
        } else {
            sentence
        }
    }

    fn sentence(&self) -> String {
        let who = match self.node {
            Some(id) => id.to_string(),
            None => "The client".to_string(),
        };
        match &self.kind {
            EventKind::RoleChanged { from, to, term } => match (from, to) {
                (_, Role::Candidate) => {
                    format!("{who} became a candidate and started an election for term {term}")
                }
                (_, Role::Leader) => format!("{who} won the election and leads term {term}"),
                (_, Role::Follower) if self.rule.section == rules::RESTART.section => {
                    format!("{who} came back as a follower in term {term}")
                }
                (Role::Leader, Role::Follower) => {
                    format!("{who} stepped down from leader to follower in term {term}")
                }
                (_, Role::Follower) => {
                    format!("{who} went from {from} back to follower in term {term}")
                }
            },
            EventKind::TermAdvanced { from, to } => {
                format!("{who} moved from term {from} to term {to}")
            }
            EventKind::TimerFired { timer } => match (timer, self.rule.section) {
                (Timer::Election, "sim") => {
                    format!("{who}'s election timer was fired by hand")
                }
                (Timer::Election, _) => format!(
                    "{who}'s election timer ran out without hearing from a leader"
                ),
                (Timer::Heartbeat, _) => format!("{who}'s heartbeat timer fired"),
            },
            EventKind::MessageSent {
                packet,
                to,
                summary,
                duplicate,
            } => {
                let to = to.name();
                let copy = if *duplicate { " (duplicate)" } else { "" };
                format!("{who} sent {summary}{copy} to {to} (packet {packet})")
            }
            EventKind::MessageDelivered {
                packet,
                from,
                summary,
            } => {
                let from = from.name();
                format!("{who} received {summary} from {from} (packet {packet})")
            }
            EventKind::MessageDropped {
                packet,
                reason,
                summary,
            } => {
                let why = match reason {
                    DropReason::ReceiverCrashed => "its receiver is crashed",
                    DropReason::LinkDown => "the link is down",
                    DropReason::Lost => "the network lost it",
                    DropReason::DroppedByUser => "it was dropped by hand",
                };
                format!("Packet {packet} ({summary}) was dropped: {why}")
            }
            EventKind::VoteGranted { candidate, term } => {
                format!("{who} granted its vote to {candidate} for term {term}")
            }
            EventKind::VoteDenied {
                candidate,
                term,
                reason,
            } => match reason {
                VoteDenial::StaleTerm => format!(
                    "{who} refused {candidate}'s vote: term {term} is older than its own (§5.1)"
                ),
                VoteDenial::AlreadyVoted { for_node } => format!(
                    "{who} refused {candidate}'s vote: it already voted for {for_node} in term {term} (§5.2)"
                ),
                VoteDenial::LogNotUpToDate => format!(
                    "{who} refused {candidate}'s vote: its log is more up to date (§5.4.1)"
                ),
            },
            EventKind::VoteReceived {
                from,
                granted,
                votes,
                needed,
            } => {
                if *granted {
                    format!("{who} got a vote from {from}: {votes} of the {needed} it needs")
                } else {
                    format!("{who} was refused a vote by {from}: still {votes} of the {needed} it needs")
                }
            }
            EventKind::EntriesAppended { first_index, count } => {
                if *count == 1 {
                    format!("{who} appended 1 entry at index {first_index}")
                } else {
                    format!(
                        "{who} appended {count} entries at indexes {first_index}–{}",
                        first_index + *count as LogIndex - 1
                    )
                }
            }
            EventKind::EntriesTruncated { first_index, count } => format!(
                "{who} deleted {count} conflicting entr{} from index {first_index} on (§5.3)",
                if *count == 1 { "y" } else { "ies" }
            ),
            EventKind::AppendRejected {
                prev_log_index,
                prev_log_term,
            } => format!(
                "{who} rejected AppendEntries: its log has no entry {prev_log_index} of term {prev_log_term} (§5.3)"
            ),
            EventKind::NextIndexBackedOff {
                follower,
                next_index,
            } => format!("{who} backed off nextIndex for {follower} to {next_index} and will retry"),
            EventKind::CommitAdvanced { from, to } => {
                format!("{who} advanced its commit index from {from} to {to}")
            }
            EventKind::Applied {
                index,
                command: Command::Noop,
                ..
            } => format!("{who} applied entry {index}, a no-op: the state machine is unchanged"),
            EventKind::Applied {
                index,
                command,
                value,
            } => format!(
                "{who} applied entry {index} ({command}): {} is now {value}",
                command.key()
            ),
            EventKind::ClientWriteSubmitted { write, command } => match self.node {
                Some(to) => format!("The client typed write #{write} ({command}) for {to}"),
                None => format!("The client submitted write #{write} ({command})"),
            },
            EventKind::ClientAnswered { write, answer } => match answer {
                ClientAnswer::Committed {
                    index,
                    value,
                    duplicate: false,
                } => format!(
                    "The client learned write #{write} is committed at index {index} (value {value})"
                ),
                ClientAnswer::Committed { index, value, .. } => format!(
                    "The client learned write #{write} is committed at index {index} (value {value}); \
                     the copy it sent again was recognised and not applied again"
                ),
                ClientAnswer::Redirect { leader: Some(l) } => {
                    format!("The client was told to send write #{write} to the leader, {l}")
                }
                ClientAnswer::Redirect { leader: None } => format!(
                    "The client was turned away for write #{write}: no leader is known"
                ),
            },
            EventKind::ClientRetried { write, attempt } => {
                let to = self.node.map_or("a server".to_string(), |n| n.to_string());
                let how = if self.rule.text == rules::CLIENT_RETRY.text {
                    "heard no answer in time and "
                } else {
                    ""
                };
                format!(
                    "The client {how}sent write #{write} again to {to}, with the same sequence number (send {attempt})"
                )
            }
            EventKind::DuplicateSkipped {
                index,
                command,
                client,
                seq,
                of,
            } => {
                let why = match of {
                    Duplicate::Applied { index, .. } => format!("it was applied at index {index}"),
                    _ => "it was applied and answered long ago".to_string(),
                };
                format!(
                    "{who} skipped entry {index} ({command}): client {client}'s write {seq} again, and {why}, so it is not applied again"
                )
            }
            EventKind::DuplicateRequest {
                write,
                client,
                seq,
                of,
            } => match of {
                Duplicate::Applied { index, value } => format!(
                    "{who} recognised write #{write} (client {client}'s write {seq}) as a duplicate: applied at index {index}, it answers with the recorded result ({value}) and does not apply it again"
                ),
                Duplicate::Answered => format!(
                    "{who} ignored write #{write} (client {client}'s write {seq}): applied and answered long ago"
                ),
                Duplicate::Waiting { index } => format!(
                    "{who} already holds write #{write} at index {index}, not yet committed: it does not append it again"
                ),
            },
            EventKind::Crashed => format!("{who} crashed"),
            EventKind::Restarted => format!(
                "{who} restarted with its term, vote and log, but nothing committed or applied"
            ),
            EventKind::NetworkChanged { description } => description.clone(),
            EventKind::StaleTermRejected { from, term } => format!(
                "{who} rejected a message from {from}: its term {term} is out of date (§5.1)"
            ),
            EventKind::StaleReplyIgnored { from, term } => {
                format!("{who} ignored a reply from {from} that no longer matters (term {term})")
            }
            EventKind::TimeoutPinned {
                timeout_us: Some(t),
            } => format!(
                "{who}'s election timeout is pinned to {} from its next reset",
                crate::types::fmt_ms(*t)
            ),
            EventKind::TimeoutPinned { timeout_us: None } => {
                format!("{who}'s election timeout is random again from its next reset")
            }
            EventKind::VoteForgotten { term, for_node } => format!(
                "{who} forgot on restart that it voted for {for_node} in term {term}"
            ),
            EventKind::ConflictKept { first_index, count } => format!(
                "{who} kept {count} entr{} from index {first_index} on that conflict with the leader's",
                if *count == 1 { "y" } else { "ies" }
            ),
            EventKind::PreVoteStarted { term } => format!(
                "{who} asked for pre-votes: could it win term {term}? Its own term stays"
            ),
            EventKind::PreVoteGranted { candidate, term } => {
                format!("{who} granted a pre-vote to {candidate} for term {term}")
            }
            EventKind::PreVoteDenied {
                candidate,
                term,
                reason,
            } => match reason {
                PreVoteDenial::StaleTerm => format!(
                    "{who} refused {candidate} a pre-vote: term {term} is older than its own"
                ),
                PreVoteDenial::LeaderAlive => format!(
                    "{who} refused {candidate} a pre-vote for term {term}: it hears from a leader"
                ),
                PreVoteDenial::LogNotUpToDate => format!(
                    "{who} refused {candidate} a pre-vote for term {term}: its own log is more up to date"
                ),
            },
            EventKind::PreVoteReceived {
                from,
                granted,
                votes,
                needed,
            } => {
                if *granted {
                    format!("{who} got a pre-vote from {from}: {votes} of the {needed} it needs")
                } else {
                    format!("{who} was refused a pre-vote by {from}: still {votes} of the {needed} it needs")
                }
            }
        }
    }
}

/// The rules the simulation cites, each with its place in the paper. Short plain words, for the
/// event log and the tour.
pub mod rules {
    use super::Rule;

    const fn r(section: &'static str, text: &'static str) -> Rule {
        Rule { section, text }
    }

    pub const ELECTION_TIMEOUT: &Rule = &r(
        "§5.2",
        "A follower or candidate that hears from no leader for an election timeout starts an election",
    );
    pub const START_ELECTION: &Rule = &r(
        "§5.2",
        "To start an election a server increments its term, votes for itself and asks every other server for a vote",
    );
    pub const SINGLE_NODE: &Rule = &r(
        "§5.2",
        "A candidate with votes from a majority becomes leader; alone, its own vote is a majority",
    );
    pub const HIGHER_TERM: &Rule = &r(
        "§5.1",
        "A server that sees a higher term adopts it and becomes a follower",
    );
    pub const STALE_TERM: &Rule = &r(
        "§5.1",
        "A server rejects any request whose term is older than its own",
    );
    pub const STALE_REPLY: &Rule = &r(
        "§5.1",
        "A reply from an old term, or to a role the server no longer holds, is ignored",
    );
    pub const CANDIDATE_SEES_LEADER: &Rule = &r(
        "§5.2",
        "A candidate that hears AppendEntries from a leader of its own term accepts it and becomes a follower",
    );
    pub const GRANT_VOTE: &Rule = &r(
        "§5.2",
        "A server grants one vote per term, first come first served, to a candidate whose log is at least as up to date",
    );
    pub const ONE_VOTE: &Rule = &r("§5.2", "A server votes for at most one candidate in a term");
    pub const UP_TO_DATE: &Rule = &r(
        "§5.4.1",
        "Vote only for a candidate whose log is at least as up to date: later last term wins, then longer log",
    );
    pub const COUNT_VOTE: &Rule = &r(
        "§5.2",
        "A candidate counts the votes of the current term; a majority makes it leader",
    );
    pub const WIN_ELECTION: &Rule = &r(
        "§5.2",
        "A candidate with votes from a majority becomes leader and sends heartbeats at once",
    );
    pub const HEARTBEAT: &Rule = &r(
        "§5.2",
        "A leader sends AppendEntries (empty ones are heartbeats) regularly so followers do not start elections",
    );
    pub const CLIENT_APPEND: &Rule = &r(
        "§5.3",
        "The leader appends a client's command to its own log, then replicates it",
    );
    pub const CONSISTENCY_CHECK: &Rule = &r(
        "§5.3",
        "A follower refuses AppendEntries unless its log has the entry just before the new ones, with the same term",
    );
    pub const TRUNCATE_CONFLICT: &Rule = &r(
        "§5.3",
        "If an entry conflicts with the leader's (same index, other term), delete it and all that follow",
    );
    pub const APPEND_NEW: &Rule = &r(
        "§5.3",
        "A follower appends the leader's entries that are not already in its log",
    );
    pub const BACK_OFF: &Rule = &r(
        "§5.3",
        "After a refusal the leader decrements nextIndex and retries, until the logs match",
    );
    pub const FOLLOWER_COMMIT: &Rule = &r(
        "§5.3",
        "A follower sets commitIndex to the smaller of leaderCommit and the index of its last new entry",
    );
    pub const LEADER_COMMIT: &Rule = &r(
        "§5.4.2",
        "A leader commits an entry of its own term once a majority stores it; earlier entries commit with it",
    );
    pub const APPLY: &Rule = &r(
        "§5.3",
        "Committed entries are applied to the state machine in log order",
    );
    pub const ANSWER_CLIENT: &Rule = &r(
        "§8",
        "The leader answers a client once the client's entry is committed and applied",
    );
    pub const REDIRECT: &Rule = &r(
        "§8",
        "A server that is not the leader turns clients away, naming the leader if it knows one",
    );
    pub const CLIENT: &Rule = &r(
        "§8",
        "The client sends its write to a server and waits for an answer",
    );
    pub const CLIENT_RETRY: &Rule = &r(
        "§8",
        "A client that hears no answer in time sends its write again, with the same sequence number, to the leader it last heard of",
    );
    pub const CLIENT_RETRY_BY_HAND: &Rule = &r(
        "§8",
        "A client may send a write again at any time: the same sequence number lets the cluster apply it at most once",
    );
    pub const DUPLICATE_SKIPPED: &Rule = &r(
        "§8",
        "The state machine applies each client write at most once: an entry repeating one already applied is skipped",
    );
    pub const DUPLICATE_ANSWERED: &Rule = &r(
        "§8",
        "A duplicate request is answered with the recorded result and not applied again",
    );
    pub const DUPLICATE_FORGOTTEN: &Rule = &r(
        "§8",
        "A write the client has been answered for is never applied again; its result is forgotten once the client no longer awaits it",
    );
    pub const DUPLICATE_WAITING: &Rule = &r(
        "§8",
        "A leader that already holds a client write in its log does not append it again; it answers once the entry is applied",
    );
    pub const SEND: &Rule = &r("sim", "Packets cross the network with a random latency");
    pub const DELIVER: &Rule = &r("sim", "A packet arrives when its latency has elapsed");
    pub const DUPLICATE: &Rule = &r("sim", "The network may deliver a packet twice");
    pub const LOST: &Rule = &r("sim", "The network may lose packets");
    pub const LINK_DOWN: &Rule = &r(
        "sim",
        "A packet crossing a cut link or a partition is lost on arrival",
    );
    pub const RECEIVER_CRASHED: &Rule = &r("sim", "A crashed server loses everything sent to it");
    pub const BY_HAND: &Rule = &r("sim", "Done by hand");
    pub const CRASH: &Rule = &r(
        "sim",
        "A crashed server stops; its term, vote and log are on disk and survive",
    );
    pub const RESTART: &Rule = &r(
        "Figure 2",
        "A restarted server keeps its persistent state (term, vote, log) and loses the volatile rest",
    );
    pub const NETWORK: &Rule = &r("sim", "The network changed");

    // Protocol options (off unless a run turns them on).
    pub const LEADER_NOOP: &Rule = &r(
        "§8",
        "A new leader appends an entry of its own term with no command at once, so that earlier entries can commit",
    );
    pub const APPLY_NOOP: &Rule = &r(
        "§8",
        "An entry with no command is committed like any other but changes nothing in the state machine",
    );
    pub const PRE_VOTE_START: &Rule = &r(
        "thesis §9.6",
        "With pre-vote, a server whose election timer runs out first asks whether it could win, without raising its term",
    );
    pub const PRE_VOTE_GRANT: &Rule = &r(
        "thesis §9.6",
        "A server grants a pre-vote if the term is not old, it has not heard from a leader within the minimum election timeout, and the candidate's log is up to date; it changes nothing of its own",
    );
    pub const PRE_VOTE_LEADER_ALIVE: &Rule = &r(
        "thesis §9.6",
        "A server that heard from a leader within the minimum election timeout refuses pre-votes: the leader is alive",
    );
    pub const PRE_VOTE_COUNT: &Rule = &r(
        "thesis §9.6",
        "A server counts pre-votes; only with a majority does it raise its term and start a real election",
    );
    pub const CHECK_QUORUM: &Rule = &r(
        "thesis §6.2",
        "With check-quorum, a leader that has not heard from a majority within an election timeout steps down",
    );

    /// How the text of every rule broken on purpose begins.
    pub const BROKEN: &str = "BROKEN on purpose: ";

    // Rules broken on purpose (never unless a run breaks them).
    pub const BROKEN_COMMIT_OLD_TERM: &Rule = &r(
        "§5.4.2",
        "BROKEN on purpose: the leader commits an entry of an earlier term because a majority stores it (Figure 8 shows why Raft never does)",
    );
    pub const BROKEN_VOTE_WITHOUT_LOG_CHECK: &Rule = &r(
        "§5.4.1",
        "BROKEN on purpose: the vote is granted without checking that the candidate's log is at least as up to date",
    );
    pub const BROKEN_VOTE_TWICE: &Rule = &r(
        "§5.2",
        "BROKEN on purpose: the server votes again in a term in which it already voted for another candidate",
    );
    pub const BROKEN_FORGET_VOTE: &Rule = &r(
        "Figure 2",
        "BROKEN on purpose: votedFor is not persistent, so a restart forgets the vote cast in the current term",
    );
    pub const BROKEN_KEEP_CONFLICTING: &Rule = &r(
        "§5.3",
        "BROKEN on purpose: the follower keeps entries that conflict with the leader's instead of deleting them and all that follow",
    );
}

const CHUNK: usize = 256;
/// How many of the latest events that are not routine traffic a bounded trace keeps from the
/// chunks it lets go.
pub const NOTABLE_KEPT: usize = 64;
/// At most this many chunks let go are held whole for their notable events; the notable events
/// of older ones are copied out and the chunks freed.
const LET_GO_HELD: usize = 2;

/// One bit per event of a chunk: set for the events that are not routine traffic.
type Marks = [u64; CHUNK / 64];

fn mark(marks: &mut Marks, i: usize) {
    marks[i / 64] |= 1 << (i % 64);
}

fn marked(marks: &Marks, i: usize) -> bool {
    marks[i / 64] & (1 << (i % 64)) != 0
}

/// How many events at positions `from..` are marked.
fn marked_from(marks: &Marks, from: usize) -> usize {
    let mut n = 0;
    for (w, word) in marks.iter().enumerate() {
        let lo = w * 64;
        if from >= lo + 64 {
            continue;
        }
        let word = if from > lo {
            word >> (from - lo)
        } else {
            *word
        };
        n += word.count_ones() as usize;
    }
    n
}

/// The marks of the notable events among `events`.
fn marks_of(events: &[Event]) -> Marks {
    let mut marks = Marks::default();
    for (i, e) in events.iter().enumerate() {
        if !e.is_traffic() {
            mark(&mut marks, i);
        }
    }
    marks
}

/// A full chunk of events, shared between copies of the trace, with the marks of its notable
/// events when the trace was bounded as they were pushed (so that letting the chunk go need not
/// read it again).
#[derive(Clone, Debug)]
struct Sealed {
    events: Arc<Vec<Event>>,
    notable: Option<Marks>,
}

/// A chunk let go that still holds some of the latest notable events let go: those at
/// positions `from..` of it.
#[derive(Clone, Debug)]
struct LetGo {
    events: Arc<Vec<Event>>,
    notable: Marks,
    from: usize,
}

/// An append-only list of events that clones in O(number of chunks): full chunks are shared
/// behind `Arc`, only the open tail is copied. Step-back snapshots lean on this.
///
/// By default every event is kept. [`Trace::keep_at_most`] bounds memory for long sessions: the
/// oldest whole chunks are then let go, while `len` still counts every event ever pushed and
/// event numbers (`seq`) stay absolute.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    sealed: VecDeque<Sealed>,
    open: Vec<Event>,
    open_notable: Marks,
    len: usize,
    /// Events let go from the front (always whole chunks).
    dropped: usize,
    keep: Option<usize>,
    /// The latest [`NOTABLE_KEPT`] events let go that are not routine traffic, oldest first,
    /// so that what an event log shows of the past reads the same however much a trace keeps:
    /// copies of the oldest of them here, then the notable events of the chunks in `let_go`.
    notable_copied: VecDeque<Event>,
    let_go: VecDeque<LetGo>,
    /// How many notable events the chunks in `let_go` contribute.
    let_go_notable: usize,
}

impl Trace {
    pub fn push(&mut self, event: Event) {
        // Only a bounded trace lets chunks go; an unbounded one marks its open chunk when it
        // becomes bounded.
        if self.keep.is_some() && !event.is_traffic() {
            mark(&mut self.open_notable, self.open.len());
        }
        self.open.push(event);
        self.len += 1;
        if self.open.len() == CHUNK {
            let full = std::mem::replace(&mut self.open, Vec::with_capacity(CHUNK));
            let notable = std::mem::take(&mut self.open_notable);
            let notable = self.keep.is_some().then_some(notable);
            self.sealed.push_back(Sealed {
                events: Arc::new(full),
                notable,
            });
            self.trim();
        }
    }

    /// Keep at least the latest `at_most` events (and fewer than `at_most` plus two chunks of
    /// 256), letting older ones go; `None` keeps everything.
    pub fn keep_at_most(&mut self, at_most: Option<usize>) {
        if self.keep.is_none() && at_most.is_some() {
            self.open_notable = marks_of(&self.open);
        }
        self.keep = at_most;
        self.trim();
    }

    fn trim(&mut self) {
        let Some(max) = self.keep else {
            return;
        };
        while let Some(front) = self.sealed.front() {
            if self.len - self.dropped - front.events.len() < max {
                break;
            }
            self.dropped += front.events.len();
            let Sealed { events, notable } = self.sealed.pop_front().expect("front exists");
            let notable = notable.unwrap_or_else(|| marks_of(&events));
            self.let_go_notable(events, notable);
        }
    }

    /// Keeps what the event log needs of a chunk let go: the chunk itself while it holds some
    /// of the latest [`NOTABLE_KEPT`] notable events let go.
    fn let_go_notable(&mut self, events: Arc<Vec<Event>>, notable: Marks) {
        let count = marked_from(&notable, 0);
        if count == 0 {
            return;
        }
        self.let_go.push_back(LetGo {
            events,
            notable,
            from: 0,
        });
        self.let_go_notable += count;
        // Only the latest NOTABLE_KEPT stay: the oldest go first.
        let mut excess =
            (self.notable_copied.len() + self.let_go_notable).saturating_sub(NOTABLE_KEPT);
        let copied = excess.min(self.notable_copied.len());
        self.notable_copied.drain(..copied);
        excess -= copied;
        while excess > 0 {
            let front = self.let_go.front_mut().expect("the chunks hold the excess");
            let shown = marked_from(&front.notable, front.from);
            if shown <= excess {
                self.let_go.pop_front();
                self.let_go_notable -= shown;
                excess -= shown;
            } else {
                let mut skipped = 0;
                while skipped < excess {
                    if marked(&front.notable, front.from) {
                        skipped += 1;
                    }
                    front.from += 1;
                }
                while !marked(&front.notable, front.from) {
                    front.from += 1;
                }
                self.let_go_notable -= excess;
                excess = 0;
            }
        }
        // Hold few chunks: an older one gives up copies of its notable events and is freed.
        while self.let_go.len() > LET_GO_HELD {
            let oldest = self.let_go.pop_front().expect("more than LET_GO_HELD");
            for i in oldest.from..oldest.events.len() {
                if marked(&oldest.notable, i) {
                    self.notable_copied.push_back(oldest.events[i].clone());
                    self.let_go_notable -= 1;
                }
            }
        }
    }

    /// Every event ever recorded, kept or not.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `seq` of the oldest event kept (0 unless old events were let go).
    pub fn first_kept(&self) -> usize {
        self.dropped
    }

    /// All events kept, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Event> + '_ {
        self.sealed
            .iter()
            .flat_map(|chunk| chunk.events.iter())
            .chain(self.open.iter())
    }

    /// The events that are not routine traffic ([`Event::is_traffic`]), oldest first: every
    /// one kept, and before them the latest [`NOTABLE_KEPT`] of those let go.
    pub fn notable(&self) -> impl DoubleEndedIterator<Item = &Event> + '_ {
        let let_go = self
            .let_go
            .iter()
            .flat_map(|g| g.events[g.from..].iter())
            .filter(|e| !e.is_traffic());
        self.notable_copied
            .iter()
            .chain(let_go)
            .chain(self.iter().filter(|e| !e.is_traffic()))
    }

    /// Kept events with `seq >= from`, oldest first.
    pub fn since(&self, from: usize) -> impl Iterator<Item = &Event> + '_ {
        let chunk = from.saturating_sub(self.dropped) / CHUNK;
        self.sealed
            .iter()
            .skip(chunk)
            .flat_map(|c| c.events.iter())
            .chain(self.open.iter())
            .skip_while(move |e| (e.seq as usize) < from)
    }

    /// The most recent `n` events, newest first.
    pub fn latest(&self, n: usize) -> Vec<&Event> {
        self.iter().rev().take(n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64) -> Event {
        Event {
            seq,
            at: seq,
            node: None,
            kind: EventKind::Crashed,
            rule: &Rule {
                section: "sim",
                text: "test",
            },
        }
    }

    #[test]
    fn trace_chunks_share_and_iterate_in_order() {
        let mut t = Trace::default();
        for i in 0..600 {
            t.push(ev(i));
        }
        let copy = t.clone();
        t.push(ev(600));
        assert_eq!(copy.len(), 600);
        assert_eq!(t.len(), 601);
        let seqs: Vec<u64> = t.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..601).collect::<Vec<_>>());
        let tail: Vec<u64> = t.since(590).map(|e| e.seq).collect();
        assert_eq!(tail, (590..601).collect::<Vec<_>>());
        assert_eq!(t.latest(2)[0].seq, 600);
    }

    /// Event `seq`, routine traffic unless `notable`.
    fn ev_of(seq: u64, notable: bool) -> Event {
        let mut e = ev(seq);
        if !notable {
            e.kind = EventKind::TimerFired {
                timer: Timer::Heartbeat,
            };
        }
        e
    }

    #[test]
    fn a_bounded_trace_shows_the_latest_notable_events_let_go_however_sparse() {
        // Notable every `every` events (sparse to dense), bounds small and large, changed midway.
        for every in [1u64, 2, 3, 7, 50, 97, 300, 1000] {
            for (first, then) in [
                (Some(300), Some(300)),
                (Some(500), Some(2000)),
                (Some(1), Some(600)),
                (Some(2000), Some(256)),
                (None, Some(700)),
                (Some(400), None),
            ] {
                let mut t = Trace::default();
                t.keep_at_most(first);
                let mut notable_seqs = Vec::new();
                for i in 0..6000u64 {
                    if i == 3000 || i == 4321 {
                        t.keep_at_most(if i == 3000 { then } else { first.or(then) });
                    }
                    let notable = i % every == 0;
                    if notable {
                        notable_seqs.push(i);
                    }
                    t.push(ev_of(i, notable));
                    if i % 611 == 0 || i == 5999 {
                        let kept = t.first_kept() as u64;
                        let let_go: Vec<u64> =
                            notable_seqs.iter().copied().filter(|&s| s < kept).collect();
                        let mut want: Vec<u64> =
                            let_go[let_go.len().saturating_sub(NOTABLE_KEPT)..].to_vec();
                        want.extend(notable_seqs.iter().copied().filter(|&s| s >= kept));
                        let got: Vec<u64> = t.notable().map(|e| e.seq).collect();
                        assert_eq!(got, want, "every {every}, keep {first:?}/{then:?}, at {i}");
                        let back: Vec<u64> = t.notable().rev().map(|e| e.seq).collect();
                        assert!(back.iter().rev().eq(want.iter()));
                        assert_eq!(t.clone().notable().count(), want.len());
                    }
                }
            }
        }
    }

    #[test]
    fn a_bounded_trace_lets_whole_old_chunks_go_and_keeps_numbering() {
        let mut t = Trace::default();
        t.keep_at_most(Some(500));
        for i in 0..2000 {
            t.push(ev(i));
        }
        assert_eq!(t.len(), 2000);
        let kept: Vec<u64> = t.iter().map(|e| e.seq).collect();
        assert!(
            kept.len() >= 500 && kept.len() < 500 + 2 * CHUNK,
            "{}",
            kept.len()
        );
        assert_eq!(kept.first().copied(), Some(t.first_kept() as u64));
        assert_eq!(kept.last().copied(), Some(1999));
        assert!(kept.windows(2).all(|w| w[1] == w[0] + 1));
        let tail: Vec<u64> = t.since(1990).map(|e| e.seq).collect();
        assert_eq!(tail, (1990..2000).collect::<Vec<_>>());
        let all_kept: Vec<u64> = t.since(0).map(|e| e.seq).collect();
        assert_eq!(
            all_kept, kept,
            "asking for let-go events gives what is kept"
        );
        t.keep_at_most(None);
        t.push(ev(2000));
        assert_eq!(t.iter().count(), kept.len() + 1);
    }
}
