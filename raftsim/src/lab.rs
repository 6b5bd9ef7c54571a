//! The safety lab: rules of the paper that can be broken on purpose, and the protocol options
//! real systems add. Everything here is off by default; with nothing broken and no option on,
//! the simulation is exactly the paper's Figure 2.
//!
//! [`BrokenRule::ALL`] and [`ProtocolOption::ALL`] are the one list of names, sections and
//! one-line descriptions, for the scenario format, the command line and the page's toggles.
//! A [`Config`](crate::Config) carries a set of broken rules ([`BrokenRules`]) and the options
//! ([`Protocol`]); both are small `Copy` values.

use crate::trace::{rules, Rule};
use serde::{Serialize, Serializer};
use std::fmt;

/// A rule of the paper that a run may break on purpose, to show what it protects.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokenRule {
    /// A leader commits an entry of an earlier term by counting replicas (§5.4.2, Figure 8).
    CommitOldTermEntries,
    /// A server grants its vote without the up-to-date check (§5.4.1).
    VoteWithoutLogCheck,
    /// A server may vote for more than one candidate in a term (§5.2).
    VoteTwice,
    /// `votedFor` is not kept across a restart (Figure 2).
    ForgetVoteOnRestart,
    /// A follower appends without deleting a conflicting suffix (§5.3).
    KeepConflictingEntries,
}

impl BrokenRule {
    /// Every rule that can be broken, in the order the page lists them.
    pub const ALL: [BrokenRule; 5] = [
        BrokenRule::CommitOldTermEntries,
        BrokenRule::VoteWithoutLogCheck,
        BrokenRule::VoteTwice,
        BrokenRule::ForgetVoteOnRestart,
        BrokenRule::KeepConflictingEntries,
    ];

    /// The name used in files and in the page: `commit_old_term_entries`, ….
    pub fn name(self) -> &'static str {
        match self {
            BrokenRule::CommitOldTermEntries => "commit_old_term_entries",
            BrokenRule::VoteWithoutLogCheck => "vote_without_log_check",
            BrokenRule::VoteTwice => "vote_twice",
            BrokenRule::ForgetVoteOnRestart => "forget_vote_on_restart",
            BrokenRule::KeepConflictingEntries => "keep_conflicting_entries",
        }
    }

    /// The rule named `name`, if any.
    pub fn from_name(name: &str) -> Option<BrokenRule> {
        BrokenRule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Where the paper states the rule.
    pub fn section(self) -> &'static str {
        self.rule().section
    }

    /// One line saying what breaking the rule does and what it puts at risk.
    pub fn warning(self) -> &'static str {
        match self {
            BrokenRule::CommitOldTermEntries => {
                "A leader commits an entry of an earlier term once a majority stores it: a committed entry can then be overwritten (Figure 8)"
            }
            BrokenRule::VoteWithoutLogCheck => {
                "Servers vote without comparing logs: a candidate missing committed entries can win and erase them"
            }
            BrokenRule::VoteTwice => {
                "A server may vote for several candidates in one term: two leaders can be elected in the same term"
            }
            BrokenRule::ForgetVoteOnRestart => {
                "A restarted server forgets whom it voted for: it can vote again in the same term and elect a second leader"
            }
            BrokenRule::KeepConflictingEntries => {
                "A follower keeps entries that conflict with the leader's: logs then disagree while looking alike, and committed entries differ"
            }
        }
    }

    /// The rule a broken decision cites in the trace ("BROKEN on purpose: …").
    pub fn rule(self) -> &'static Rule {
        match self {
            BrokenRule::CommitOldTermEntries => rules::BROKEN_COMMIT_OLD_TERM,
            BrokenRule::VoteWithoutLogCheck => rules::BROKEN_VOTE_WITHOUT_LOG_CHECK,
            BrokenRule::VoteTwice => rules::BROKEN_VOTE_TWICE,
            BrokenRule::ForgetVoteOnRestart => rules::BROKEN_FORGET_VOTE,
            BrokenRule::KeepConflictingEntries => rules::BROKEN_KEEP_CONFLICTING,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for BrokenRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of broken rules; empty (every rule intact) by default. Serialized as the list of their
/// names, in the order of [`BrokenRule::ALL`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BrokenRules(u8);

impl BrokenRules {
    /// Every rule intact.
    pub const NONE: BrokenRules = BrokenRules(0);

    /// The set holding exactly these rules.
    pub fn of(list: &[BrokenRule]) -> BrokenRules {
        let mut set = BrokenRules::NONE;
        for &r in list {
            set.insert(r);
        }
        set
    }

    pub fn contains(self, rule: BrokenRule) -> bool {
        self.0 & rule.bit() != 0
    }

    pub fn insert(&mut self, rule: BrokenRule) {
        self.0 |= rule.bit();
    }

    pub fn remove(&mut self, rule: BrokenRule) {
        self.0 &= !rule.bit();
    }

    /// Breaks (`true`) or restores (`false`) one rule.
    pub fn set(&mut self, rule: BrokenRule, broken: bool) {
        if broken {
            self.insert(rule);
        } else {
            self.remove(rule);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Every rule in either set.
    pub fn union(self, other: BrokenRules) -> BrokenRules {
        BrokenRules(self.0 | other.0)
    }

    /// The broken rules, in the order of [`BrokenRule::ALL`].
    pub fn iter(self) -> impl Iterator<Item = BrokenRule> {
        BrokenRule::ALL
            .into_iter()
            .filter(move |&r| self.contains(r))
    }

    /// The names of the broken rules, in the order of [`BrokenRule::ALL`].
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(BrokenRule::name).collect()
    }
}

impl Serialize for BrokenRules {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// An option real Raft systems add to the paper's protocol.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolOption {
    /// A new leader appends an entry with no command at once (§8).
    LeaderNoop,
    /// A server asks whether it could win before raising its term (Ongaro's thesis §9.6).
    PreVote,
    /// A leader that has not heard from a majority within an election timeout steps down.
    CheckQuorum,
}

impl ProtocolOption {
    /// Every option, in the order the page lists them.
    pub const ALL: [ProtocolOption; 3] = [
        ProtocolOption::LeaderNoop,
        ProtocolOption::PreVote,
        ProtocolOption::CheckQuorum,
    ];

    /// The name used in files and in the page: `leader_noop`, `pre_vote`, `check_quorum`.
    pub fn name(self) -> &'static str {
        match self {
            ProtocolOption::LeaderNoop => "leader_noop",
            ProtocolOption::PreVote => "pre_vote",
            ProtocolOption::CheckQuorum => "check_quorum",
        }
    }

    /// The option named `name`, if any.
    pub fn from_name(name: &str) -> Option<ProtocolOption> {
        ProtocolOption::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Where it is described.
    pub fn section(self) -> &'static str {
        match self {
            ProtocolOption::LeaderNoop => rules::LEADER_NOOP.section,
            ProtocolOption::PreVote => rules::PRE_VOTE_START.section,
            ProtocolOption::CheckQuorum => rules::CHECK_QUORUM.section,
        }
    }

    /// One line saying what the option does.
    pub fn description(self) -> &'static str {
        match self {
            ProtocolOption::LeaderNoop => {
                "A new leader appends an entry of its own term with no command at once, so earlier entries commit and restarted state machines catch up without a client write"
            }
            ProtocolOption::PreVote => {
                "A server asks whether it could win before raising its term, so a server cut off by a partition does not depose a healthy leader when it returns"
            }
            ProtocolOption::CheckQuorum => {
                "A leader that has not heard from a majority within an election timeout steps down, so an isolated leader stops claiming leadership"
            }
        }
    }
}

impl fmt::Display for ProtocolOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which protocol options are on; all off by default (the paper's protocol).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Protocol {
    pub leader_noop: bool,
    pub pre_vote: bool,
    pub check_quorum: bool,
}

impl Protocol {
    /// Whether an option is on.
    pub fn get(self, option: ProtocolOption) -> bool {
        match option {
            ProtocolOption::LeaderNoop => self.leader_noop,
            ProtocolOption::PreVote => self.pre_vote,
            ProtocolOption::CheckQuorum => self.check_quorum,
        }
    }

    /// Turns an option on or off.
    pub fn set(&mut self, option: ProtocolOption, on: bool) {
        match option {
            ProtocolOption::LeaderNoop => self.leader_noop = on,
            ProtocolOption::PreVote => self.pre_vote = on,
            ProtocolOption::CheckQuorum => self.check_quorum = on,
        }
    }

    /// The options that are on, in the order of [`ProtocolOption::ALL`].
    pub fn iter(self) -> impl Iterator<Item = ProtocolOption> {
        ProtocolOption::ALL
            .into_iter()
            .filter(move |&o| self.get(o))
    }

    /// True when every option is off.
    pub fn is_paper(self) -> bool {
        self == Protocol::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_table_and_read_back() {
        for r in BrokenRule::ALL {
            assert_eq!(BrokenRule::from_name(r.name()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", r.name()),
                "serde uses the same name"
            );
            assert!(r.rule().text.starts_with(rules::BROKEN));
            assert!(r.section().starts_with('§') || r.section().starts_with("Figure"));
            assert!(!r.warning().is_empty());
        }
        for o in ProtocolOption::ALL {
            assert_eq!(ProtocolOption::from_name(o.name()), Some(o));
            assert!(!o.description().is_empty());
        }
    }

    #[test]
    fn sets_hold_what_is_put_in() {
        let mut set = BrokenRules::NONE;
        assert!(set.is_empty());
        set.set(BrokenRule::VoteTwice, true);
        set.insert(BrokenRule::CommitOldTermEntries);
        assert_eq!(set.names(), ["commit_old_term_entries", "vote_twice"]);
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["commit_old_term_entries","vote_twice"]"#
        );
        set.set(BrokenRule::VoteTwice, false);
        assert_eq!(set, BrokenRules::of(&[BrokenRule::CommitOldTermEntries]));
        let mut p = Protocol::default();
        assert!(p.is_paper());
        p.set(ProtocolOption::PreVote, true);
        assert!(p.get(ProtocolOption::PreVote) && !p.get(ProtocolOption::CheckQuorum));
        assert_eq!(p.iter().collect::<Vec<_>>(), [ProtocolOption::PreVote]);
    }
}
