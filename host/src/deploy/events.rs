//! What happens during an action, as it happens: [`Event`]s sent to an [`Events`] sink.

use super::readiness::Readiness;
use crate::manifest::ObjectKey;
use std::sync::Arc;

/// What happens during an action, as it happens, for a caller to show.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The namespace was created (`create_namespace`).
    NamespaceCreated(&'a str),
    /// Before anything is applied (and in a dry run's plan): a change the operator must see,
    /// a value dropped, validator keys moving, a node going ([`changes`](super::changes)).
    Change(&'a str),
    /// A wave of a rollout in waves starts ([`waves`](super::waves)); in a dry run's plan, a wave
    /// the rollout would take. The text: `1/3: <workloads> (<what each group has down>)`.
    Wave(&'a str),
    /// An object was applied.
    Applied(&'a ObjectKey),
    /// An object the previous revision had was deleted.
    Pruned(&'a ObjectKey),
    /// An object was deleted by uninstall or `--new-chain`.
    Deleted(&'a ObjectKey),
    /// A workload was stopped before the change (`ethwasm.io/stop-before-change`).
    Stopped(&'a ObjectKey),
    /// Waiting starts for these workloads (indices of later `Readiness` events).
    WaitStarted(&'a [ObjectKey]),
    /// Workload `index` of the wait was read.
    Readiness { index: usize, key: &'a ObjectKey, state: &'a Readiness },
    /// Waiting is over (ready, failed or timed out).
    WaitFinished,
}

/// Where events go: a function called on the action's thread, in order.
#[derive(Clone)]
pub struct Events(Arc<dyn Fn(Event<'_>) + Send + Sync>);

impl Events {
    /// Events sent to `f`.
    pub fn new(f: impl Fn(Event<'_>) + Send + Sync + 'static) -> Events {
        Events(Arc::new(f))
    }

    /// Events nobody sees.
    pub fn none() -> Events {
        Events::new(|_| {})
    }

    pub(crate) fn send(&self, event: Event<'_>) {
        (self.0)(event)
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}
