//! Raft's safety properties (§5.2–§5.4, Figure 3), checked after every step.

use crate::chunks::Chunks;
use crate::command::{Applied, Command, KvStore};
use crate::fnv::Fnv1a;
use crate::lab::BrokenRules;
use crate::message::{ClientTag, Entry};
use crate::node::Node;
use crate::types::{LogIndex, NodeId, Role, Term, Time, MAX_NODES};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The properties the checker watches.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    ElectionSafety,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    LeaderAppendOnly,
    MonotonicTerms,
    OneVotePerTerm,
    CommittedPrefixStable,
    LeaderCommitsCurrentTerm,
    AcknowledgedEntriesKept,
    StateMachineReplays,
    AppliedOnce,
    LogHashesRecheck,
}

impl Invariant {
    /// Every property, Figure 3's five first, in the order a list of them reads best.
    pub const ALL: [Invariant; 13] = [
        Invariant::ElectionSafety,
        Invariant::LeaderAppendOnly,
        Invariant::LogMatching,
        Invariant::LeaderCompleteness,
        Invariant::StateMachineSafety,
        Invariant::MonotonicTerms,
        Invariant::OneVotePerTerm,
        Invariant::CommittedPrefixStable,
        Invariant::LeaderCommitsCurrentTerm,
        Invariant::AcknowledgedEntriesKept,
        Invariant::StateMachineReplays,
        Invariant::AppliedOnce,
        Invariant::LogHashesRecheck,
    ];

    /// Its name in files and reports: `election_safety`.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::ElectionSafety => "election_safety",
            Invariant::LogMatching => "log_matching",
            Invariant::LeaderCompleteness => "leader_completeness",
            Invariant::StateMachineSafety => "state_machine_safety",
            Invariant::LeaderAppendOnly => "leader_append_only",
            Invariant::MonotonicTerms => "monotonic_terms",
            Invariant::OneVotePerTerm => "one_vote_per_term",
            Invariant::CommittedPrefixStable => "committed_prefix_stable",
            Invariant::LeaderCommitsCurrentTerm => "leader_commits_current_term",
            Invariant::AcknowledgedEntriesKept => "acknowledged_entries_kept",
            Invariant::StateMachineReplays => "state_machine_replays_log",
            Invariant::AppliedOnce => "client_writes_applied_once",
            Invariant::LogHashesRecheck => "log_hashes_recheck",
        }
    }

    /// Whether it is one of the five properties of the paper's Figure 3 (the others are checks
    /// this simulation adds).
    pub fn in_figure_3(self) -> bool {
        matches!(
            self,
            Invariant::ElectionSafety
                | Invariant::LeaderAppendOnly
                | Invariant::LogMatching
                | Invariant::LeaderCompleteness
                | Invariant::StateMachineSafety
        )
    }
}

/// Written as its name.
impl Serialize for Invariant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::ElectionSafety => "Election Safety: at most one leader per term (§5.2)",
            Invariant::LogMatching => {
                "Log Matching: logs with an entry of the same index and term agree up to it (§5.3)"
            }
            Invariant::LeaderCompleteness => {
                "Leader Completeness: a committed entry is in the log of every later leader (§5.4)"
            }
            Invariant::StateMachineSafety => {
                "State Machine Safety: no two servers apply different entries at one index (§5.4.3)"
            }
            Invariant::LeaderAppendOnly => {
                "Leader Append-Only: a leader never overwrites or deletes its own entries (§5.3)"
            }
            Invariant::MonotonicTerms => "Terms only grow: a server's current term never goes back (§5.1)",
            Invariant::OneVotePerTerm => "One vote per term: a server votes at most once in a term (§5.2)",
            Invariant::CommittedPrefixStable => {
                "Committed entries stay: an entry a server knew committed never leaves its log (§5.4)"
            }
            Invariant::LeaderCommitsCurrentTerm => {
                "A leader commits by counting replicas only entries of its own term (§5.4.2)"
            }
            Invariant::AcknowledgedEntriesKept => {
                "Acknowledged entries stay: a leader's matchIndex for a follower of its term never exceeds the prefix their logs share (§5.3)"
            }
            Invariant::StateMachineReplays => {
                "State machine replays: each server's state machine equals a replay of the entries it applied (§5.3)"
            }
            Invariant::AppliedOnce => {
                "Writes apply once: each client write is applied at most once on each server (§8)"
            }
            Invariant::LogHashesRecheck => {
                "Checker in step: every 256 steps, every log hashed afresh agrees with what the checker remembers"
            }
        })
    }
}

/// One broken property, with when and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub at: Time,
    pub detail: String,
    /// The servers it is about (the one that broke it first).
    pub nodes: Vec<NodeId>,
    /// The log index it is about, if one entry is.
    pub entry: Option<LogIndex>,
    /// The rules broken on purpose that had changed a decision in the run by then (empty when
    /// every rule was kept: then Raft itself, or the checker, is wrong).
    #[serde(skip_serializing_if = "BrokenRules::is_empty")]
    pub broken_rules: BrokenRules,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} µs: {}: {}", self.at, self.invariant, self.detail)?;
        if !self.broken_rules.is_empty() {
            write!(
                f,
                " (allowed by rules broken on purpose: {})",
                self.broken_rules.names().join(", ")
            )?;
        }
        Ok(())
    }
}

/// What the checker remembers about one server from its last look.
#[derive(Clone, Debug, Default)]
struct Seen {
    term: Term,
    /// The vote cast in `term`, once cast.
    vote: Option<NodeId>,
    /// A different vote in `term` already reported (`Some(None)`: a vote forgotten), so that
    /// each change is reported once.
    vote_reported: Option<Option<NodeId>>,
    /// `Some(term)` if the server was leader of that term at the last look.
    leader_term: Option<Term>,
    /// Per log entry: its term, a hash of the entry, and a hash of the log up to it.
    log: Chunks<SeenEntry>,
    commit: LogIndex,
    applied: LogIndex,
    /// The highest commit index the server ever had; it survives restarts.
    max_commit: LogIndex,
    /// The last look at this server found nothing wrong.
    quiet: bool,
    /// The checker's replay of the entries this server applied, and how far it got. None while
    /// they are the first `replica_applied` entries of the shared replay (`Checker::replay`):
    /// then the replay of this server is that one's. Some once they part from it.
    replica: Option<KvStore>,
    replica_applied: LogIndex,
    /// A difference from the replay was reported and has not gone away since.
    replica_reported: bool,
}

/// What the checker remembers of one entry of a server's log.
#[derive(Clone, Copy, Debug)]
struct SeenEntry {
    term: Term,
    hash: u64,
    /// The hash of the log up to and including this entry.
    prefix: u64,
}

/// The first (index, term) pair seen at an index: the hash of the log up to it, and the entry
/// itself with its hash.
#[derive(Clone, Debug)]
struct FirstPair {
    prefix: u64,
    entry: Entry,
    entry_hash: u64,
}

/// One entry known to be committed somewhere.
#[derive(Clone, Debug)]
struct Committed {
    term: Term,
    /// Hash of the committed log up to and including this entry.
    prefix: u64,
    /// Current term of the server first seen treating it as committed. The entry was committed in
    /// this term or earlier, so every leader of a later term must hold it.
    known_in_term: Term,
}

/// Remembers what it has seen so far and reports violations.
///
/// It is incremental: it keeps a hash of every server's log prefix, so a step that appends or
/// truncates a few entries costs work in proportion to those entries, not to the log.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    seen: Vec<Seen>,
    /// The leader of each term seen so far.
    leaders: BTreeMap<Term, NodeId>,
    /// Second leaders already reported, so each is reported once.
    reported_leaders: BTreeSet<(Term, NodeId)>,
    /// For every (index, term) pair ever seen in a log: the hash of that log up to it. Slot
    /// `i - 1` holds the first pair seen at index `i` (with that entry and its hash, so that the
    /// same entry arriving in other logs is not hashed again); `more_pairs` holds the pairs of
    /// other terms at an index, which only conflicts make.
    pairs: Chunks<FirstPair>,
    more_pairs: BTreeMap<(LogIndex, Term), u64>,
    /// The committed prefix, as far as any server has committed it.
    committed: Chunks<Committed>,
    /// Steps looked at through `observe_step` since every log was last hashed afresh.
    steps: u64,
    /// (term, leader, follower) whose matchIndex overshoot was already reported.
    reported_match: BTreeSet<(Term, NodeId, NodeId)>,
    /// One replay of the applied entries for all servers (see `Replay`).
    replay: Replay,
}

/// The checker's replay of the state machine, shared by every server that applied the same
/// entries. While Raft holds, every server applies the same entries in the same order, so
/// replaying each server's log separately would repeat the same work once per server: instead
/// the entries are replayed once, and what each step of the replay left is kept so that a server
/// that is behind is compared with the replay as it stood at its own last applied entry. A
/// server whose applied entries differ from these gets a replay of its own (`Seen::replica`).
#[derive(Clone, Debug, Default)]
struct Replay {
    /// The store once every entry of `steps` is applied.
    kv: KvStore,
    /// Entry `i` applied, at slot `i - 1`.
    steps: Chunks<ReplayStep>,
}

/// One entry of the shared replay, and what applying it left.
#[derive(Clone, Debug)]
struct ReplayStep {
    entry: Entry,
    /// The value of the entry's key, and the number of keys held, once it was applied.
    value: Option<i64>,
    keys: usize,
    /// For a client write: the index at which the replay's session records it applied (its
    /// first copy), once this entry was applied.
    first: Option<LogIndex>,
}

impl Replay {
    fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether `n`'s entries `from..=upto` are the shared replay's, extending the replay with
    /// those past its end. False too when `n`'s log no longer holds the entries before `from`.
    fn follows(&mut self, n: &Node, from: usize, upto: usize) -> bool {
        if upto + 1 < from {
            return false;
        }
        let shared = upto.min(self.len());
        if (from..=shared).any(|idx| self.steps[idx - 1].entry != n.log[idx - 1]) {
            return false;
        }
        for idx in shared.max(from - 1) + 1..=upto {
            let entry = &n.log[idx - 1];
            let applied = self.kv.apply_entry(idx as LogIndex, entry);
            // What the store's session now records for a client write follows from what
            // applying it did, without looking it up.
            let first = match applied {
                _ if entry.client.is_none() => None,
                Applied::Now(_) => Some(idx as LogIndex),
                Applied::Before { index, .. } => Some(index),
                Applied::Forgotten => None,
            };
            let value = match applied {
                Applied::Now(value) if entry.command != Command::Noop => Some(value),
                _ => self.kv.get(entry.command.key()),
            };
            self.steps.push(ReplayStep {
                entry: entry.clone(),
                value,
                keys: self.kv.values.len(),
                first,
            });
        }
        true
    }

    /// The store once its first `upto` entries are applied: the replay's own when that is all of
    /// them, otherwise replayed afresh. Afresh is rare: a whole comparison of a server that is
    /// behind (which comes with the periodic rehash of every log, and costs about as much), a
    /// server parting from the shared entries, or a difference to describe.
    fn store_at(&self, upto: usize) -> Cow<'_, KvStore> {
        if upto == self.len() {
            return Cow::Borrowed(&self.kv);
        }
        let mut kv = KvStore::default();
        for (k, step) in self.steps.range(0..upto).enumerate() {
            kv.apply_entry(k as LogIndex + 1, &step.entry);
        }
        Cow::Owned(kv)
    }
}

/// How often, in steps, the checker hashes every log afresh instead of trusting the step's list
/// of log changes: every 256 steps, or, once the logs hold more than 64 entries in all, every
/// four steps per entry held, so that this costs at most about a quarter of a hash a step.
pub const RECHECK_EVERY: u64 = 256;

fn entry_hash(e: &Entry) -> u64 {
    let (tag, key, n): (&[u8], &str, i64) = match &e.command {
        Command::Set { key, value } => (b"S", key, *value),
        Command::Add { key, n } => (b"A", key, *n),
        Command::Noop => (b"N", "", 0),
    };
    let mut h = Fnv1a::new()
        .bytes(&e.term.to_le_bytes())
        .bytes(tag)
        .bytes(key.as_bytes())
        .bytes(&[0xff])
        .bytes(&n.to_le_bytes());
    if let Some(c) = &e.client {
        h = h
            .bytes(&c.client.to_le_bytes())
            .bytes(&c.seq.to_le_bytes())
            .bytes(&c.awaits_from.to_le_bytes());
    }
    h.finish()
}

/// Hash of a log prefix given the hash of the prefix before it and the hash of its last entry.
fn chain(prev: u64, entry: u64) -> u64 {
    // splitmix64 finalizer over the pair: order matters, collisions are negligible.
    let mut z = prev.rotate_left(29) ^ entry.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Looks at every server and reports what broke since the last look. Compares every log
    /// with what it remembers, so it costs time in proportion to the logs; the simulation uses
    /// `observe_changes`, which is told what changed.
    pub fn observe(&mut self, now: Time, nodes: &[Node]) -> Vec<Violation> {
        self.ensure(nodes.len());
        let dirty: Vec<Option<LogIndex>> = nodes
            .iter()
            .zip(&self.seen)
            .map(|(n, s)| first_difference(n, s))
            .collect();
        self.check(now, nodes, &dirty, 0)
    }

    /// Like `observe`, told which servers' logs changed in the step and from which index on.
    /// Logs not named are taken as unchanged.
    pub fn observe_changes(
        &mut self,
        now: Time,
        nodes: &[Node],
        changed: &[(NodeId, LogIndex)],
    ) -> Vec<Violation> {
        self.observe_step(now, nodes, changed, u16::MAX)
    }

    /// Like `observe_changes`, also told which servers may have changed at all: bit `i` of
    /// `touched` for the server at `NodeId::index()` `i`. A server not touched, whose last look
    /// found nothing wrong, is not looked at again.
    pub(crate) fn observe_step(
        &mut self,
        now: Time,
        nodes: &[Node],
        changed: &[(NodeId, LogIndex)],
        touched: u16,
    ) -> Vec<Violation> {
        if self.seen.len() != nodes.len() {
            return self.observe(now, nodes);
        }
        let mut dirty: [Option<LogIndex>; MAX_NODES] = [None; MAX_NODES];
        for &(id, from) in changed {
            if let Some(slot) = dirty.get_mut(id.index()) {
                *slot = Some(slot.map_or(from, |f| f.min(from)));
            }
        }
        self.steps += 1;
        let held: usize = nodes.iter().map(|n| n.log.len()).sum();
        if self.steps >= RECHECK_EVERY.max(4 * held as u64) {
            self.steps = 0;
            // Trust nothing: hash every log afresh, and look at every server.
            let mut out = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                let Some(d) = first_difference(n, &self.seen[i]) else {
                    continue;
                };
                if dirty[i].is_none_or(|f| f > d) {
                    out.push(Violation {
                        invariant: Invariant::LogHashesRecheck,
                        at: now,
                        detail: format!(
                            "{}'s log, hashed afresh, differs from what the checker remembers from entry {d} on: a change to it went unreported",
                            n.id
                        ),
                        nodes: vec![n.id],
                        entry: Some(d),
                        broken_rules: BrokenRules::NONE,
                    });
                    dirty[i] = Some(d);
                }
            }
            out.extend(self.check(now, nodes, &dirty[..nodes.len()], 0));
            return out;
        }
        let mut skip = 0u16;
        for (i, s) in self.seen.iter().enumerate() {
            if s.quiet && touched & (1 << i) == 0 && dirty[i].is_none() {
                skip |= 1 << i;
            }
        }
        // Every server skipped: a look would pass over each of them and every pair of them,
        // find nothing and change nothing.
        if skip.count_ones() as usize == nodes.len() {
            return Vec::new();
        }
        self.check(now, nodes, &dirty[..nodes.len()], skip)
    }

    fn ensure(&mut self, n: usize) {
        if self.seen.len() != n {
            self.seen.resize_with(n, Seen::default);
        }
    }

    /// Looks at the servers; `skip` has bit `i` set for servers known unchanged since a look
    /// that found nothing wrong with them (such a look would find nothing again, and change
    /// nothing).
    fn check(
        &mut self,
        now: Time,
        nodes: &[Node],
        dirty: &[Option<LogIndex>],
        skip: u16,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        macro_rules! report {
            ($invariant:expr, $detail:expr $(,)?) => {
                report!($invariant, $detail, None)
            };
            ($invariant:expr, $detail:expr, $entry:expr $(,)?) => {
                out.push(Violation {
                    invariant: $invariant,
                    at: now,
                    detail: $detail,
                    nodes: Vec::new(),
                    entry: $entry,
                    broken_rules: BrokenRules::NONE,
                })
            };
        }
        let committed_before = self.committed.len();
        for (i, n) in nodes.iter().enumerate() {
            if skip & (1 << i) != 0 {
                continue;
            }
            let reported_before = out.len();
            let id = n.id;
            let s = &mut self.seen[i];

            // Terms only grow (§5.1), across crashes too: the term is persistent.
            if n.current_term < s.term {
                report!(
                    Invariant::MonotonicTerms,
                    format!(
                        "{id}'s term went back from {} to {}",
                        s.term, n.current_term
                    ),
                );
            }
            // One vote per term (§5.2): a vote once cast in a term is never changed or forgotten.
            if n.current_term == s.term {
                if let Some(prev) = s.vote {
                    if n.voted_for != Some(prev) && s.vote_reported != Some(n.voted_for) {
                        s.vote_reported = Some(n.voted_for);
                        let now_vote = n.voted_for.map_or("nobody".to_string(), |v| v.to_string());
                        report!(
                            Invariant::OneVotePerTerm,
                            format!(
                                "{id} voted for {prev} in term {} and now records a vote for {now_vote}",
                                n.current_term
                            ),
                        );
                    }
                }
            }

            // The log: bring the remembered hashes up to date from the first changed index.
            if let Some(from) = dirty[i] {
                let from = from.max(1) as usize;
                let old_len = s.log.len();
                let new_len = n.log.len();
                let start = from.min(old_len + 1).min(new_len + 1);
                let mut first_diff = None;
                let old_hashes: Vec<u64> =
                    s.log.range(start - 1..old_len).map(|e| e.hash).collect();
                s.log.truncate(start - 1);
                for idx in start..=new_len {
                    let e = &n.log[idx - 1];
                    let first = self.pairs.get(idx - 1);
                    let h = match first {
                        Some(f) if f.entry == *e => f.entry_hash,
                        _ => entry_hash(e),
                    };
                    if first_diff.is_none() && old_hashes.get(idx - start).is_some_and(|&o| o != h)
                    {
                        first_diff = Some(idx);
                    }
                    let p = chain(s.log.last().map_or(Fnv1a::OFFSET, |l| l.prefix), h);
                    s.log.push(SeenEntry {
                        term: e.term,
                        hash: h,
                        prefix: p,
                    });
                    // Log Matching (§5.3): same index and term, same log up to there.
                    let known = match first {
                        Some(f) if f.entry.term == e.term => Some(f.prefix),
                        _ => self.more_pairs.get(&(idx as LogIndex, e.term)).copied(),
                    };
                    match known {
                        Some(q) if q != p => report!(
                            Invariant::LogMatching,
                            format!(
                                "{id}'s entry {idx} has term {} like another server's, but the logs differ before it",
                                e.term
                            ), Some(idx as LogIndex),
                ),
                        Some(_) => {}
                        // The first pair at the next index not seen yet takes its slot.
                        None if first.is_none() && self.pairs.len() == idx - 1 => {
                            self.pairs.push(FirstPair {
                                prefix: p,
                                entry: e.clone(),
                                entry_hash: h,
                            });
                        }
                        None => {
                            self.more_pairs.insert((idx as LogIndex, e.term), p);
                        }
                    }
                }
                if first_diff.is_none() && new_len < old_len {
                    first_diff = Some(new_len + 1);
                }
                if let Some(d) = first_diff {
                    if n.role == Role::Leader && s.leader_term == Some(n.current_term) {
                        report!(
                            Invariant::LeaderAppendOnly,
                            format!(
                                "{id}, leader of term {}, overwrote or deleted its entry {d}",
                                n.current_term
                            ),
                            Some(d as LogIndex),
                        );
                    }
                    if d as LogIndex <= s.max_commit {
                        report!(
                            Invariant::CommittedPrefixStable,
                            format!(
                                "{id} overwrote or deleted entry {d}, which it once knew committed (commit index {})",
                                s.max_commit
                            ), Some(d as LogIndex),
                );
                    }
                }
            }

            // Election Safety (§5.2). A server that was already leader of this term at the last
            // look was checked then, and what was found cannot change.
            if n.role == Role::Leader && s.leader_term != Some(n.current_term) {
                match self.leaders.get(&n.current_term) {
                    Some(&other) if other != id => {
                        if self.reported_leaders.insert((n.current_term, id)) {
                            report!(
                                Invariant::ElectionSafety,
                                format!(
                                    "{id} and {other} are both leaders of term {}",
                                    n.current_term
                                ),
                            );
                        }
                    }
                    Some(_) => {}
                    None => {
                        self.leaders.insert(n.current_term, id);
                    }
                }
            }

            // A leader commits by counting only entries of its own term (§5.4.2).
            if n.role == Role::Leader && n.commit_index > s.commit {
                let t = n.term_at(n.commit_index);
                if t != Some(n.current_term) {
                    report!(
                        Invariant::LeaderCommitsCurrentTerm,
                        format!(
                            "{id}, leader of term {}, advanced its commit index to {} whose entry is of term {}",
                            n.current_term,
                            n.commit_index,
                            t.map_or("(none)".to_string(), |t| t.to_string())
                        ), Some(n.commit_index),
                );
                }
            }

            // State Machine Safety (§5.4.3): everyone's committed prefix is one and the same.
            let c = n.commit_index;
            if c as usize > s.log.len() {
                report!(
                    Invariant::StateMachineSafety,
                    format!(
                        "{id}'s commit index {c} is past the end of its log ({})",
                        s.log.len()
                    ),
                );
            } else if c > 0 && (c != s.commit || dirty[i].is_some()) {
                let k = (c as usize).min(self.committed.len());
                if k > 0 && s.log[k - 1].prefix != self.committed[k - 1].prefix {
                    // Find the first index where this log leaves the committed one.
                    let (mut lo, mut hi) = (0usize, k - 1);
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if s.log[mid].prefix == self.committed[mid].prefix {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    report!(
                        Invariant::StateMachineSafety,
                        format!(
                            "{id} has entry {} (term {}) committed, but another server committed a different entry there (term {})",
                            lo + 1,
                            s.log[lo].term,
                            self.committed[lo].term
                        ), Some((lo + 1) as LogIndex),
                );
                } else {
                    for idx in self.committed.len()..c as usize {
                        self.committed.push(Committed {
                            term: s.log[idx].term,
                            prefix: s.log[idx].prefix,
                            known_in_term: n.current_term,
                        });
                    }
                }
            }
            if n.last_applied > c {
                report!(
                    Invariant::StateMachineSafety,
                    format!(
                        "{id} applied up to entry {} but has only committed up to {c}",
                        n.last_applied
                    ),
                );
            }

            // The state machine is a replay of the applied entries, each client write applied at
            // most once: the checker replays them itself and compares (§5.3, §8).
            if n.last_applied != s.replica_applied || skip == 0 {
                for (invariant, detail) in replay(n, s, &mut self.replay, skip == 0) {
                    report!(invariant, detail);
                }
            }

            // Leader Completeness (§5.4): a new leader holds everything committed before it.
            if n.role == Role::Leader && s.leader_term != Some(n.current_term) {
                if let Some(missing) = lacks_committed(&self.committed, s, n.current_term, 0) {
                    report!(
                        Invariant::LeaderCompleteness,
                        format!(
                            "{id} became leader of term {} without committed entry {missing}",
                            n.current_term
                        ),
                        Some(missing as LogIndex),
                    );
                }
            }

            s.max_commit = s.max_commit.max(c);
            if n.current_term != s.term {
                s.vote_reported = None;
            }
            if n.current_term != s.term || s.vote.is_none() {
                s.vote = n.voted_for;
            }
            s.term = n.current_term;
            s.leader_term = (n.role == Role::Leader).then_some(n.current_term);
            s.commit = c;
            s.applied = n.last_applied;
            s.quiet = out.len() == reported_before;
            for v in &mut out[reported_before..] {
                v.nodes.push(id);
            }
        }

        // A leader's matchIndex for a follower of its term is a promise: the follower holds the
        // leader's log up to there (§5.3).
        for (i, l) in nodes.iter().enumerate() {
            if l.role != Role::Leader || l.crashed {
                continue;
            }
            for (j, f) in nodes.iter().enumerate() {
                // Unless one of the two changed, what was found last time still holds.
                if skip & (1 << i) != 0 && skip & (1 << j) != 0 {
                    continue;
                }
                let m = l.match_index.get(j).copied().unwrap_or(0) as usize;
                if j == i || m == 0 || f.current_term != l.current_term {
                    continue;
                }
                let (ls, fs) = (&self.seen[i].log, &self.seen[j].log);
                let shared = m <= ls.len() && m <= fs.len() && ls[m - 1].prefix == fs[m - 1].prefix;
                if !shared && self.reported_match.insert((l.current_term, l.id, f.id)) {
                    let first = (0..m)
                        .find(|&k| k >= fs.len() || k >= ls.len() || ls[k].hash != fs[k].hash)
                        .unwrap_or(m - 1);
                    let first_report = out.len();
                    report!(
                        Invariant::AcknowledgedEntriesKept,
                        format!(
                            "{}, leader of term {}, has matchIndex {m} for {}, but their logs differ from entry {} on",
                            l.id,
                            l.current_term,
                            f.id,
                            first + 1
                        ),
                        Some(first as LogIndex + 1),
                    );
                    for v in &mut out[first_report..] {
                        v.nodes.extend([l.id, f.id]);
                    }
                }
            }
        }

        // Entries newly known committed must be in every leader of a later term (§5.4).
        if self.committed.len() > committed_before {
            for (i, n) in nodes.iter().enumerate() {
                if n.role != Role::Leader {
                    continue;
                }
                if let Some(missing) = lacks_committed(
                    &self.committed,
                    &self.seen[i],
                    n.current_term,
                    committed_before,
                ) {
                    let first = out.len();
                    report!(
                        Invariant::LeaderCompleteness,
                        format!(
                            "{}, leader of term {}, lacks committed entry {missing}",
                            n.id, n.current_term
                        ),
                        Some(missing as LogIndex),
                    );
                    for v in &mut out[first..] {
                        v.nodes.push(n.id);
                    }
                }
            }
        }
        out
    }
}

/// The first index at which `n`'s log differs from what the checker remembers of it, hashing
/// every entry afresh; None if they agree.
fn first_difference(n: &Node, s: &Seen) -> Option<LogIndex> {
    let common = n.log.len().min(s.log.len());
    let first = (0..common)
        .find(|&k| entry_hash(&n.log[k]) != s.log[k].hash)
        .unwrap_or(common);
    (first < n.log.len().max(s.log.len())).then_some(first as LogIndex + 1)
}

/// Brings the checker's replay of `n`'s state machine up to `n.last_applied` (from scratch
/// after a restart), then compares: what is wrong, as (property, detail). Each step compares
/// the keys the step's entries wrote; `whole` compares everything.
fn replay(n: &Node, s: &mut Seen, shared: &mut Replay, whole: bool) -> Vec<(Invariant, String)> {
    if n.last_applied < s.replica_applied {
        s.replica = None;
        s.replica_applied = 0;
    }
    let from = s.replica_applied as usize + 1;
    let upto = (n.last_applied as usize).min(n.log.len());
    if s.replica.is_none() && !shared.follows(n, from, upto) {
        // The entries this server applied part from the shared ones here: from now on it is
        // replayed on its own, starting from the shared replay as far as they agreed.
        s.replica = Some(shared.store_at(from - 1).into_owned());
    }
    let mut found = Vec::new();
    let id = n.id;
    // Where the server itself says it applied a client write.
    let at = |kv: &KvStore, tag: ClientTag| {
        let session = kv.sessions.get(&tag.client)?;
        session.result(tag.seq).map(|(index, _)| index)
    };
    let mut applied_twice = |tag: ClientTag, said: Option<LogIndex>, first: Option<LogIndex>| {
        // Against where the replay first did: any other index means it applied it again.
        if let (Some(said), Some(first)) = (said, first) {
            if said != first {
                found.push((
                    Invariant::AppliedOnce,
                    format!(
                        "{id} applied client {}'s write {} at index {first} and again at index {said}",
                        tag.client, tag.seq
                    ),
                ));
            }
        }
    };
    let differs = match &mut s.replica {
        Some(replica) => {
            for idx in from..=upto {
                let e = &n.log[idx - 1];
                replica.apply_entry(idx as LogIndex, e);
                if let Some(tag) = e.client {
                    applied_twice(tag, at(&n.kv, tag), at(replica, tag));
                }
            }
            if whole {
                *replica != n.kv
            } else {
                n.kv.values.len() != replica.values.len()
                    || (from..=upto).any(|idx| {
                        let key = n.log[idx - 1].command.key();
                        n.kv.get(key) != replica.get(key)
                    })
            }
        }
        None => {
            for idx in from..=upto {
                let step = &shared.steps[idx - 1];
                if let Some(tag) = step.entry.client {
                    applied_twice(tag, at(&n.kv, tag), step.first);
                }
            }
            if whole {
                *shared.store_at(upto) != n.kv
            } else {
                let keys = upto.checked_sub(1).map_or(0, |k| shared.steps[k].keys);
                n.kv.values.len() != keys || written_differ(n, shared, from, upto)
            }
        }
    };
    s.replica_applied = upto as LogIndex;
    let report = differs && !s.replica_reported;
    if whole || differs {
        s.replica_reported = differs;
    }
    if report {
        let replica = match &s.replica {
            Some(own) => Cow::Borrowed(own),
            None => shared.store_at(upto),
        };
        let key = replica
            .values
            .iter()
            .find(|(k, v)| n.kv.get(k) != Some(**v))
            .map(|(k, _)| k.clone())
            .or_else(|| {
                n.kv.values
                    .keys()
                    .find(|k| replica.get(k).is_none())
                    .cloned()
            });
        let what = match key {
            Some(k) => format!(
                "{k} is {} there but {} in the replay",
                n.kv.get(&k).map_or("absent".to_string(), |v| v.to_string()),
                replica
                    .get(&k)
                    .map_or("absent".to_string(), |v| v.to_string())
            ),
            None => "the client results it keeps differ".to_string(),
        };
        found.push((
            Invariant::StateMachineReplays,
            format!(
                "{id}'s state machine differs from a replay of the {} entries it applied: {what}",
                n.last_applied
            ),
        ));
    }
    found
}

/// Whether `n`'s store differs from the shared replay after entry `upto` at a key that entries
/// `from..=upto` wrote. A key's value then is the one its last write in the range left.
fn written_differ(n: &Node, shared: &Replay, from: usize, upto: usize) -> bool {
    let key = |idx: usize| shared.steps[idx - 1].entry.command.key();
    let differs = |idx: usize| n.kv.get(key(idx)) != shared.steps[idx - 1].value;
    // Most steps apply an entry or two: look for a later write of the key among them rather
    // than gather the keys in a set.
    if upto.saturating_sub(from) < 16 {
        return (from..=upto)
            .any(|idx| (idx + 1..=upto).all(|later| key(later) != key(idx)) && differs(idx));
    }
    let mut seen = BTreeSet::new();
    (from..=upto)
        .rev()
        .any(|idx| seen.insert(key(idx)) && differs(idx))
}

/// The first committed index (past `from`) that a leader of `term` must hold and does not, if
/// any. Looks at the last committed entry known in an earlier term: the leader must hold the
/// whole committed prefix up to it.
fn lacks_committed(
    committed: &Chunks<Committed>,
    s: &Seen,
    term: Term,
    from: usize,
) -> Option<usize> {
    let k = (from..committed.len())
        .rev()
        .find(|&k| committed[k].known_in_term < term)?;
    if k < s.log.len() && s.log[k].prefix == committed[k].prefix {
        return None;
    }
    // Report the first index that differs or is missing.
    let first = (0..=k)
        .find(|&j| j >= s.log.len() || s.log[j].prefix != committed[j].prefix)
        .unwrap_or(k);
    Some(first + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(spec: &[(Term, i64)]) -> Vec<Entry> {
        spec.iter()
            .map(|&(term, value)| {
                Entry::new(
                    term,
                    Command::Set {
                        key: "x".into(),
                        value,
                    },
                )
            })
            .collect()
    }

    fn node(id: u8, term: Term, role: Role, log: &[(Term, i64)], commit: LogIndex) -> Node {
        let mut n = Node::new(NodeId(id), 3, term, None, entries(log));
        n.role = role;
        apply_to(&mut n, commit);
        n
    }

    /// Commits and applies `n`'s log up to `commit`, as a server would.
    fn apply_to(n: &mut Node, commit: LogIndex) {
        n.commit_index = commit;
        n.last_applied = commit;
        n.kv = KvStore::default();
        for i in 0..commit as usize {
            n.kv.apply_entry(i as LogIndex + 1, &n.log[i]);
        }
    }

    fn kinds(v: &[Violation]) -> Vec<Invariant> {
        v.iter().map(|v| v.invariant).collect()
    }

    fn healthy() -> Vec<Node> {
        vec![
            node(1, 2, Role::Leader, &[(1, 1), (2, 2)], 2),
            node(2, 2, Role::Follower, &[(1, 1), (2, 2)], 2),
            node(3, 2, Role::Follower, &[(1, 1)], 1),
        ]
    }

    #[test]
    fn a_healthy_cluster_breaks_nothing() {
        let mut c = Checker::new();
        assert!(c.observe(0, &healthy()).is_empty());
        let mut nodes = healthy();
        nodes[2].log = entries(&[(1, 1), (2, 2)]).into();
        nodes[2].commit_index = 2;
        assert!(c.observe(1, &nodes).is_empty());
        assert!(c.observe_changes(2, &nodes, &[(NodeId(3), 2)]).is_empty());
    }

    #[test]
    fn two_leaders_in_a_term_break_election_safety_once() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        nodes[1].role = Role::Leader;
        assert_eq!(
            kinds(&c.observe(0, &nodes)),
            vec![Invariant::ElectionSafety]
        );
        assert!(c.observe(1, &nodes).is_empty(), "reported once");
    }

    #[test]
    fn terms_going_back_and_changed_votes_are_caught() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        nodes[2].voted_for = Some(NodeId(1));
        c.observe(0, &nodes);
        nodes[2].voted_for = Some(NodeId(2));
        assert_eq!(
            kinds(&c.observe(1, &nodes)),
            vec![Invariant::OneVotePerTerm]
        );
        nodes[2].current_term = 1;
        assert_eq!(
            kinds(&c.observe(2, &nodes)),
            vec![Invariant::MonotonicTerms]
        );
    }

    #[test]
    fn same_index_and_term_with_different_history_breaks_log_matching() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        nodes[2].log = entries(&[(1, 99), (2, 2)]).into();
        nodes[2].commit_index = 0;
        nodes[2].last_applied = 0;
        let found = kinds(&c.observe(0, &nodes));
        assert!(found.contains(&Invariant::LogMatching), "{found:?}");
    }

    #[test]
    fn a_leader_overwriting_its_log_breaks_append_only() {
        let mut c = Checker::new();
        let mut nodes = vec![
            node(1, 2, Role::Leader, &[(1, 1), (2, 2), (2, 3)], 0),
            node(2, 2, Role::Follower, &[(1, 1)], 0),
            node(3, 2, Role::Follower, &[(1, 1)], 0),
        ];
        c.observe(0, &nodes);
        nodes[0].log.truncate(2);
        let found = kinds(&c.observe_changes(1, &nodes, &[(NodeId(1), 3)]));
        assert_eq!(found, vec![Invariant::LeaderAppendOnly]);
    }

    #[test]
    fn losing_a_committed_entry_is_caught() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        c.observe(0, &nodes);
        // S2 loses entry 2, which it had committed, even after a restart reset its commit index.
        nodes[1].commit_index = 0;
        nodes[1].last_applied = 0;
        nodes[1].log = entries(&[(1, 1), (3, 7)]).into();
        nodes[1].current_term = 3;
        let found = kinds(&c.observe(1, &nodes));
        assert!(
            found.contains(&Invariant::CommittedPrefixStable),
            "{found:?}"
        );
    }

    #[test]
    fn committing_different_entries_breaks_state_machine_safety() {
        let mut c = Checker::new();
        let nodes = vec![
            node(1, 3, Role::Follower, &[(1, 1), (2, 2)], 2),
            node(2, 3, Role::Follower, &[(1, 1), (3, 5)], 2),
            node(3, 3, Role::Follower, &[(1, 1)], 1),
        ];
        let found = kinds(&c.observe(0, &nodes));
        assert_eq!(found, vec![Invariant::StateMachineSafety]);
    }

    #[test]
    fn a_leader_committing_an_old_term_entry_is_caught() {
        let mut c = Checker::new();
        let mut nodes = vec![
            node(1, 3, Role::Leader, &[(2, 2), (3, 3)], 0),
            node(2, 3, Role::Follower, &[(2, 2)], 0),
            node(3, 3, Role::Follower, &[(2, 2)], 0),
        ];
        assert!(c.observe(0, &nodes).is_empty());
        // A majority stores entry 1 (term 2); leader of term 3 commits it by counting: wrong.
        nodes[0].commit_index = 1;
        assert_eq!(
            kinds(&c.observe(1, &nodes)),
            vec![Invariant::LeaderCommitsCurrentTerm]
        );
    }

    #[test]
    fn a_new_leader_without_a_committed_entry_breaks_leader_completeness() {
        let mut c = Checker::new();
        let mut nodes = vec![
            node(1, 2, Role::Leader, &[(1, 1), (2, 2)], 2),
            node(2, 2, Role::Follower, &[(1, 1), (2, 2)], 2),
            node(3, 2, Role::Follower, &[(1, 1)], 1),
        ];
        assert!(c.observe(0, &nodes).is_empty());
        nodes[0].role = Role::Follower;
        nodes[2].current_term = 3;
        nodes[2].role = Role::Leader;
        assert_eq!(
            kinds(&c.observe(1, &nodes)),
            vec![Invariant::LeaderCompleteness]
        );
    }

    #[test]
    fn a_matchindex_past_what_the_follower_holds_breaks_acknowledged_entries_kept() {
        let mut c = Checker::new();
        let mut nodes = vec![
            node(1, 2, Role::Leader, &[(1, 1), (2, 2)], 0),
            node(2, 2, Role::Follower, &[(1, 1), (2, 2)], 0),
            node(3, 2, Role::Follower, &[(1, 1)], 0),
        ];
        nodes[0].match_index = vec![2, 2, 1];
        let found = c.observe(0, &nodes);
        assert!(found.is_empty(), "{found:?}");
        // S3 never acknowledged entry 2, yet the leader counts it; or S2 lost it.
        nodes[0].match_index[2] = 2;
        nodes[1].log = entries(&[(1, 1)]).into();
        let found = c.observe_changes(1, &nodes, &[(NodeId(2), 2)]);
        assert_eq!(
            kinds(&found),
            vec![
                Invariant::AcknowledgedEntriesKept,
                Invariant::AcknowledgedEntriesKept
            ]
        );
        assert!(found[0].detail.contains("matchIndex 2 for S2"), "{found:?}");
        assert!(
            c.observe_changes(2, &nodes, &[]).is_empty(),
            "reported once"
        );
        // A follower that moved on to a later term may have lost entries: that is allowed.
        let mut c = Checker::new();
        nodes[1].current_term = 3;
        nodes[2].current_term = 3;
        assert!(c.observe(0, &nodes).is_empty());
    }

    #[test]
    fn a_state_machine_that_is_not_its_log_replayed_is_caught() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        assert!(c.observe(0, &nodes).is_empty());
        // S2 restarts: nothing applied, but its store still holds x.
        nodes[1].commit_index = 0;
        nodes[1].last_applied = 0;
        let found = c.observe(1, &nodes);
        assert_eq!(kinds(&found), vec![Invariant::StateMachineReplays]);
        assert!(
            found[0].detail.contains("x is 2 there but absent"),
            "{found:?}"
        );
        assert!(c.observe(2, &nodes).is_empty(), "reported once");
        // It catches up properly: all is well again.
        apply_to(&mut nodes[1], 2);
        assert!(c.observe(3, &nodes).is_empty());
    }

    #[test]
    fn a_client_write_applied_twice_is_caught() {
        let write = |term| Entry {
            term,
            command: Command::parse("ADD x 5").unwrap(),
            client: Some(crate::message::ClientTag {
                client: 1,
                seq: 1,
                awaits_from: 1,
            }),
        };
        let log = vec![write(1), write(2)];
        let mut nodes: Vec<Node> = (1..=3)
            .map(|id| Node::new(NodeId(id), 3, 2, None, log.clone()))
            .collect();
        nodes[1].role = Role::Leader;
        for n in &mut nodes {
            apply_to(n, 2);
            assert_eq!(n.kv.get("x"), Some(5), "applied once");
        }
        let mut c = Checker::new();
        assert!(c.observe(0, &nodes).is_empty());
        // S3 restarts and applies both copies, as if it knew no sessions.
        nodes[2].last_applied = 0;
        nodes[2].commit_index = 0;
        nodes[2].kv = KvStore::default();
        c.observe(1, &nodes);
        apply_to(&mut nodes[2], 2);
        let session = nodes[2].kv.sessions.get_mut(&1).unwrap();
        session.results[0] = (1, 2, 10);
        nodes[2].kv.values.insert("x".to_string(), 10);
        let found = kinds(&c.observe(2, &nodes));
        assert!(found.contains(&Invariant::AppliedOnce), "{found:?}");
        assert!(found.contains(&Invariant::StateMachineReplays), "{found:?}");
    }

    #[test]
    fn a_log_change_nobody_reported_is_caught_by_the_periodic_rehash() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        assert!(c.observe(0, &nodes).is_empty());
        // S3's last entry changes behind the checker's back: no step reports it.
        nodes[2].log = entries(&[(1, 1), (2, 2)]).into();
        let mut found = Vec::new();
        for step in 1..=RECHECK_EVERY {
            found.extend(c.observe_step(step, &nodes, &[], 0));
        }
        assert_eq!(kinds(&found), vec![Invariant::LogHashesRecheck]);
        assert_eq!(found[0].entry, Some(2));
        assert_eq!(found[0].nodes, vec![NodeId(3)]);
        // Reported as a change would be, the same thing is not a surprise.
        let mut c = Checker::new();
        let mut nodes = healthy();
        c.observe(0, &nodes);
        nodes[2].log = entries(&[(1, 1), (2, 2)]).into();
        for step in 1..=RECHECK_EVERY {
            let changed: &[(NodeId, LogIndex)] = if step == 1 { &[(NodeId(3), 2)] } else { &[] };
            assert!(c.observe_step(step, &nodes, changed, 0).is_empty());
        }
    }

    #[test]
    fn the_periodic_rehash_trusts_a_change_reported_from_where_it_begins_or_earlier() {
        for (reported_from, surprise) in [(1, false), (2, false), (3, true)] {
            let mut c = Checker::new();
            let mut nodes = healthy();
            assert!(c.observe(0, &nodes).is_empty());
            for step in 1..RECHECK_EVERY {
                assert!(c.observe_step(step, &nodes, &[], 0).is_empty());
            }
            // On the rehash's own step S3 gains entry 2, reported as a change from
            // `reported_from` on: from 3, entry 2 changed unreported.
            nodes[2].log = entries(&[(1, 1), (2, 2)]).into();
            let found = c.observe_step(RECHECK_EVERY, &nodes, &[(NodeId(3), reported_from)], 0);
            let flagged: Vec<_> = found
                .iter()
                .filter(|v| v.invariant == Invariant::LogHashesRecheck)
                .collect();
            assert_eq!(
                !flagged.is_empty(),
                surprise,
                "reported from {reported_from}"
            );
            if surprise {
                assert_eq!(flagged[0].entry, Some(2));
            }
        }
    }

    /// A step says which servers it may have changed; a server it did not touch, whose last
    /// look found nothing wrong, is not looked at again until a step touches it.
    #[test]
    fn a_server_is_looked_at_again_when_a_step_touches_it() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        assert!(c.observe(0, &nodes).is_empty());
        // S3's term goes back from 2 to 1: a step that says it touched only S1 misses it...
        nodes[2].current_term = 1;
        assert!(c.observe_step(1, &nodes, &[], 1 << 0).is_empty());
        // ...and one that touched S3 (alone, or with others) catches it.
        for touched in [1 << 2, 0b111] {
            let mut c = c.clone();
            let found = c.observe_step(2, &nodes, &[], touched);
            assert_eq!(
                kinds(&found),
                vec![Invariant::MonotonicTerms],
                "{touched:b}"
            );
            assert_eq!(found[0].nodes, vec![NodeId(3)]);
        }
    }

    /// The prefix hash mixes every bit: flipping one bit of either input flips about half the
    /// output bits, and the output's bits are as often 1 as 0. A weak mix would let two different
    /// logs look alike to the checker.
    #[test]
    fn the_prefix_hash_mixes_every_bit() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        const SAMPLES: u64 = 400;
        let mut ones = 0u64;
        // Per input bit: the output bits flipped by flipping it in `prev`, and in `entry`.
        let mut flips = [(0u64, 0u64); 64];
        for _ in 0..SAMPLES {
            let (prev, entry) = (next(), next());
            let h = chain(prev, entry);
            ones += u64::from(h.count_ones());
            for (bit, (by_prev, by_entry)) in flips.iter_mut().enumerate() {
                *by_prev += u64::from((chain(prev ^ 1 << bit, entry) ^ h).count_ones());
                *by_entry += u64::from((chain(prev, entry ^ 1 << bit) ^ h).count_ones());
            }
        }
        let mean_ones = ones as f64 / SAMPLES as f64;
        assert!(
            (30.0..=34.0).contains(&mean_ones),
            "{mean_ones} bits set on average"
        );
        for (bit, &(by_prev, by_entry)) in flips.iter().enumerate() {
            for (input, n) in [("prev", by_prev), ("entry", by_entry)] {
                let mean = n as f64 / SAMPLES as f64;
                assert!(
                    (28.0..=36.0).contains(&mean),
                    "flipping bit {bit} of {input} flips {mean} output bits on average"
                );
            }
        }
    }

    /// Log Matching compares a server with the first server seen holding the same index and
    /// term, not only with later ones.
    #[test]
    fn log_matching_holds_between_just_two_servers() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        nodes[1] = node(2, 2, Role::Follower, &[], 0);
        nodes[2] = node(3, 2, Role::Follower, &[(1, 99), (2, 2)], 0);
        let found = c.observe(0, &nodes);
        assert!(!found.is_empty());
        assert!(
            kinds(&found).iter().all(|&k| k == Invariant::LogMatching),
            "{found:?}"
        );
        assert_eq!(found[0].entry, Some(1));
    }

    /// A log emptied to nothing is read again from its first entry.
    #[test]
    fn a_log_emptied_of_a_committed_entry_is_caught() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        assert!(c.observe(0, &nodes).is_empty());
        nodes[2].log = Vec::new().into();
        nodes[2].commit_index = 0;
        nodes[2].last_applied = 0;
        nodes[2].kv = KvStore::default();
        let found = c.observe_changes(1, &nodes, &[(NodeId(3), 1)]);
        assert_eq!(kinds(&found), vec![Invariant::CommittedPrefixStable]);
        assert_eq!(found[0].entry, Some(1));
    }

    /// Once the logs hold more than 64 entries in all, the rehash comes every four steps per
    /// entry held, not every 256 steps: its cost per step stays about a quarter of a hash.
    #[test]
    fn the_periodic_rehash_spaces_out_as_the_logs_grow() {
        let long: Vec<(Term, i64)> = (1..=40).map(|v| (1, v)).collect();
        let mut nodes = vec![
            node(1, 1, Role::Leader, &long, 40),
            node(2, 1, Role::Follower, &long, 40),
            node(3, 1, Role::Follower, &long, 40),
        ];
        let held = 120;
        let mut c = Checker::new();
        assert!(c.observe(0, &nodes).is_empty());
        // S3's last entry changes unreported: found at step 4 × 120, not at step 256.
        nodes[2].log = entries(&long[..39]).into();
        nodes[2].log.push(Entry::new(
            1,
            Command::Set {
                key: "y".into(),
                value: 0,
            },
        ));
        let mut found_at = None;
        for step in 1..=4 * held {
            if !c.observe_step(step, &nodes, &[], 0).is_empty() && found_at.is_none() {
                found_at = Some(step);
            }
        }
        assert_eq!(found_at, Some(4 * held));
    }

    /// A log said to have changed that did not, or a follower dropping an entry past its commit
    /// index, breaks nothing.
    #[test]
    fn changes_that_keep_every_committed_entry_break_nothing() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        nodes[1] = node(2, 2, Role::Follower, &[(1, 1), (2, 2)], 1);
        assert!(c.observe(0, &nodes).is_empty());
        // The leader's log is reported changed from entry 2 on, and is the same.
        assert!(c.observe_changes(1, &nodes, &[(NodeId(1), 2)]).is_empty());
        // S2 drops entry 2, which it never knew committed.
        nodes[1].log = entries(&[(1, 1)]).into();
        assert!(c.observe_changes(2, &nodes, &[(NodeId(2), 2)]).is_empty());
    }

    /// The same server seen leading its term again is not a second leader.
    #[test]
    fn a_leader_seen_again_in_its_term_is_not_a_second_leader() {
        let mut c = Checker::new();
        let mut nodes = healthy();
        assert!(c.observe(0, &nodes).is_empty());
        nodes[0].role = Role::Follower;
        assert!(c.observe(1, &nodes).is_empty());
        nodes[0].role = Role::Leader;
        let found = kinds(&c.observe(2, &nodes));
        assert!(!found.contains(&Invariant::ElectionSafety), "{found:?}");
    }

    /// A server whose commit index moves onto entries that differ from what others committed
    /// breaks State Machine Safety, even when its log did not change in the step; the violation
    /// names the first index where the committed prefixes part.
    #[test]
    fn committing_onto_a_different_history_names_where_it_parts() {
        let same: Vec<(Term, i64)> = (1..=4).map(|v| (1, v)).collect();
        let mut other = same.clone();
        other.extend([(2, 5), (2, 6)]);
        let mut mine = same.clone();
        mine.extend([(3, 50), (3, 60)]);
        let mut nodes = vec![
            node(1, 3, Role::Follower, &other, 6),
            node(2, 3, Role::Follower, &other, 6),
            node(3, 3, Role::Follower, &mine, 4),
        ];
        let mut c = Checker::new();
        assert!(c.observe(0, &nodes).is_empty());
        apply_to(&mut nodes[2], 6);
        let found = c.observe_changes(1, &nodes, &[]);
        assert_eq!(kinds(&found), vec![Invariant::StateMachineSafety]);
        assert_eq!(found[0].entry, Some(5));
        assert_eq!(found[0].nodes, vec![NodeId(3)]);
        // Parting at the last entry committed.
        let mut c = Checker::new();
        let nodes = vec![
            node(1, 3, Role::Follower, &other[..5], 5),
            node(2, 3, Role::Follower, &other[..5], 5),
            node(3, 3, Role::Follower, &mine[..5], 5),
        ];
        let found = c.observe(0, &nodes);
        assert_eq!(kinds(&found), vec![Invariant::StateMachineSafety]);
        assert_eq!(found[0].entry, Some(5));
    }

    #[test]
    fn invariants_name_their_section() {
        assert!(Invariant::ElectionSafety.to_string().contains("§5.2"));
        assert!(Invariant::StateMachineSafety.to_string().contains("§5.4.3"));
        let v = Violation {
            invariant: Invariant::LogMatching,
            at: 5,
            detail: "d".into(),
            nodes: Vec::new(),
            entry: None,
            broken_rules: BrokenRules::NONE,
        };
        assert!(v.to_string().contains("Log Matching"));
    }
}
