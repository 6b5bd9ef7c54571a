//! `Marks`: what the drawing and the logs draw attention to, resolved for one cluster.
//!
//! A lesson step names things on screen (`raftsim::lesson::Highlight`: `role:S2`, `entry:*:3`,
//! `messages:heartbeat`, …); `Marks::from_lesson` turns that list into sets the views look up as
//! they draw, with `*` spread over the cluster's servers.

use raftsim::lesson::Highlight;
use raftsim::{LogIndex, NodeId, Packet, PacketKind};
use std::collections::BTreeSet;

/// The servers, their parts (role word, term, vote, timer ring, heartbeat ring, log row, single
/// entries, commit index, state machine), messages by kind, links, and the page's named parts
/// (the client box, the partition walls, the clock) that are drawn marked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    pub nodes: BTreeSet<NodeId>,
    pub roles: BTreeSet<NodeId>,
    pub terms: BTreeSet<NodeId>,
    pub votes: BTreeSet<NodeId>,
    pub timers: BTreeSet<NodeId>,
    pub heartbeats: BTreeSet<NodeId>,
    pub logs: BTreeSet<NodeId>,
    pub entries: BTreeSet<(NodeId, LogIndex)>,
    pub commits: BTreeSet<NodeId>,
    pub kvs: BTreeSet<NodeId>,
    /// Every message in flight of these kinds.
    pub kinds: BTreeSet<PacketKind>,
    /// Every message in flight.
    pub all_messages: bool,
    /// Links as (lower id, higher id).
    pub links: BTreeSet<(NodeId, NodeId)>,
    /// The client box.
    pub client: bool,
    /// Partition walls and cut links.
    pub walls: bool,
    /// The simulated clock.
    pub clock: bool,
}

impl Marks {
    /// What a lesson step names, for a cluster of `cluster` servers; `*` stands for every one.
    pub fn from_lesson(items: &[Highlight], cluster: usize) -> Marks {
        let mut marks = Marks::default();
        for item in items {
            let ids = item.nodes(cluster);
            let set = match item {
                Highlight::Node(_) => &mut marks.nodes,
                Highlight::Role(_) => &mut marks.roles,
                Highlight::Term(_) => &mut marks.terms,
                Highlight::Vote(_) => &mut marks.votes,
                Highlight::Timer(_) => &mut marks.timers,
                Highlight::Heartbeat(_) => &mut marks.heartbeats,
                Highlight::Log(_) => &mut marks.logs,
                Highlight::Commit(_) => &mut marks.commits,
                Highlight::Kv(_) => &mut marks.kvs,
                Highlight::Entry(_, i) => {
                    marks.entries.extend(ids.iter().map(|&id| (id, *i)));
                    continue;
                }
                Highlight::Link(a, b) => {
                    marks.links.insert(((*a).min(*b), (*a).max(*b)));
                    continue;
                }
                Highlight::Messages(None) => {
                    marks.all_messages = true;
                    continue;
                }
                Highlight::Messages(Some(kind)) => {
                    marks.kinds.insert(*kind);
                    continue;
                }
                Highlight::Client => {
                    marks.client = true;
                    continue;
                }
                Highlight::Partition => {
                    marks.walls = true;
                    continue;
                }
                Highlight::Clock => {
                    marks.clock = true;
                    continue;
                }
            };
            set.extend(ids);
        }
        marks
    }

    /// What a safety violation is about: its servers, and their entry at its index.
    pub fn of_violation(v: &raftsim::Violation) -> Marks {
        let nodes: BTreeSet<NodeId> = v.nodes.iter().copied().collect();
        let entries = v
            .entry
            .map(|i| nodes.iter().map(|&n| (n, i)).collect())
            .unwrap_or_default();
        Marks {
            nodes,
            entries,
            ..Marks::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Marks::default()
    }

    /// Whether a message in flight is drawn marked.
    pub fn packet(&self, p: &Packet) -> bool {
        self.all_messages || self.kinds.contains(&PacketKind::of(&p.payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marks of a lesson step naming `names` in a cluster of five.
    fn from_names(names: &[&str]) -> Marks {
        let items: Vec<Highlight> = names
            .iter()
            .map(|n| Highlight::parse(n, 5).expect("a valid highlight name"))
            .collect();
        Marks::from_lesson(&items, 5)
    }

    fn ids(list: &[u8]) -> BTreeSet<NodeId> {
        list.iter().map(|&i| NodeId(i)).collect()
    }

    #[test]
    fn nothing_named_marks_nothing() {
        let marks = from_names(&[]);
        assert!(marks.is_empty());
        assert_eq!(marks, Marks::default());
    }

    #[test]
    fn each_part_of_a_server_goes_to_its_own_set() {
        let marks = from_names(&[
            "node:S1",
            "role:S2",
            "term:S3",
            "vote:S4",
            "timer:S5",
            "heartbeat:S1",
            "log:S2",
            "commit:S3",
            "kv:S4",
        ]);
        assert_eq!(marks.nodes, ids(&[1]));
        assert_eq!(marks.roles, ids(&[2]));
        assert_eq!(marks.terms, ids(&[3]));
        assert_eq!(marks.votes, ids(&[4]));
        assert_eq!(marks.timers, ids(&[5]));
        assert_eq!(marks.heartbeats, ids(&[1]));
        assert_eq!(marks.logs, ids(&[2]));
        assert_eq!(marks.commits, ids(&[3]));
        assert_eq!(marks.kvs, ids(&[4]));
        assert!(marks.entries.is_empty() && marks.links.is_empty());
        assert!(!marks.client && !marks.walls && !marks.clock);
        assert!(!marks.all_messages && marks.kinds.is_empty());
        assert!(!marks.is_empty());
    }

    #[test]
    fn a_star_names_every_server() {
        let marks = from_names(&["role:*", "entry:*:1"]);
        assert_eq!(marks.roles, ids(&[1, 2, 3, 4, 5]));
        assert_eq!(marks.entries.len(), 5);
        assert!(marks
            .entries
            .iter()
            .all(|&(id, i)| i == 1 && (1..=5).contains(&id.0)));
        let one = from_names(&["entry:S2:3"]);
        assert_eq!(one.entries, BTreeSet::from([(NodeId(2), 3)]));
    }

    #[test]
    fn a_link_is_named_lower_id_first_either_way_round() {
        let marks = from_names(&["link:S5:S1", "link:S2:S3"]);
        assert_eq!(
            marks.links,
            BTreeSet::from([(NodeId(1), NodeId(5)), (NodeId(2), NodeId(3))])
        );
        assert!(marks.nodes.is_empty(), "a link does not mark its servers");
    }

    #[test]
    fn messages_by_kind_or_all_of_them() {
        let all = from_names(&["messages"]);
        assert!(all.all_messages);
        assert!(all.kinds.is_empty());
        let hb = from_names(&["messages:heartbeat", "messages:request_vote"]);
        assert!(!hb.all_messages);
        assert_eq!(
            hb.kinds,
            BTreeSet::from([PacketKind::Heartbeat, PacketKind::RequestVote])
        );
    }

    #[test]
    fn the_pages_named_parts() {
        let marks = from_names(&["client", "partition", "clock"]);
        assert!(marks.client && marks.walls && marks.clock);
        assert!(marks.nodes.is_empty() && marks.timers.is_empty());
    }
}
