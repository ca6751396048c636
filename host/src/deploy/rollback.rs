//! Rollback: re-apply an earlier revision's recorded objects as a new revision.

use super::record::Store;
use super::rollout::{lock_release, restore};
use super::{chain, NotFound, Options, Report};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::release::Status;

/// Re-applies revision `to` (default: the one before the deployed one), prunes the rest and
/// records a new revision.
pub async fn rollback<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    to: Option<u32>,
    opts: &Options,
) -> Result<Report> {
    let lock = lock_release(c, namespace, release, opts, false).await?;
    lock.hold(c, async {
        let mut store = Store::new(c, namespace, release);
        let history = store.load_existing().await?;
        let current = chain::live_record(&history)
            .ok_or_else(|| NotFound { release: release.into(), namespace: namespace.into() })?;
        let target = match to {
            Some(rev) => history.iter().find(|r| r.revision == rev).ok_or_else(|| {
                let have: Vec<String> = history.iter().map(|r| r.revision.to_string()).collect();
                match store.damaged.iter().find(|d| d.revision == rev) {
                    Some(d) => Error::usage(format!("{d}: roll back to an intact revision ({})", have.join(", "))),
                    None => {
                        Error::usage(format!("release `{release}` has no revision {rev} (it has {})", have.join(", ")))
                    }
                }
            })?,
            None => history
                .iter()
                .rev()
                .find(|r| r.revision < current.revision && r.status == Status::Superseded)
                .ok_or_else(|| Error::usage(format!("release `{release}` has no earlier revision to roll back to")))?,
        };
        let what = format!("rollback of `{release}` to revision {}", target.revision);
        if let Some(change) = chain::change(&history, &target.manifests, what) {
            if !opts.new_chain {
                return Err(change.into());
            }
            if let Some(live) = chain::live_record(&history) {
                chain::wipe(c, namespace, live, opts).await?;
            }
        }
        let description = format!("Rollback to {}", target.revision);
        restore(c, &mut store, &history, target, opts, opts.force_conflicts, description).await
    })
    .await
}
