//! The client's side of the world: every write it made (`ClientWrite`), what became of it
//! (`WriteStatus`), what it does with an answer (record it, or follow a redirect), and how it
//! sends a write again when no answer comes (§8).

use super::{ActionError, Sim};
use crate::command::Command;
use crate::message::{Addr, ClientAnswer, ClientId, ClientTag, ClientWriteId, Payload, Seq};
use crate::trace::{rules, EventKind, Rule};
use crate::types::{LogIndex, NodeId, Time};
use serde::Serialize;

/// What became of a client write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WriteStatus {
    /// Sent, not answered yet (it may never be, if its entry is lost).
    Pending,
    /// Answered after commit and apply.
    Committed {
        index: LogIndex,
        value: i64,
        at: Time,
    },
    /// Redirected with no leader known, or redirected when the client does not follow redirects.
    Redirected { leader: Option<NodeId>, at: Time },
}

/// One write the client made, from typing to answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientWrite {
    pub id: ClientWriteId,
    /// The client that made it, and its number among that client's writes (§8).
    pub client: ClientId,
    pub seq: Seq,
    pub command: Command,
    pub submitted_at: Time,
    /// Every server the write was sent to, in order (more than one after redirects and retries).
    pub sent_to: Vec<NodeId>,
    pub status: WriteStatus,
    /// How many times it was sent again after no answer came.
    pub retries: u32,
    /// Redirects followed since it was last sent again.
    pub hops: usize,
    /// When it was last sent (first sent, redirected or sent again).
    pub last_sent_at: Time,
    /// Its answer was the recorded result of a copy sent again, which was recognised and not
    /// applied again (§8).
    pub duplicate: bool,
}

/// The one client of this world. Its id is in every write it makes, so that more clients could
/// share a cluster.
pub const CLIENT_ID: ClientId = 1;

/// What the client knows besides its writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Client {
    /// The leader it last heard of: from a redirect that named one, or from an answer.
    pub leader: Option<NodeId>,
    /// Its pending writes, oldest first.
    pub pending: Vec<ClientWriteId>,
    /// When the next pending write is due to be sent again, and which.
    pub retry_due: Option<(Time, ClientWriteId)>,
}

/// How many times the client follows redirects for one write.
pub const MAX_REDIRECTS: usize = 5;

impl ClientWrite {
    /// Takes a server's answer to this write, unless the write is already settled (then it
    /// returns None and changes nothing). Otherwise it returns the rule the answer follows and,
    /// for a redirect the client follows, the server to send the write to next, with the write.
    pub(crate) fn take_answer(
        &mut self,
        answer: &ClientAnswer,
        now: Time,
        follow_redirects: bool,
    ) -> Option<(&'static Rule, Option<(NodeId, Command)>)> {
        if self.status != WriteStatus::Pending {
            return None;
        }
        if let ClientAnswer::Committed { duplicate, .. } = *answer {
            self.duplicate = duplicate;
        }
        let rule = match answer {
            ClientAnswer::Committed { .. } => rules::ANSWER_CLIENT,
            ClientAnswer::Redirect { .. } => rules::REDIRECT,
        };
        let mut resend = None;
        match *answer {
            ClientAnswer::Committed { index, value, .. } => {
                self.status = WriteStatus::Committed {
                    index,
                    value,
                    at: now,
                };
            }
            ClientAnswer::Redirect { leader } => match leader {
                Some(l) if follow_redirects && self.hops < MAX_REDIRECTS => {
                    self.hops += 1;
                    self.sent_to.push(l);
                    self.last_sent_at = now;
                    resend = Some((l, self.command.clone()));
                }
                // A write sent again may be in some log already: it stays pending, to be sent
                // again. One never sent again was turned away everywhere it went.
                _ if self.retries > 0 => {}
                _ => self.status = WriteStatus::Redirected { leader, at: now },
            },
        }
        Some((rule, resend))
    }
}

impl Sim {
    /// The client's first pending write, the lowest sequence number it still awaits (this
    /// write's own if none is older).
    fn awaits_from(&self, seq: Seq) -> Seq {
        self.client
            .pending
            .first()
            .and_then(|&w| self.clients.get((w as usize).wrapping_sub(1)))
            .map_or(seq, |w| w.seq.min(seq))
    }

    /// Sends write `write` to `to`, with its client tag.
    pub(super) fn client_send(&mut self, to: NodeId, write: ClientWriteId, command: Command) {
        let Some(w) = self.clients.get((write as usize).wrapping_sub(1)) else {
            return;
        };
        let tag = ClientTag {
            client: w.client,
            seq: w.seq,
            awaits_from: self.awaits_from(w.seq),
        };
        let payload = Payload::ClientRequest {
            write,
            command,
            tag,
        };
        self.with_world(|ctx| ctx.send(Addr::Client, Addr::Node(to), payload));
    }

    /// Works out when the next pending write is due to be sent again.
    pub(super) fn refresh_retry(&mut self) {
        let retry = self.config.client_retry_us;
        self.client.retry_due = self
            .client
            .pending
            .iter()
            .filter_map(|&id| self.clients.get((id as usize).wrapping_sub(1)))
            .map(|w| (w.last_sent_at.saturating_add(retry), w.id))
            .min();
    }

    /// A write is settled: no longer pending, never sent again.
    pub(super) fn settled(&mut self, write: ClientWriteId) {
        self.client.pending.retain(|&w| w != write);
    }

    /// Where the client sends `write` again: the leader it last heard of, unless that is where
    /// the write went last and no answer came; then the server after that one.
    fn retry_target(&self, w: &ClientWrite) -> NodeId {
        let last = w.sent_to.last().copied().unwrap_or(NodeId(1));
        match self.client.leader {
            Some(l) if l != last => l,
            _ => NodeId::from_index((last.index() + 1) % self.config.nodes),
        }
    }

    /// The retry timer of the client's next pending write ran out: send it again.
    pub(super) fn retry_due_write(&mut self) {
        let Some((_, write)) = self.client.retry_due else {
            return;
        };
        let target = self
            .clients
            .get((write as usize).wrapping_sub(1))
            .map(|w| self.retry_target(w));
        match target {
            Some(to) => self.resend(write, to, rules::CLIENT_RETRY),
            None => {
                self.settled(write);
                self.refresh_retry();
            }
        }
    }

    /// Sends pending write `write` again to `to` now (the `retry` action), with the same
    /// sequence number. Refused for an unknown write, one already settled, or a server that is
    /// not there or crashed.
    pub fn retry_write(&mut self, write: ClientWriteId, to: NodeId) -> Result<(), ActionError> {
        self.live_node(to)?;
        let made = self.clients.len();
        let w = (write as usize)
            .checked_sub(1)
            .and_then(|i| self.clients.get(i))
            .ok_or(ActionError::UnknownWrite { write, made })?;
        match &w.status {
            WriteStatus::Pending => {}
            WriteStatus::Committed { index, .. } => {
                return Err(ActionError::WriteSettled(
                    write,
                    format!("was already answered: committed at index {index}"),
                ))
            }
            WriteStatus::Redirected { .. } => {
                return Err(ActionError::WriteSettled(
                    write,
                    "was turned away and never appended; send it as a new write".to_string(),
                ))
            }
        }
        self.resend(write, to, rules::CLIENT_RETRY_BY_HAND);
        self.after_step();
        Ok(())
    }

    fn resend(&mut self, write: ClientWriteId, to: NodeId, rule: &'static Rule) {
        let now = self.now;
        let Some(w) = self.clients.get_mut((write as usize).wrapping_sub(1)) else {
            return;
        };
        w.retries += 1;
        w.hops = 0;
        w.sent_to.push(to);
        w.last_sent_at = now;
        let (attempt, command) = (w.retries + 1, w.command.clone());
        self.record(Some(to), EventKind::ClientRetried { write, attempt }, rule);
        self.refresh_retry();
        self.client_send(to, write, command);
    }
}
