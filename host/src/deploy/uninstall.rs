//! Uninstall: delete the release's objects in reverse install order, then its records.

use super::plan::{previous_inventory, targets_for};
use super::record::Store;
use super::rollout::lock_release;
use super::{apply, Event, NotFound, Options, Report};
use crate::cluster::{Cluster, WriteOptions};
use crate::error::Result;
use crate::release::Status;

/// Deletes the release's objects in reverse install order, then its records (or, with
/// `keep_history`, marks the latest one uninstalled).
pub async fn uninstall<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    keep_history: bool,
    opts: &Options,
) -> Result<Report> {
    let lock = lock_release(c, namespace, release, opts, false).await?;
    lock.hold(c, async {
        let mut store = Store::new(c, namespace, release);
        let history = store.load().await?;
        let Some(latest) = history.last() else {
            return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
        };
        let (inventory, from) = previous_inventory(&history);
        let targets = targets_for(c, &inventory, &from).await?;
        let mut record = latest.clone();
        if record.status != Status::Uninstalled {
            record.status = Status::Uninstalling;
            record.description = "Uninstall in progress".into();
            store.save(&record).await?;
        }
        let deleted = apply::delete_all(c, &targets, release, WriteOptions::default(), opts.parallelism).await?;
        for k in &deleted.deleted {
            opts.events.send(Event::Deleted(k));
        }
        if keep_history {
            record.status = Status::Uninstalled;
            record.description = "Uninstalled; history kept".into();
            store.save(&record).await?;
        } else {
            for r in &history {
                store.delete(r.revision).await?;
            }
        }
        Ok(Report {
            namespace: namespace.into(),
            release: release.into(),
            revision: record.revision,
            action: "uninstall",
            pruned: deleted.deleted,
            skipped: deleted.skipped,
            description: "Uninstalled".into(),
            ..Report::default()
        })
    })
    .await
}
