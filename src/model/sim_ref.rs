//! `SimRef`: the simulated world as the page holds it, shared and compared by identity.

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

    /// The world, to change; cloned first if anyone else still holds this version.
    pub(crate) fn make_mut(&mut self) -> &mut Sim {
        Rc::make_mut(&mut self.0)
    }

    /// The world itself; cloned if anyone else still holds this version.
    pub fn into_sim(self) -> Sim {
        Rc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
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
