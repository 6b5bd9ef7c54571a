//! One Raft server as a pure state machine (Figure 2). It reacts to a delivered message or a
//! timer, changes its own state, and pushes packets and trace events into its context
//! ([`Ctx`], in `ctx.rs`). It never sees the network, a clock or a screen.

use crate::chunks::Chunks;
use crate::command::{Applied, Command, KvStore};
pub use crate::ctx::{Ctx, Timing};
use crate::lab::{BrokenRule, ProtocolOption};
use crate::message::{Addr, ClientAnswer, ClientTag, ClientWriteId, Entry, Payload, Rpc};
use crate::trace::{rules, Duplicate, EventKind, Rule, Timer, VoteDenial};
use crate::types::{majority, LogIndex, NodeId, Role, Term, Time, MAX_NODES};
use serde::Serialize;
use std::collections::BTreeMap;

mod options;

/// Everything one server holds. Field names follow Figure 2 so that screen and paper match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub id: NodeId,
    /// Number of servers in the cluster, this one included.
    pub cluster_size: usize,

    // Persistent state on all servers (survives a crash).
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    /// Entry `i` of the log is `log[i - 1]`.
    pub log: Chunks<Entry>,

    // Volatile state on all servers.
    pub commit_index: LogIndex,
    pub last_applied: LogIndex,
    pub role: Role,
    /// The leader this server last heard from in `current_term`, for client redirects.
    pub leader_id: Option<NodeId>,
    /// The applied contents of the state machine.
    pub kv: KvStore,

    // Volatile state on leaders (reinitialized after election). Indexed by `NodeId::index()`.
    pub next_index: Vec<LogIndex>,
    pub match_index: Vec<LogIndex>,
    /// For each follower, the last index the most recent AppendEntries to it covered. While the
    /// follower's matchIndex is below it, an AppendEntries is on its way and new client entries
    /// wait for its reply (or the next heartbeat) instead of being sent again and again.
    pub sent_through: Vec<LogIndex>,

    // Volatile state on candidates: who granted a vote in `current_term`.
    pub votes_granted: Vec<NodeId>,

    // Timers, as absolute simulated times.
    /// When the current election timer was (re)started.
    pub election_timer_start: Time,
    /// When it fires, unless reset first. Ignored while leader.
    pub election_deadline: Time,
    /// When a leader sends its next round of heartbeats. Ignored unless leader.
    pub heartbeat_due: Time,

    /// Writes this leader owes an answer once the entry at the index is applied.
    pub pending_writes: BTreeMap<LogIndex, ClientWriteId>,

    /// A crashed server does nothing and loses what is sent to it.
    pub crashed: bool,

    // Volatile state for the protocol options (unused while they are off).
    /// Pre-vote: who said yes in the pre-vote this server is holding; None when not asking.
    pub pre_votes: Option<Vec<NodeId>>,
    /// When this server last accepted AppendEntries from the leader of its term.
    pub heard_leader_at: Option<Time>,
    /// Check-quorum, on a leader: the followers that answered since the last check, by
    /// `NodeId::index()`, and when the next check is due.
    pub heard_from: Vec<bool>,
    pub quorum_check_due: Time,
}

impl Node {
    /// Index of the last log entry (0 if the log is empty).
    pub fn last_log_index(&self) -> LogIndex {
        self.log.len() as LogIndex
    }

    /// Term of the last log entry (0 if the log is empty).
    pub fn last_log_term(&self) -> Term {
        self.log.last().map_or(0, |e| e.term)
    }

    /// Term of the entry at `index` (0 for index 0); None past the end of the log.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == 0 {
            Some(0)
        } else {
            self.log.get(index as usize - 1).map(|e| e.term)
        }
    }

    /// The role to show people. A crashed server leads nothing and answers nobody; it comes
    /// back as a follower, so it is shown as one. (`role` itself keeps what the server was when
    /// it crashed, untouched until the restart, so that traces stay as they are.)
    pub fn shown_role(&self) -> Role {
        if self.crashed {
            Role::Follower
        } else {
            self.role
        }
    }

    /// Votes needed to win an election in this cluster (and copies needed to commit).
    pub fn quorum(&self) -> usize {
        majority(self.cluster_size)
    }
}

/// Most entries one AppendEntries carries; a follower further behind catches up in batches.
pub const MAX_ENTRIES_PER_APPEND: usize = 64;

impl Node {
    /// A server in its starting state: follower, nothing committed, nothing applied.
    pub fn new(
        id: NodeId,
        cluster_size: usize,
        current_term: Term,
        voted_for: Option<NodeId>,
        log: Vec<Entry>,
    ) -> Node {
        Node {
            id,
            cluster_size,
            current_term,
            voted_for,
            log: log.into(),
            commit_index: 0,
            last_applied: 0,
            role: Role::Follower,
            leader_id: None,
            kv: KvStore::default(),
            next_index: vec![1; cluster_size],
            sent_through: vec![0; cluster_size],
            match_index: vec![0; cluster_size],
            votes_granted: Vec::new(),
            election_timer_start: 0,
            election_deadline: 0,
            heartbeat_due: 0,
            pending_writes: BTreeMap::new(),
            crashed: false,
            pre_votes: None,
            heard_leader_at: None,
            heard_from: vec![false; cluster_size],
            quorum_check_due: 0,
        }
    }

    /// When this server's running timer fires: the heartbeat timer for a leader, the election
    /// timer otherwise. None while crashed.
    pub fn next_timer(&self) -> Option<(Time, Timer)> {
        if self.crashed {
            None
        } else if self.role == Role::Leader {
            Some((self.heartbeat_due, Timer::Heartbeat))
        } else {
            Some((self.election_deadline, Timer::Election))
        }
    }

    fn me(&self) -> Option<NodeId> {
        Some(self.id)
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.cluster_size)
            .map(NodeId::from_index)
            .filter(move |&p| p != self.id)
    }

    fn send_rpc(&self, ctx: &mut Ctx, to: NodeId, rpc: Rpc) {
        ctx.send(Addr::Node(self.id), Addr::Node(to), Payload::Rpc(rpc));
    }

    /// Restarts the election timer with a fresh timeout (§5.2: randomized on every reset).
    pub fn reset_election_timer(&mut self, ctx: &mut Ctx) {
        let timeout = ctx.election_timeout();
        self.election_timer_start = ctx.now;
        self.election_deadline = ctx.now + timeout;
    }

    // ----- role changes: the only places `role` is assigned -----

    /// Becomes (or stays) a follower in `term`, which is never older than the current one.
    pub fn become_follower(&mut self, ctx: &mut Ctx, term: Term, leader: Option<NodeId>) {
        let rule = if self.role == Role::Candidate && leader.is_some() {
            rules::CANDIDATE_SEES_LEADER
        } else {
            rules::HIGHER_TERM
        };
        let was = self.step_to_follower(ctx, term, leader, rule);
        if was == Role::Leader {
            // A leader runs no election timer; a follower must.
            self.reset_election_timer(ctx);
        }
    }

    /// The role change itself; returns the role it left. The caller sees to the timer.
    fn step_to_follower(
        &mut self,
        ctx: &mut Ctx,
        term: Term,
        leader: Option<NodeId>,
        rule: &'static Rule,
    ) -> Role {
        assert!(
            term >= self.current_term,
            "{} cannot go back from term {} to {term}",
            self.id,
            self.current_term
        );
        if term > self.current_term {
            ctx.record(
                self.me(),
                EventKind::TermAdvanced {
                    from: self.current_term,
                    to: term,
                },
                rules::HIGHER_TERM,
            );
            self.current_term = term;
            self.voted_for = None;
        }
        let was = self.role;
        self.role = Role::Follower;
        self.leader_id = leader;
        self.votes_granted.clear();
        self.pre_votes = None;
        if was != Role::Follower {
            self.pending_writes.clear();
            ctx.record(
                self.me(),
                EventKind::RoleChanged {
                    from: was,
                    to: Role::Follower,
                    term,
                },
                rule,
            );
        }
        was
    }

    /// Starts an election: new term, own vote, fresh timer, RequestVote to everyone (§5.2).
    pub fn become_candidate(&mut self, ctx: &mut Ctx) {
        assert!(
            self.role != Role::Leader,
            "{}: a leader never becomes a candidate",
            self.id
        );
        assert!(!self.crashed, "{}: a crashed server does nothing", self.id);
        let was = self.role;
        ctx.record(
            self.me(),
            EventKind::TermAdvanced {
                from: self.current_term,
                to: self.current_term + 1,
            },
            rules::START_ELECTION,
        );
        self.current_term += 1;
        self.pre_votes = None;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.leader_id = None;
        self.votes_granted.clear();
        self.votes_granted.push(self.id);
        ctx.record(
            self.me(),
            EventKind::RoleChanged {
                from: was,
                to: Role::Candidate,
                term: self.current_term,
            },
            rules::START_ELECTION,
        );
        self.reset_election_timer(ctx);
        if self.votes_granted.len() >= self.quorum() {
            self.become_leader(ctx, rules::SINGLE_NODE);
            return;
        }
        let rpc = Rpc::RequestVote {
            term: self.current_term,
            last_log_index: self.last_log_index(),
            last_log_term: self.last_log_term(),
        };
        for peer in self.peers() {
            self.send_rpc(ctx, peer, rpc.clone());
        }
    }

    /// Takes office after winning a majority: resets replication state and sends heartbeats at
    /// once (§5.2, Figure 2).
    pub fn become_leader(&mut self, ctx: &mut Ctx, rule: &'static Rule) {
        assert!(
            self.role == Role::Candidate,
            "{}: only a candidate becomes leader, not a {}",
            self.id,
            self.role
        );
        self.role = Role::Leader;
        self.leader_id = Some(self.id);
        let last = self.last_log_index();
        self.next_index = vec![last + 1; self.cluster_size];
        self.sent_through = vec![0; self.cluster_size];
        self.match_index = vec![0; self.cluster_size];
        self.match_index[self.id.index()] = last;
        self.pending_writes.clear();
        self.pre_votes = None;
        self.heard_from = vec![false; self.cluster_size];
        self.quorum_check_due = ctx.now + ctx.timing.election_min_us;
        ctx.record(
            self.me(),
            EventKind::RoleChanged {
                from: Role::Candidate,
                to: Role::Leader,
                term: self.current_term,
            },
            rule,
        );
        self.heartbeat_due = ctx.now + ctx.timing.heartbeat_us;
        if ctx.option(ProtocolOption::LeaderNoop) {
            self.append_noop(ctx);
        }
        self.bcast_append(ctx);
    }

    // ----- timers -----

    /// The election timer ran out (or was fired by hand): a follower or candidate starts an
    /// election (§5.2). `rule` says which.
    pub fn tick_election(&mut self, ctx: &mut Ctx, rule: &'static Rule) {
        assert!(
            self.role != Role::Leader,
            "{}: a leader has no election timer",
            self.id
        );
        ctx.record(
            self.me(),
            EventKind::TimerFired {
                timer: Timer::Election,
            },
            rule,
        );
        if ctx.option(ProtocolOption::PreVote) {
            self.start_pre_vote(ctx);
        } else {
            self.become_candidate(ctx);
        }
    }

    /// A leader's heartbeat timer: AppendEntries to everyone (§5.2).
    pub fn tick_heartbeat(&mut self, ctx: &mut Ctx) {
        assert!(
            self.role == Role::Leader,
            "{}: only leaders send heartbeats",
            self.id
        );
        ctx.record(
            self.me(),
            EventKind::TimerFired {
                timer: Timer::Heartbeat,
            },
            rules::HEARTBEAT,
        );
        if ctx.option(ProtocolOption::CheckQuorum) && self.quorum_lost(ctx) {
            return;
        }
        self.heartbeat_due = ctx.now + ctx.timing.heartbeat_us;
        self.bcast_append(ctx);
    }

    // ----- crash and restart -----

    /// Stops the server. Its state stays for people to look at; it acts on nothing.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        self.crashed = true;
        ctx.record(self.me(), EventKind::Crashed, rules::CRASH);
    }

    /// Starts a crashed server again: persistent state kept, volatile state lost (Figure 2).
    pub fn restart(&mut self, ctx: &mut Ctx) {
        self.crashed = false;
        ctx.record(self.me(), EventKind::Restarted, rules::RESTART);
        if ctx.broken(BrokenRule::ForgetVoteOnRestart) {
            if let Some(for_node) = self.voted_for.take() {
                ctx.record_broken(
                    self.me(),
                    EventKind::VoteForgotten {
                        term: self.current_term,
                        for_node,
                    },
                    BrokenRule::ForgetVoteOnRestart,
                );
            }
        }
        let term = self.current_term;
        self.step_to_follower(ctx, term, None, rules::RESTART);
        self.commit_index = 0;
        self.last_applied = 0;
        self.kv = KvStore::default();
        self.next_index = vec![1; self.cluster_size];
        self.sent_through = vec![0; self.cluster_size];
        self.match_index = vec![0; self.cluster_size];
        self.votes_granted.clear();
        self.pending_writes.clear();
        self.heard_leader_at = None;
        self.reset_election_timer(ctx);
    }

    // ----- messages -----

    /// Handles a packet delivered to this (live) server.
    pub fn handle_message(&mut self, ctx: &mut Ctx, from: Addr, payload: Payload) {
        assert!(
            !self.crashed,
            "{}: a crashed server receives nothing",
            self.id
        );
        match (from, payload) {
            (Addr::Node(peer), Payload::Rpc(rpc)) => self.handle_rpc(ctx, peer, rpc),
            (
                Addr::Client,
                Payload::ClientRequest {
                    write,
                    command,
                    tag,
                },
            ) => self.handle_client_request(ctx, write, command, tag),
            // Servers never receive client replies or client traffic from servers.
            _ => {}
        }
    }

    fn handle_rpc(&mut self, ctx: &mut Ctx, from: NodeId, rpc: Rpc) {
        // Figure 2, all servers: a higher term in any request or reply makes us a follower. A
        // PreVote's term is only proposed: it changes nothing (thesis §9.6).
        if rpc.term() > self.current_term && !matches!(rpc, Rpc::PreVote { .. }) {
            self.become_follower(ctx, rpc.term(), None);
        }
        match rpc {
            Rpc::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.handle_request_vote(ctx, from, term, last_log_index, last_log_term),
            Rpc::RequestVoteReply { term, vote_granted } => {
                self.handle_vote_reply(ctx, from, term, vote_granted)
            }
            Rpc::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.handle_append_entries(
                ctx,
                from,
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            ),
            Rpc::AppendEntriesReply {
                term,
                success,
                match_index,
            } => self.handle_append_reply(ctx, from, term, success, match_index),
            Rpc::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => self.handle_pre_vote(ctx, from, term, last_log_index, last_log_term),
            Rpc::PreVoteReply { term, vote_granted } => {
                self.handle_pre_vote_reply(ctx, from, term, vote_granted)
            }
        }
    }

    /// Whether a log ending at (`last_index`, `last_term`) is at least as up to date as ours
    /// (§5.4.1): the later last term wins; with equal last terms the longer log wins.
    pub fn is_up_to_date(&self, last_index: LogIndex, last_term: Term) -> bool {
        (last_term, last_index) >= (self.last_log_term(), self.last_log_index())
    }

    /// RequestVote receiver (Figure 2).
    pub fn handle_request_vote(
        &mut self,
        ctx: &mut Ctx,
        candidate: NodeId,
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    ) {
        let other_vote = self.voted_for.filter(|&v| v != candidate);
        let up_to_date = self.is_up_to_date(last_log_index, last_log_term);
        let denial = if term < self.current_term {
            Some((VoteDenial::StaleTerm, rules::STALE_TERM))
        } else if let Some(v) = other_vote.filter(|_| !ctx.broken(BrokenRule::VoteTwice)) {
            Some((VoteDenial::AlreadyVoted { for_node: v }, rules::ONE_VOTE))
        } else if !up_to_date && !ctx.broken(BrokenRule::VoteWithoutLogCheck) {
            Some((VoteDenial::LogNotUpToDate, rules::UP_TO_DATE))
        } else {
            None
        };
        let granted = denial.is_none();
        match denial {
            Some((reason, rule)) => ctx.record(
                self.me(),
                EventKind::VoteDenied {
                    candidate,
                    term,
                    reason,
                },
                rule,
            ),
            None => {
                self.voted_for = Some(candidate);
                // Only a broken rule lets a vote through past a check that refuses it.
                let kind = EventKind::VoteGranted { candidate, term };
                if other_vote.is_some() {
                    ctx.record_broken(self.me(), kind, BrokenRule::VoteTwice);
                } else if !up_to_date {
                    ctx.record_broken(self.me(), kind, BrokenRule::VoteWithoutLogCheck);
                } else {
                    ctx.record(self.me(), kind, rules::GRANT_VOTE);
                }
                // Granting a vote resets the election timer; refusing does not (Figure 2).
                self.reset_election_timer(ctx);
            }
        }
        let reply = Rpc::RequestVoteReply {
            term: self.current_term,
            vote_granted: granted,
        };
        self.send_rpc(ctx, candidate, reply);
    }

    /// RequestVote reply, at the candidate.
    pub fn handle_vote_reply(&mut self, ctx: &mut Ctx, from: NodeId, term: Term, granted: bool) {
        if term < self.current_term || self.role != Role::Candidate {
            ctx.record(
                self.me(),
                EventKind::StaleReplyIgnored { from, term },
                rules::STALE_REPLY,
            );
            return;
        }
        if granted && !self.votes_granted.contains(&from) {
            self.votes_granted.push(from);
        }
        let votes = self.votes_granted.len();
        let needed = self.quorum();
        ctx.record(
            self.me(),
            EventKind::VoteReceived {
                from,
                granted,
                votes,
                needed,
            },
            rules::COUNT_VOTE,
        );
        if votes >= needed {
            self.become_leader(ctx, rules::WIN_ELECTION);
        }
    }

    /// AppendEntries receiver (Figure 2).
    #[allow(clippy::too_many_arguments)]
    pub fn handle_append_entries(
        &mut self,
        ctx: &mut Ctx,
        leader: NodeId,
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: LogIndex,
    ) {
        if term < self.current_term {
            ctx.record(
                self.me(),
                EventKind::StaleTermRejected { from: leader, term },
                rules::STALE_TERM,
            );
            self.reply_append(ctx, leader, false, 0);
            return;
        }
        match self.role {
            Role::Candidate => self.become_follower(ctx, term, Some(leader)),
            Role::Follower => self.leader_id = Some(leader),
            // Two leaders in one term would break Election Safety; the checker reports it. Refuse.
            Role::Leader => {
                self.reply_append(ctx, leader, false, 0);
                return;
            }
        }
        // Heard from the current leader: the election timer starts over (and a pre-vote, if
        // one is under way, is given up).
        self.reset_election_timer(ctx);
        self.heard_leader_at = Some(ctx.now);
        self.pre_votes = None;
        if self.term_at(prev_log_index) != Some(prev_log_term) {
            ctx.record(
                self.me(),
                EventKind::AppendRejected {
                    prev_log_index,
                    prev_log_term,
                },
                rules::CONSISTENCY_CHECK,
            );
            self.reply_append(ctx, leader, false, 0);
            return;
        }
        let last_new = self.maybe_append(ctx, prev_log_index, entries);
        let target = leader_commit.min(last_new);
        if target > self.commit_index {
            self.set_commit(ctx, target, rules::FOLLOWER_COMMIT);
        }
        self.reply_append(ctx, leader, true, last_new);
    }

    fn reply_append(&self, ctx: &mut Ctx, leader: NodeId, success: bool, match_index: LogIndex) {
        let reply = Rpc::AppendEntriesReply {
            term: self.current_term,
            success,
            match_index,
        };
        self.send_rpc(ctx, leader, reply);
    }

    /// Adds the leader's entries after `prev` (whose term already matched). Keeps entries that
    /// match, truncates from the first conflict, appends what is new. Returns the index of the
    /// last entry the request carried, which now matches the leader.
    pub fn maybe_append(&mut self, ctx: &mut Ctx, prev: LogIndex, entries: Vec<Entry>) -> LogIndex {
        let last_new = prev + entries.len() as LogIndex;
        let keep_conflicts = ctx.broken(BrokenRule::KeepConflictingEntries);
        let mut kept: Option<(LogIndex, usize)> = None;
        let mut new_from = None;
        for (k, entry) in entries.iter().enumerate() {
            let index = prev + 1 + k as LogIndex;
            match self.term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(_) if keep_conflicts => {
                    let (first, count) = kept.unwrap_or((index, 0));
                    kept = Some((first, count + 1));
                }
                Some(_) => {
                    self.truncate_from(ctx, index);
                    new_from = Some(k);
                    break;
                }
                None => {
                    new_from = Some(k);
                    break;
                }
            }
        }
        if let Some((first_index, count)) = kept {
            ctx.record_broken(
                self.me(),
                EventKind::ConflictKept { first_index, count },
                BrokenRule::KeepConflictingEntries,
            );
        }
        if let Some(k) = new_from {
            let mut entries = entries;
            // Drop the entries already held; when none are, the request's vector is used as is.
            if k > 0 {
                entries.drain(..k);
            }
            self.append(ctx, entries.into_iter(), rules::APPEND_NEW);
        }
        last_new
    }

    /// Deletes the entry at `index` and all that follow.
    fn truncate_from(&mut self, ctx: &mut Ctx, index: LogIndex) {
        let count = self.log.len() - (index as usize - 1);
        self.log.truncate(index as usize - 1);
        ctx.log_changes.push((self.id, index));
        ctx.record(
            self.me(),
            EventKind::EntriesTruncated {
                first_index: index,
                count,
            },
            rules::TRUNCATE_CONFLICT,
        );
    }

    fn append(
        &mut self,
        ctx: &mut Ctx,
        entries: impl ExactSizeIterator<Item = Entry>,
        rule: &'static Rule,
    ) {
        if entries.len() == 0 {
            return;
        }
        let first_index = self.last_log_index() + 1;
        let count = entries.len();
        self.log.extend(entries);
        ctx.log_changes.push((self.id, first_index));
        ctx.record(
            self.me(),
            EventKind::EntriesAppended { first_index, count },
            rule,
        );
    }

    fn set_commit(&mut self, ctx: &mut Ctx, to: LogIndex, rule: &'static Rule) {
        ctx.record(
            self.me(),
            EventKind::CommitAdvanced {
                from: self.commit_index,
                to,
            },
            rule,
        );
        self.commit_index = to;
        self.apply_committed(ctx);
    }

    /// Applies committed entries in order; a leader answers the clients whose writes these were.
    /// A client write applied before is skipped, and answered with its recorded result (§8).
    pub fn apply_committed(&mut self, ctx: &mut Ctx) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let index = self.last_applied;
            let entry = &self.log[index as usize - 1];
            let applied = self.kv.apply_entry(index, entry);
            let (command, tag) = (entry.command.clone(), entry.client);
            let answer = match (applied, tag) {
                (Applied::Now(value), _) => {
                    let rule = if command == Command::Noop {
                        rules::APPLY_NOOP
                    } else {
                        rules::APPLY
                    };
                    let kind = EventKind::Applied {
                        index,
                        command,
                        value,
                    };
                    ctx.record(self.me(), kind, rule);
                    Some((index, value, false))
                }
                (earlier, Some(tag)) => {
                    let (of, answer, rule) = match earlier {
                        Applied::Before { index, value } => (
                            Duplicate::Applied { index, value },
                            Some((index, value, true)),
                            rules::DUPLICATE_SKIPPED,
                        ),
                        _ => (Duplicate::Answered, None, rules::DUPLICATE_FORGOTTEN),
                    };
                    let kind = EventKind::DuplicateSkipped {
                        index,
                        command: Box::new(command),
                        client: tag.client,
                        seq: tag.seq,
                        of,
                    };
                    ctx.record(self.me(), kind, rule);
                    answer
                }
                // Only client writes are ever recognised as applied before.
                (_, None) => None,
            };
            if self.role == Role::Leader {
                if let Some(write) = self.pending_writes.remove(&index) {
                    if let Some((index, value, duplicate)) = answer {
                        let answer = ClientAnswer::Committed {
                            index,
                            value,
                            duplicate,
                        };
                        self.answer_client(ctx, write, answer);
                    }
                }
            }
        }
    }

    fn answer_client(&self, ctx: &mut Ctx, write: ClientWriteId, answer: ClientAnswer) {
        let reply = Payload::ClientReply { write, answer };
        ctx.send(Addr::Node(self.id), Addr::Client, reply);
    }

    /// AppendEntries reply, at the leader.
    pub fn handle_append_reply(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        term: Term,
        success: bool,
        match_index: LogIndex,
    ) {
        if term < self.current_term || self.role != Role::Leader {
            ctx.record(
                self.me(),
                EventKind::StaleReplyIgnored { from, term },
                rules::STALE_REPLY,
            );
            return;
        }
        let p = from.index();
        self.heard_from[p] = true;
        if success {
            // Replies can arrive late or twice: only ever move forward.
            if match_index > self.match_index[p] {
                self.match_index[p] = match_index;
                if self.next_index[p] <= match_index {
                    self.next_index[p] = match_index + 1;
                }
                self.maybe_commit(ctx);
            }
            // This answers the latest AppendEntries sent to the follower: send what has been
            // appended since, if anything. (Answers to older requests wait for the latest.)
            if match_index >= self.sent_through[p] && self.last_log_index() > match_index {
                self.send_append(ctx, from);
            }
        } else {
            // The follower's log does not match at next_index - 1: step back one and retry
            // (Figure 2). Never below 1 or below what is known to match.
            let floor = self.match_index[p] + 1;
            let next = self.next_index[p].saturating_sub(1).max(floor).max(1);
            self.next_index[p] = next;
            ctx.record(
                self.me(),
                EventKind::NextIndexBackedOff {
                    follower: from,
                    next_index: next,
                },
                rules::BACK_OFF,
            );
            self.send_append(ctx, from);
        }
    }

    /// Commits the highest index stored on a majority, if its entry is of the current term
    /// (§5.4.2, Figure 8).
    pub fn maybe_commit(&mut self, ctx: &mut Ctx) {
        let mut matched: [LogIndex; MAX_NODES] = [0; MAX_NODES];
        let n = self.cluster_size;
        matched[..n].copy_from_slice(&self.match_index[..n]);
        matched[self.id.index()] = self.last_log_index();
        // Highest first; a handful of numbers, so a plain insertion sort.
        let slice = &mut matched[..n];
        for i in 1..n {
            let mut j = i;
            while j > 0 && slice[j - 1] < slice[j] {
                slice.swap(j - 1, j);
                j -= 1;
            }
        }
        let candidate = slice[self.quorum() - 1];
        if candidate > self.commit_index {
            if self.term_at(candidate) == Some(self.current_term) {
                self.set_commit(ctx, candidate, rules::LEADER_COMMIT);
            } else if ctx.broken(BrokenRule::CommitOldTermEntries) {
                ctx.broken_used.insert(BrokenRule::CommitOldTermEntries);
                self.set_commit(ctx, candidate, BrokenRule::CommitOldTermEntries.rule());
            }
        }
    }

    /// Sends everyone AppendEntries from their next_index on (heartbeats when nothing is new).
    pub fn bcast_append(&mut self, ctx: &mut Ctx) {
        for i in 0..self.cluster_size {
            let peer = NodeId::from_index(i);
            if peer != self.id {
                self.send_append(ctx, peer);
            }
        }
    }

    /// Sends one follower AppendEntries with the entries from its next_index on (at most
    /// `MAX_ENTRIES_PER_APPEND`).
    pub fn send_append(&mut self, ctx: &mut Ctx, to: NodeId) {
        let last = self.last_log_index();
        let next = self.next_index[to.index()].clamp(1, last + 1);
        self.next_index[to.index()] = next;
        let prev_log_index = next - 1;
        let prev_log_term = self.term_at(prev_log_index).unwrap_or(0);
        let end = (prev_log_index as usize + MAX_ENTRIES_PER_APPEND).min(self.log.len());
        let entries = self
            .log
            .range(prev_log_index as usize..end)
            .cloned()
            .collect();
        self.sent_through[to.index()] = end as LogIndex;
        let rpc = Rpc::AppendEntries {
            term: self.current_term,
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
        };
        self.send_rpc(ctx, to, rpc);
    }

    /// A client write arrives: the leader appends and replicates it; anyone else redirects. A
    /// write the leader applied before is answered with its recorded result, and one already
    /// waiting in this leader's log is not appended again (§8).
    pub fn handle_client_request(
        &mut self,
        ctx: &mut Ctx,
        write: ClientWriteId,
        command: Command,
        tag: ClientTag,
    ) {
        match self.role {
            Role::Leader => {
                let known = match self.kv.recorded(&tag) {
                    Some(Applied::Before { index, value }) => {
                        Some(Duplicate::Applied { index, value })
                    }
                    Some(_) => Some(Duplicate::Answered),
                    None => self
                        .pending_writes
                        .iter()
                        .find(|&(_, &w)| w == write)
                        .map(|(&index, _)| Duplicate::Waiting { index }),
                };
                if let Some(of) = known {
                    let rule = match of {
                        Duplicate::Applied { .. } => rules::DUPLICATE_ANSWERED,
                        Duplicate::Answered => rules::DUPLICATE_FORGOTTEN,
                        Duplicate::Waiting { .. } => rules::DUPLICATE_WAITING,
                    };
                    let kind = EventKind::DuplicateRequest {
                        write,
                        client: tag.client,
                        seq: tag.seq,
                        of,
                    };
                    ctx.record(self.me(), kind, rule);
                    if let Duplicate::Applied { index, value } = of {
                        let answer = ClientAnswer::Committed {
                            index,
                            value,
                            duplicate: true,
                        };
                        self.answer_client(ctx, write, answer);
                    }
                    return;
                }
                let index = self.last_log_index() + 1;
                let entry = Entry {
                    term: self.current_term,
                    command,
                    client: Some(tag),
                };
                self.append(ctx, std::iter::once(entry), rules::CLIENT_APPEND);
                self.match_index[self.id.index()] = index;
                self.pending_writes.insert(index, write);
                self.maybe_commit(ctx);
                // Send the new entry to every follower with no AppendEntries on its way; the
                // others get it when their reply comes back.
                for i in 0..self.cluster_size {
                    let peer = NodeId::from_index(i);
                    if peer != self.id && self.match_index[i] >= self.sent_through[i] {
                        self.send_append(ctx, peer);
                    }
                }
            }
            Role::Follower | Role::Candidate => {
                let answer = ClientAnswer::Redirect {
                    leader: self.leader_id,
                };
                self.answer_client(ctx, write, answer);
            }
        }
    }
}
