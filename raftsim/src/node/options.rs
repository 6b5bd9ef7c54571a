//! The protocol options a server may run with, beyond the paper's Figure 2: a no-op entry on
//! election (§8), pre-vote (Ongaro's thesis §9.6) and check-quorum. Each is off unless the
//! configuration turns it on; `node.rs` calls in here only when it is on.

use super::Node;
use crate::command::Command;
use crate::ctx::Ctx;
use crate::message::{Entry, Rpc};
use crate::trace::{rules, EventKind, PreVoteDenial};
use crate::types::{LogIndex, NodeId, Role, Term};

impl Node {
    /// `leader_noop`: a new leader appends an entry of its own term with no command, so that
    /// it can commit (and with it every earlier entry) without waiting for a client (§8).
    pub(super) fn append_noop(&mut self, ctx: &mut Ctx) {
        let index = self.last_log_index() + 1;
        let entry = Entry::new(self.current_term, Command::Noop);
        self.append(ctx, std::iter::once(entry), rules::LEADER_NOOP);
        self.match_index[self.id.index()] = index;
        self.maybe_commit(ctx);
    }

    /// `pre_vote`: the election timer ran out; ask everyone whether an election for the next
    /// term could be won, without raising the term. Alone, the answer is yes at once.
    pub fn start_pre_vote(&mut self, ctx: &mut Ctx) {
        let term = self.current_term + 1;
        ctx.record(
            self.me(),
            EventKind::PreVoteStarted { term },
            rules::PRE_VOTE_START,
        );
        self.reset_election_timer(ctx);
        if self.quorum() <= 1 {
            self.become_candidate(ctx);
            return;
        }
        self.pre_votes = Some(vec![self.id]);
        let rpc = Rpc::PreVote {
            term,
            last_log_index: self.last_log_index(),
            last_log_term: self.last_log_term(),
        };
        for peer in self.peers() {
            self.send_rpc(ctx, peer, rpc.clone());
        }
    }

    /// Whether this server heard from a live leader within the minimum election timeout.
    fn leader_alive(&self, ctx: &Ctx) -> bool {
        self.role == Role::Leader
            || (self.leader_id.is_some()
                && self
                    .heard_leader_at
                    .is_some_and(|t| ctx.now < t + ctx.timing.election_min_us))
    }

    /// PreVote receiver: says whether it would vote, and changes nothing of its own (no term,
    /// no vote, no timer).
    pub fn handle_pre_vote(
        &mut self,
        ctx: &mut Ctx,
        candidate: NodeId,
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
    ) {
        let denial = if term < self.current_term {
            Some((PreVoteDenial::StaleTerm, rules::STALE_TERM))
        } else if self.leader_alive(ctx) {
            Some((PreVoteDenial::LeaderAlive, rules::PRE_VOTE_LEADER_ALIVE))
        } else if !self.is_up_to_date(last_log_index, last_log_term) {
            Some((PreVoteDenial::LogNotUpToDate, rules::UP_TO_DATE))
        } else {
            None
        };
        let granted = denial.is_none();
        match denial {
            Some((reason, rule)) => ctx.record(
                self.me(),
                EventKind::PreVoteDenied {
                    candidate,
                    term,
                    reason,
                },
                rule,
            ),
            None => ctx.record(
                self.me(),
                EventKind::PreVoteGranted { candidate, term },
                rules::PRE_VOTE_GRANT,
            ),
        }
        let reply = Rpc::PreVoteReply {
            term: self.current_term,
            vote_granted: granted,
        };
        self.send_rpc(ctx, candidate, reply);
    }

    /// PreVote reply: count it; with a majority, start the real election.
    pub fn handle_pre_vote_reply(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        term: Term,
        granted: bool,
    ) {
        let Some(votes) = self.pre_votes.as_mut() else {
            ctx.record(
                self.me(),
                EventKind::StaleReplyIgnored { from, term },
                rules::STALE_REPLY,
            );
            return;
        };
        if granted && !votes.contains(&from) {
            votes.push(from);
        }
        let count = votes.len();
        let needed = self.quorum();
        ctx.record(
            self.me(),
            EventKind::PreVoteReceived {
                from,
                granted,
                votes: count,
                needed,
            },
            rules::PRE_VOTE_COUNT,
        );
        if count >= needed {
            self.become_candidate(ctx);
        }
    }

    /// `check_quorum`, at a leader's heartbeat: once an election timeout has passed since the
    /// last check, a leader that has not heard from a majority (itself included) steps down.
    /// Returns whether it did.
    pub(super) fn quorum_lost(&mut self, ctx: &mut Ctx) -> bool {
        if ctx.now < self.quorum_check_due {
            return false;
        }
        let heard = 1
            + (0..self.cluster_size)
                .filter(|&i| i != self.id.index() && self.heard_from[i])
                .count();
        self.heard_from = vec![false; self.cluster_size];
        self.quorum_check_due = ctx.now + ctx.timing.election_min_us;
        if heard >= self.quorum() {
            return false;
        }
        let term = self.current_term;
        self.step_to_follower(ctx, term, None, rules::CHECK_QUORUM);
        self.reset_election_timer(ctx);
        true
    }
}
