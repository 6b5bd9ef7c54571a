//! The reducer of free play's world: what a person does to the cluster (crash, restart, time
//! out, write, drop, cut, partition, heal, start over) and what they select or draw up on it.
//! Every change to the world goes through the core's own actions.

use super::action::{NodeOp, Notice, WorldAction};
use super::chronicle::Chronicle;
use super::sim_ref::{HistoryRef, SimRef};
use super::{capitalise, fresh_run, AppState, Selection, TRACE_KEPT};
use raftsim::history::{History, Place};
use raftsim::{fmt_ms, Action, Command, NodeId, PacketId};
use std::collections::BTreeSet;
use std::rc::Rc;

impl AppState {
    pub(super) fn reduce_world(&mut self, action: WorldAction) -> bool {
        use WorldAction as W;
        match action {
            W::Reset { seed, nodes } => {
                let seed = seed.unwrap_or(self.seed);
                let wanted = nodes.unwrap_or(self.nodes);
                let (history, place) = fresh_run(seed, wanted);
                let nodes = place.sim.nodes().len();
                if nodes != wanted {
                    self.notice = Some(Notice::error(format!(
                        "{wanted} servers is not a size this page offers; showing {nodes}."
                    )));
                }
                self.install(history, place);
            }
            W::ClickNode(id) => self.click_node(id),
            W::SelectPacket(id) => {
                if self.sim.packet(id).is_some() {
                    self.selected = Some(Selection::Packet(id));
                    self.playing = false;
                }
            }
            W::SelectNextPacket => self.select_next_packet(),
            W::ClearSelection => self.selected = None,
            W::Node(op, node) => {
                if let Some(id) = self.target(node) {
                    let action = match op {
                        NodeOp::Crash => Action::Crash { node: id },
                        NodeOp::Restart => Action::Restart { node: id },
                        NodeOp::Timeout => Action::Timeout { node: id },
                        NodeOp::ToggleCrash => match self.sim.node(id) {
                            Some(n) if n.crashed => Action::Restart { node: id },
                            _ => Action::Crash { node: id },
                        },
                    };
                    self.act(action);
                }
            }
            W::SetClientText(text) => {
                self.client_text = text;
                self.client_error = None;
            }
            W::SetClientTarget(id) => {
                if self.in_cluster(id) {
                    self.client_target = id;
                }
            }
            W::SendWrite => self.send_write(),
            W::RetryWrite(write) => self.act(Action::Retry {
                write,
                node: self.client_target,
            }),
            W::DropPacket(packet) => {
                let id = packet.or(match self.selected {
                    Some(Selection::Packet(id)) => Some(id),
                    _ => None,
                });
                match id {
                    Some(id) => self.act(Action::Drop { packet: id }),
                    None => {
                        self.notice = Some(Notice::info(
                            "Select a message in flight first: click it in the drawing.",
                        ))
                    }
                }
            }
            W::ToggleLink(a, b) => {
                let cut = self
                    .sim
                    .network()
                    .cut_links()
                    .any(|l| l == (a, b) || l == (b, a));
                let (from, to, both) = (a, b, true);
                self.act(if cut {
                    Action::Restore { from, to, both }
                } else {
                    Action::Cut { from, to, both }
                });
            }
            W::TogglePartitionMode => {
                if self.draft.is_some() {
                    self.apply_partition();
                } else {
                    self.draft = Some(BTreeSet::new());
                    self.notice = Some(Notice::info(
                        "Pick the servers of one side (click them or press 1–9), then Split. The rest form the other side.",
                    ));
                }
            }
            W::ApplyPartition => self.apply_partition(),
            W::CancelPartition => self.draft = None,
            W::Heal => {
                self.act(Action::Heal);
            }
            W::Undo => self.undo(),
            W::Open { name, text } => self.open_file(&name, &text),
            W::OpenPreset(name) => self.open_preset(&name),
            W::SetRule(rule, broken) => {
                let what = if broken {
                    format!(
                        "The rule {} is now broken on purpose: {}",
                        rule.name(),
                        rule.warning()
                    )
                } else {
                    format!("The rule {} is kept again.", rule.name())
                };
                self.reconfigure(|c| c.broken_rules.set(rule, broken), what);
            }
            W::SetOption(option, on) => {
                let what = format!("{} is {}.", option.name(), if on { "on" } else { "off" });
                self.reconfigure(|c| c.protocol.set(option, on), what);
            }
        }
        true
    }

    /// Makes `history` free play's run, shown at `place` (its seed and size with it), with a
    /// bounded trace, and forgets what referred to the old one.
    pub(super) fn install(&mut self, mut history: History, mut place: Place) {
        history.keep_trace(Some(TRACE_KEPT));
        place.sim.keep_trace(Some(TRACE_KEPT));
        let mut chronicle = Chronicle::new(&place.sim);
        if let Ok(start) = history.world_at(0) {
            chronicle = Chronicle::new(&start.sim);
            chronicle.refill(&mut history, &start);
        }
        self.chronicle = Rc::new(chronicle);
        self.seed = place.sim.config().seed;
        self.nodes = place.sim.nodes().len();
        self.history = HistoryRef::new(history);
        self.sim = SimRef::new(place.sim);
        self.applied = place.applied;
        self.carry_us = 0.0;
        self.selected = None;
        self.draft = None;
        self.client_error = None;
        if !self.in_cluster(self.client_target) {
            self.client_target = NodeId(1);
        }
    }

    /// Changes the world through the run's history: plays it, goes to another instant, or
    /// does something to it. If this breaks a safety property, the page pauses and says so.
    pub(super) fn with_place<R>(&mut self, f: impl FnOnce(&mut History, &mut Place) -> R) -> R {
        let before = self.sim.violations().len();
        let mut place = Place {
            sim: (*self.sim).clone(),
            applied: self.applied,
        };
        // The world keeps a bounded trace (`install`), and so does every world the history
        // makes.
        let out = f(self.history.make_mut(), &mut place);
        Rc::make_mut(&mut self.chronicle).observe(&place.sim);
        self.sim = SimRef::new(place.sim);
        self.applied = place.applied;
        let violations = self.sim.violations();
        if violations.len() > before {
            self.playing = false;
            let first = &violations[before];
            let allowed = if first.broken_rules.is_empty() {
                String::new()
            } else {
                format!(
                    " (allowed by a rule broken on purpose: {})",
                    first.broken_rules.names().join(", ")
                )
            };
            self.notice = Some(Notice::error(format!(
                "A safety property broke, so the simulation paused at {}: {}: {}{allowed}",
                fmt_ms(first.at),
                first.invariant,
                first.detail
            )));
        }
        out
    }

    /// Does an action to the world at the instant shown, as the run's next step (a future seen
    /// before going back is cut there); a refusal becomes a notice.
    fn act(&mut self, action: Action) {
        if let Err(e) = self.act_on_run(action) {
            self.notice = Some(Notice::error(capitalise(&e.to_string())));
        }
    }

    /// Does `action` as the run's next step. Acting before the latest instant reached starts
    /// a new branch: the timeline forgets the old future first.
    fn act_on_run(&mut self, action: Action) -> Result<(), raftsim::ActionError> {
        let now = self.sim.now();
        if now < self.history.end() {
            // Refused actions change nothing, so try it on a copy before cutting anything.
            (*self.sim).clone().apply(action.clone())?;
            let seq = self.sim.trace().len();
            Rc::make_mut(&mut self.chronicle).cut(seq);
        }
        self.with_place(|history, place| history.act(place, action))
    }

    /// Takes back the last action: the run as it was before it, at the instant it was done.
    fn undo(&mut self) {
        let done = self.history.script().last().map(|s| s.name.clone());
        let (Some(name), Some(at)) = (done, self.history.make_mut().undo()) else {
            self.notice = Some(Notice::info(
                "Nothing to undo: nothing has been done to this run.",
            ));
            return;
        };
        self.playing = false;
        self.carry_us = 0.0;
        self.go_to(at);
        let place = Place {
            sim: (*self.sim).clone(),
            applied: self.applied,
        };
        Rc::make_mut(&mut self.chronicle).refill(self.history.make_mut(), &place);
        self.notice = Some(Notice::info(format!(
            "Undone: {name} at {}. The run is as it was before it.",
            fmt_ms(at)
        )));
    }

    /// The server an action names, or the selected one; with neither, a notice.
    fn target(&mut self, node: Option<NodeId>) -> Option<NodeId> {
        let id = node.or(self.selected_node());
        if id.is_none() {
            self.notice = Some(Notice::info(
                "Select a server first: click it, or press its number (1–9).",
            ));
        }
        id
    }

    fn in_cluster(&self, id: NodeId) -> bool {
        self.sim.node(id).is_some()
    }

    fn click_node(&mut self, id: NodeId) {
        if !self.in_cluster(id) {
            self.notice = Some(Notice::info(format!(
                "There is no {id}: this cluster has S1 to S{}.",
                self.nodes
            )));
        } else if let Some(draft) = &mut self.draft {
            if !draft.remove(&id) {
                draft.insert(id);
            }
        } else if self.selected == Some(Selection::Node(id)) {
            self.selected = None;
        } else {
            self.selected = Some(Selection::Node(id));
            self.client_target = id;
        }
    }

    fn select_next_packet(&mut self) {
        let after = match self.selected {
            Some(Selection::Packet(id)) => id,
            _ => 0,
        };
        let mut ids: Vec<PacketId> = self.sim.in_flight().map(|p| p.id).collect();
        ids.sort_unstable();
        match ids.iter().find(|&&id| id > after).or(ids.first()).copied() {
            Some(id) => {
                self.selected = Some(Selection::Packet(id));
                self.playing = false;
            }
            None => self.notice = Some(Notice::info("No message is in flight right now.")),
        }
    }

    fn send_write(&mut self) {
        match Command::parse(&self.client_text) {
            Err(e) => self.client_error = Some(capitalise(&e.to_string())),
            Ok(command) => {
                let write = Action::Write {
                    node: self.client_target,
                    command,
                };
                match self.act_on_run(write) {
                    Ok(()) => {
                        self.client_error = None;
                        self.client_text.clear();
                    }
                    Err(e) => {
                        self.client_error = Some(format!(
                            "{}: pick another server to send to.",
                            capitalise(&e.to_string())
                        ))
                    }
                }
            }
        }
    }

    /// Splits the network along the partition drawn up, if it has a proper subset of servers.
    fn apply_partition(&mut self) {
        let Some(draft) = self.draft.take() else {
            return;
        };
        if draft.is_empty() || draft.len() >= self.nodes {
            self.draft = Some(draft);
            self.notice = Some(Notice::error(
                "Pick at least one server, but not all of them, for one side of the partition.",
            ));
        } else {
            self.act(Action::Partition {
                groups: vec![draft.into_iter().collect()],
            });
        }
    }
}
