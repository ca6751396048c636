//! What an action did ([`Report`]), and the one error every action on a release may give: the
//! release does not exist ([`NotFound`]).

use super::DryRun;
use crate::manifest::ObjectKey;

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

crate::error::classify!(NotFound => Usage);
