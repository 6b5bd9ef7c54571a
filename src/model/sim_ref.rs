//! `SimRef` and `HistoryRef`: the simulated world and free play's run as the page holds them,
//! shared and compared by identity.

use raftsim::history::History;
use raftsim::Sim;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

/// A shared, cheaply cloned handle on the simulated world, compared by identity: every change
/// makes a new one (copy on write), so "did the world change?" is one pointer comparison. This
/// is what components (the cluster view, the tour) take as a prop.
#[derive(Clone)]
pub struct SimRef(Rc<Sim>);

impl SimRef {
    pub fn new(sim: Sim) -> SimRef {
        SimRef(Rc::new(sim))
    }
}

impl PartialEq for SimRef {
    fn eq(&self, other: &SimRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for SimRef {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        &self.0
    }
}

impl fmt::Debug for SimRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SimRef(t={} µs)", self.0.now())
    }
}

/// Free play's run (`raftsim::history::History`), shared like `SimRef` and compared by identity:
/// the reducer copies it (cheaply: its script and checkpoints are shared) only when it changes.
#[derive(Clone, Debug)]
pub struct HistoryRef(Rc<History>);

impl HistoryRef {
    pub fn new(history: History) -> HistoryRef {
        HistoryRef(Rc::new(history))
    }

    /// A handle that does not keep the run alive (for the crash overlay's link).
    pub fn downgrade(&self) -> std::rc::Weak<History> {
        Rc::downgrade(&self.0)
    }

    /// The run, to change; copied first if an older state still holds this version.
    pub(crate) fn make_mut(&mut self) -> &mut History {
        Rc::make_mut(&mut self.0)
    }
}

impl PartialEq for HistoryRef {
    fn eq(&self, other: &HistoryRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for HistoryRef {
    type Target = History;
    fn deref(&self) -> &History {
        &self.0
    }
}
