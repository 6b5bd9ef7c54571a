//! The network between servers: packets in flight, partitions, cut links, latency and faults.
//!
//! The network only stores and orders packets and answers "is this link up?". Random choices
//! (latency, loss, duplication) are drawn by the simulation, in one fixed order, from its one PRNG.
//! Link state is consulted when a packet is *delivered*, so a partition also catches packets that
//! are already on their way.

use crate::message::{Addr, Packet, PacketId};
use crate::types::{NodeId, Time};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A packet on the wire, with what the simulation knows about it.
#[derive(Clone, Debug)]
struct InFlight {
    packet: Packet,
    /// Random loss already condemned it: it vanishes on arrival.
    doomed: bool,
}

/// Packets in flight and the state of every link.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// Number of servers; links to ids outside 1..=nodes do not exist.
    nodes: usize,
    /// The packets in flight, sorted by `(deliver_at, id)`: the next to arrive leaves from the
    /// front, and a new packet (usually due after those already on the wire) goes in at or near
    /// the back. Only a handful are ever in flight, so finding one by id is a short walk.
    queue: VecDeque<InFlight>,
    next_packet_id: PacketId,
    /// The partition, if any: every server is in exactly one group.
    groups: Option<Vec<Vec<NodeId>>>,
    /// Group number of each server, by `NodeId::index()`, while partitioned.
    group_of: Vec<usize>,
    /// Directed links taken down by hand.
    cut: BTreeSet<(NodeId, NodeId)>,
    loss_ppm: u32,
    duplicate_ppm: u32,
    default_latency: (Time, Time),
    /// Per-link latency overrides, directed.
    latency: BTreeMap<(NodeId, NodeId), (Time, Time)>,
    /// Chance that a packet is held back, and for how much longer at most.
    slow_ppm: u32,
    slow_max_us: Time,
    /// Whether random loss also takes packets to and from the client.
    client_loss: bool,
    /// Most packets that may be in flight at once.
    max_in_flight: Option<usize>,
    /// When a packet was first refused because the cap was reached, and how many were in flight.
    runaway: Option<(Time, usize)>,
}

impl Network {
    /// A healthy network for `nodes` servers.
    pub fn new(nodes: usize, latency: (Time, Time), loss_ppm: u32, duplicate_ppm: u32) -> Network {
        Network {
            nodes,
            default_latency: latency,
            loss_ppm,
            duplicate_ppm,
            next_packet_id: 1,
            ..Network::default()
        }
    }

    /// Turns on the harsher faults of chaos runs and the cap on packets in flight.
    pub(crate) fn set_harsh(
        &mut self,
        slow: (u32, Time),
        client_loss: bool,
        max_in_flight: Option<usize>,
    ) {
        (self.slow_ppm, self.slow_max_us) = slow;
        self.client_loss = client_loss;
        self.max_in_flight = max_in_flight;
    }

    fn known(&self, id: NodeId) -> bool {
        id.0 >= 1 && usize::from(id.0) <= self.nodes
    }

    /// Whether a packet from `from` to `to` would get through right now. A server can always
    /// reach itself.
    pub fn link_up(&self, from: NodeId, to: NodeId) -> bool {
        if from == to {
            return true;
        }
        if self.cut.contains(&(from, to)) {
            return false;
        }
        if self.groups.is_some() {
            return self.group_of.get(from.index()) == self.group_of.get(to.index());
        }
        true
    }

    /// Whether the path between two addresses is up. The client reaches every server.
    pub fn path_up(&self, from: Addr, to: Addr) -> bool {
        match (from, to) {
            (Addr::Node(a), Addr::Node(b)) => self.link_up(a, b),
            _ => true,
        }
    }

    /// The partition groups, every server in exactly one; None when not partitioned.
    pub fn partition_groups(&self) -> Option<&[Vec<NodeId>]> {
        self.groups.as_deref()
    }

    /// Directed links cut by hand, in order.
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }

    /// Whether any partition or cut is in place.
    pub fn is_healthy(&self) -> bool {
        self.groups.is_none() && self.cut.is_empty()
    }

    /// Random loss rate, parts per million of packets sent.
    pub fn loss_ppm(&self) -> u32 {
        self.loss_ppm
    }

    /// Random duplication rate, parts per million of packets sent.
    pub fn duplicate_ppm(&self) -> u32 {
        self.duplicate_ppm
    }

    /// Chance, in parts per million, that a packet is held back up to `slow_max_us` longer.
    pub fn slow_ppm(&self) -> u32 {
        self.slow_ppm
    }

    /// The most a held-back packet is delayed beyond its drawn latency.
    pub fn slow_max_us(&self) -> Time {
        self.slow_max_us
    }

    /// Whether random loss also takes packets to and from the client.
    pub fn client_loss(&self) -> bool {
        self.client_loss
    }

    /// The cap on packets in flight, if any.
    pub fn max_in_flight(&self) -> Option<usize> {
        self.max_in_flight
    }

    /// When the cap on packets in flight was reached, with how many were in flight then. The
    /// simulation stops at that point: nothing more is delivered and no timer fires.
    pub fn runaway(&self) -> Option<(Time, usize)> {
        self.runaway
    }

    /// Latency range `(min, max)` of the directed link `from` → `to`.
    pub fn link_latency(&self, from: NodeId, to: NodeId) -> (Time, Time) {
        self.latency
            .get(&(from, to))
            .copied()
            .unwrap_or(self.default_latency)
    }

    /// Latency range between two addresses; links to and from the client use the default.
    pub fn path_latency(&self, from: Addr, to: Addr) -> (Time, Time) {
        match (from, to) {
            (Addr::Node(a), Addr::Node(b)) => self.link_latency(a, b),
            _ => self.default_latency,
        }
    }

    /// The latency every link has unless overridden.
    pub fn default_latency(&self) -> (Time, Time) {
        self.default_latency
    }

    /// Packets in flight, ordered by `(deliver_at, id)`.
    pub fn in_flight(&self) -> impl Iterator<Item = &Packet> + '_ {
        self.queue.iter().map(|f| &f.packet)
    }

    /// Number of packets in flight.
    pub fn in_flight_len(&self) -> usize {
        self.queue.len()
    }

    /// The packet in flight with this id.
    pub fn packet(&self, id: PacketId) -> Option<&Packet> {
        self.in_flight().find(|p| p.id == id)
    }

    /// The delivery time of the first packet in flight.
    pub fn next_delivery(&self) -> Option<Time> {
        self.queue.front().map(|f| f.packet.deliver_at)
    }

    // ----- changes, made by the simulation -----

    /// Hands out the next packet id.
    pub(crate) fn allocate_id(&mut self) -> PacketId {
        let id = self.next_packet_id;
        self.next_packet_id += 1;
        id
    }

    /// Puts a packet on the wire; `doomed` packets are lost on arrival. At the cap on packets in
    /// flight the packet is refused instead, and the network notes the runaway.
    pub(crate) fn enqueue(&mut self, packet: Packet, doomed: bool) {
        if self
            .max_in_flight
            .is_some_and(|cap| self.queue.len() >= cap)
        {
            if self.runaway.is_none() {
                self.runaway = Some((packet.sent_at, self.queue.len()));
            }
            return;
        }
        let key = (packet.deliver_at, packet.id);
        // A new packet is usually due after every packet already on the wire: look from the back.
        let mut at = self.queue.len();
        while at > 0 && {
            let p = &self.queue[at - 1].packet;
            (p.deliver_at, p.id) > key
        } {
            at -= 1;
        }
        let f = InFlight { packet, doomed };
        if at == self.queue.len() {
            self.queue.push_back(f);
        } else {
            self.queue.insert(at, f);
        }
    }

    /// Takes the first packet off the wire if it is due at or before `t`. Returns it with
    /// whether random loss condemned it.
    pub(crate) fn pop_due(&mut self, t: Time) -> Option<(Packet, bool)> {
        if self.queue.front()?.packet.deliver_at > t {
            return None;
        }
        let f = self.queue.pop_front()?;
        Some((f.packet, f.doomed))
    }

    /// Removes a packet in flight by id.
    pub(crate) fn remove(&mut self, id: PacketId) -> Option<Packet> {
        let k = self.queue.iter().position(|f| f.packet.id == id)?;
        self.queue.remove(k).map(|f| f.packet)
    }

    /// Checks a partition: known servers, none twice, no empty group. Returns the full list of
    /// groups, with the servers not named gathered in one more group.
    pub(crate) fn complete_partition(
        &self,
        groups: &[Vec<NodeId>],
    ) -> Result<Vec<Vec<NodeId>>, String> {
        let mut seen = BTreeSet::new();
        let mut full = Vec::new();
        for group in groups {
            if group.is_empty() {
                return Err("a group is empty".to_string());
            }
            let mut members = Vec::with_capacity(group.len());
            for &id in group {
                if !self.known(id) {
                    return Err(format!(
                        "unknown node {id}: this cluster has S1 to S{}",
                        self.nodes
                    ));
                }
                if !seen.insert(id) {
                    return Err(format!("{id} is in more than one group"));
                }
                members.push(id);
            }
            members.sort();
            full.push(members);
        }
        let rest: Vec<NodeId> = (0..self.nodes)
            .map(NodeId::from_index)
            .filter(|id| !seen.contains(id))
            .collect();
        if !rest.is_empty() {
            full.push(rest);
        }
        Ok(full)
    }

    /// Installs a partition already checked by `complete_partition`. One group means no partition.
    pub(crate) fn set_partition(&mut self, groups: Vec<Vec<NodeId>>) {
        if groups.len() <= 1 {
            self.groups = None;
            self.group_of.clear();
            return;
        }
        self.group_of = vec![0; self.nodes];
        for (g, group) in groups.iter().enumerate() {
            for id in group {
                self.group_of[id.index()] = g;
            }
        }
        self.groups = Some(groups);
    }

    /// Removes every partition and restores every cut link.
    pub(crate) fn heal(&mut self) {
        self.groups = None;
        self.group_of.clear();
        self.cut.clear();
    }

    pub(crate) fn set_cut(&mut self, from: NodeId, to: NodeId, down: bool) {
        if down {
            self.cut.insert((from, to));
        } else {
            self.cut.remove(&(from, to));
        }
    }

    pub(crate) fn set_loss(&mut self, ppm: u32) {
        self.loss_ppm = ppm;
    }

    pub(crate) fn set_duplicate(&mut self, ppm: u32) {
        self.duplicate_ppm = ppm;
    }

    pub(crate) fn set_link_latency(&mut self, from: NodeId, to: NodeId, range: (Time, Time)) {
        if range == self.default_latency {
            self.latency.remove(&(from, to));
        } else {
            self.latency.insert((from, to), range);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u8) -> NodeId {
        NodeId(n)
    }

    #[test]
    fn partition_fills_in_the_rest_and_cuts_links() {
        let mut net = Network::new(5, (10, 20), 0, 0);
        let full = net.complete_partition(&[vec![s(2), s(1)]]).unwrap();
        assert_eq!(full, vec![vec![s(1), s(2)], vec![s(3), s(4), s(5)]]);
        net.set_partition(full);
        assert!(net.link_up(s(1), s(2)));
        assert!(net.link_up(s(3), s(5)));
        assert!(!net.link_up(s(1), s(3)));
        assert!(!net.link_up(s(4), s(2)));
        assert!(net.path_up(Addr::Client, Addr::Node(s(4))));
        net.heal();
        assert!(net.link_up(s(1), s(3)));
    }

    #[test]
    fn bad_partitions_are_refused() {
        let net = Network::new(3, (10, 20), 0, 0);
        assert!(net.complete_partition(&[vec![s(1)], vec![s(1)]]).is_err());
        assert!(net.complete_partition(&[vec![s(4)]]).is_err());
        assert!(net.complete_partition(&[vec![]]).is_err());
    }

    #[test]
    fn cuts_are_directed() {
        let mut net = Network::new(3, (10, 20), 0, 0);
        net.set_cut(s(1), s(2), true);
        assert!(!net.link_up(s(1), s(2)));
        assert!(net.link_up(s(2), s(1)));
        assert_eq!(net.cut_links().collect::<Vec<_>>(), vec![(s(1), s(2))]);
    }

    #[test]
    fn packets_come_out_in_delivery_order() {
        let mut net = Network::new(2, (10, 20), 0, 0);
        for (at, to) in [(30, 1), (10, 2), (30, 2)] {
            let id = net.allocate_id();
            net.enqueue(
                Packet {
                    id,
                    from: Addr::Client,
                    to: Addr::Node(s(to)),
                    sent_at: 0,
                    deliver_at: at,
                    payload: crate::message::Payload::ClientReply {
                        write: 0,
                        answer: crate::message::ClientAnswer::Redirect { leader: None },
                    },
                },
                false,
            );
        }
        let order: Vec<(Time, PacketId)> = net.in_flight().map(|p| (p.deliver_at, p.id)).collect();
        assert_eq!(order, vec![(10, 2), (30, 1), (30, 3)]);
        assert!(net.packet(3).is_some());
        assert!(net.pop_due(5).is_none());
        assert_eq!(net.pop_due(10).unwrap().0.id, 2);
        assert!(net.remove(1).is_some());
        assert_eq!(net.next_delivery(), Some(30));
    }
}
