//! Uninstall: delete the release's objects in reverse install order, then its records. Kept,
//! and reported: objects ethwasm did not create for this release (another release's, or
//! nobody's), the release's CustomResourceDefinitions unless `--delete-crds` (deleting one
//! deletes every resource of its kinds in the cluster), and the PersistentVolumeClaims its
//! StatefulSets made (chain data; Kubernetes keeps them).

use super::plan::{previous_inventory, targets_for};
use super::record::Store;
use super::rollout::lock_release;
use super::{apply, chain, Event, NotFound, Options, Report};
use crate::cluster::{Cluster, WriteOptions};
use crate::error::Result;
use crate::manifest::ObjectKey;
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
        store.some_intact(&history)?;
        let Some(latest) = history.last() else {
            return Err(NotFound { release: release.into(), namespace: namespace.into() }.into());
        };
        let (inventory, from) = previous_inventory(&history);
        // A definition's deletion deletes every resource of its kinds, other releases' too:
        // kept unless asked for, as Helm keeps the CRDs of a chart's crds/.
        let (crds, inventory): (Vec<ObjectKey>, Vec<ObjectKey>) =
            inventory.into_iter().partition(|k| k.kind == "CustomResourceDefinition" && !opts.delete_crds);
        let targets = targets_for(c, &inventory, &from).await?;
        let sets: Vec<&serde_json::Value> = from
            .iter()
            .flat_map(|r| r.manifests.iter())
            .filter(|m| m.get("kind").and_then(serde_json::Value::as_str) == Some("StatefulSet"))
            .collect();
        let mut record = latest.clone();
        if record.status != Status::Uninstalled {
            record.status = Status::Uninstalling;
            record.description = "Uninstall in progress".into();
            store.save(&record).await?;
        }
        let deleted = apply::delete_all(c, &targets, release, WriteOptions::default(), opts.parallelism).await?;
        let claims = chain::claims_of(c, namespace, &sets).await?;
        for k in &deleted.deleted {
            opts.events.send(Event::Deleted(k));
        }
        if keep_history {
            record.status = Status::Uninstalled;
            record.description = "Uninstalled; history kept".into();
            store.save(&record).await?;
        } else {
            let damaged: Vec<u32> = store.damaged.iter().map(|d| d.revision).collect();
            for rev in history.iter().map(|r| r.revision).chain(damaged) {
                store.delete(rev).await?;
            }
        }
        Ok(Report {
            namespace: namespace.into(),
            release: release.into(),
            revision: record.revision,
            action: "uninstall",
            pruned: deleted.deleted,
            skipped: deleted.skipped,
            kept: crds.into_iter().chain(claims).collect(),
            description: "Uninstalled".into(),
            ..Report::default()
        })
    })
    .await
}
