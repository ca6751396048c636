//! How an action runs: [`Options`], and [`DryRun`] for `--dry-run`.

use super::lock;
use super::Events;
use std::time::Duration;

/// `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// Render, discover and plan; send nothing that changes the cluster.
    Client,
    /// Send every apply and delete with dryRun=All: the server validates, stores nothing.
    Server,
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
    /// ([`adopt`](super::adopt)) instead of refusing.
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
