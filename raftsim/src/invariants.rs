//! Raft's safety properties (§5.2–§5.4, Figure 3), checked after every step.

/// Remembers what it has seen so far and reports violations.
#[derive(Clone, Debug, Default)]
pub struct Checker {}
