//! Scenario files: a cluster's starting state and a timed script of actions, as JSON.
