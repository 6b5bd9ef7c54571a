//! The client's side of the world: every write it made (`ClientWrite`), what became of it
//! (`WriteStatus`), and what it does with an answer (record it, or follow a redirect).

use crate::command::Command;
use crate::message::{ClientAnswer, ClientWriteId};
use crate::trace::{rules, Rule};
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
    pub command: Command,
    pub submitted_at: Time,
    /// Every server the write was sent to, in order (more than one after redirects).
    pub sent_to: Vec<NodeId>,
    pub status: WriteStatus,
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
        let rule = match answer {
            ClientAnswer::Committed { .. } => rules::ANSWER_CLIENT,
            ClientAnswer::Redirect { .. } => rules::REDIRECT,
        };
        let mut resend = None;
        match *answer {
            ClientAnswer::Committed { index, value } => {
                self.status = WriteStatus::Committed {
                    index,
                    value,
                    at: now,
                };
            }
            ClientAnswer::Redirect { leader } => match leader {
                Some(l) if follow_redirects && self.sent_to.len() <= MAX_REDIRECTS => {
                    self.sent_to.push(l);
                    resend = Some((l, self.command.clone()));
                }
                _ => self.status = WriteStatus::Redirected { leader, at: now },
            },
        }
        Some((rule, resend))
    }
}
