//! Releases in a cluster, one module per action as Helm's pkg/action has them:
//! [`install`] (install or upgrade, with dry runs), [`rollback`], [`uninstall`], [`query`]
//! (status, history, list) and [`diff`], over shared modules: [`plan`] (seed, revision,
//! discovery, what to prune), [`rollout`] (apply, prune, wait, record the outcome), [`apply`],
//! [`wait`] (with [`stuck`]: new pods that cannot start), [`lock`], [`record`] (the release records in the cluster), [`chain`] (a chain
//! keeps its genesis; `--new-chain`), [`changes`] (what an upgrade changes that must be
//! seen first), [`adopt`] (no takeover), [`hosts`] (hosts the cluster
//! already serves), [`stop`] (stop-before-change workloads) and
//! [`revision`] (rendering a revision).
//!
//! Every action takes a [`Cluster`](crate::cluster::Cluster), typed options and an [`Events`]
//! sink, and returns a [`Report`] or a typed [`Error`](crate::Error); nothing here prints.

pub mod adopt;
pub mod apply;
pub mod chain;
pub mod changes;
pub mod diff;
pub mod hosts;
pub mod install;
pub mod lock;
pub mod plan;
pub mod query;
pub mod record;
pub mod revision;
pub mod rollback;
pub mod rollout;
pub mod stop;
pub mod stuck;
pub mod uninstall;
pub mod wait;

pub use install::deploy;
pub use plan::SeedChoice;
pub use query::{default_release, history, list, status};
pub use revision::{render_revision, renderer, ReleaseFacts, Revision};
pub use rollback::rollback;
pub use uninstall::uninstall;

use crate::manifest::ObjectKey;
use std::sync::Arc;
use std::time::Duration;

/// `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// Render, discover and plan; send nothing that changes the cluster.
    Client,
    /// Send every apply and delete with dryRun=All: the server validates, stores nothing.
    Server,
}

/// What happens during an action, as it happens, for a caller to show.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The namespace was created (`create_namespace`).
    NamespaceCreated(&'a str),
    /// Before anything is applied (and in a dry run's plan): a change the operator must see,
    /// a value dropped, validator keys moving, a node going ([`changes`]).
    Change(&'a str),
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
    Readiness { index: usize, key: &'a ObjectKey, state: &'a wait::Readiness },
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

/// How a deploy, rollback or uninstall runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: Option<DryRun>,
    pub force_conflicts: bool,
    pub create_namespace: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub rollback_on_failure: bool,
    pub history_max: usize,
    /// Requests in flight at once inside an install stage.
    pub parallelism: usize,
    pub poll_interval: Duration,
    pub lock_duration: Duration,
    /// `holderIdentity` of the lock.
    pub holder: String,
    /// `--new-chain`: a revision that changes the chain's genesis deletes the old chain's
    /// StatefulSets and data volumes first, instead of being refused.
    pub new_chain: bool,
    /// `--take-ownership`: apply onto existing objects that are not the release's
    /// ([`adopt`]) instead of refusing.
    pub take_ownership: bool,
    /// `uninstall --delete-crds`: delete the release's CustomResourceDefinitions too (and with
    /// them every resource of their kinds, in every namespace).
    pub delete_crds: bool,
    /// Where progress goes.
    pub events: Events,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: None,
            force_conflicts: false,
            create_namespace: false,
            wait: false,
            timeout: Duration::from_secs(300),
            rollback_on_failure: false,
            history_max: 10,
            parallelism: 8,
            poll_interval: Duration::from_secs(2),
            lock_duration: lock::LEASE_DURATION,
            holder: lock::holder_identity("ethwasm"),
            new_chain: false,
            take_ownership: false,
            delete_crds: false,
            events: Events::none(),
        }
    }
}

/// What a deploy, rollback or uninstall did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub namespace: String,
    pub release: String,
    pub revision: u32,
    /// "install", "upgrade", "rollback" or "uninstall".
    pub action: &'static str,
    /// Set when nothing was stored.
    pub dry_run: Option<DryRun>,
    /// Applied objects (dry run: objects that would be applied, or that the server validated).
    pub applied: Vec<ObjectKey>,
    /// Deleted objects (dry run: objects that would be).
    pub pruned: Vec<ObjectKey>,
    /// Objects prune or uninstall left alone because ethwasm did not create them.
    pub skipped: Vec<ObjectKey>,
    /// Objects uninstall kept on purpose: CustomResourceDefinitions (without `--delete-crds`)
    /// and the claims StatefulSets made, which hold chain data.
    pub kept: Vec<ObjectKey>,
    pub description: String,
    /// The plugins' notes of the revision deployed.
    pub notes: Vec<(String, String)>,
}

/// The release does not exist.
#[derive(Debug, thiserror::Error)]
#[error("release `{release}` not found in namespace {namespace}; `ethwasm list -A` shows the releases")]
pub struct NotFound {
    pub release: String,
    pub namespace: String,
}

impl crate::error::Classify for NotFound {
    fn class(&self) -> crate::error::Class {
        crate::error::Class::Usage
    }
}

pub(crate) use crate::job::now;

#[cfg(test)]
mod tests;
