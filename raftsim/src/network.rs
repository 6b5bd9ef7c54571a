//! The network between servers: packets in flight, partitions, cut links, latency and faults.

/// Packets in flight and the state of every link.
#[derive(Clone, Debug, Default)]
pub struct Network {}
