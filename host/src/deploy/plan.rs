//! What an action decides before it writes: the seed and revision number, the rendered
//! revision, every object's resource, and what the previous revision had that this one drops.

use super::apply::{self, Target};
use super::record::Store;
use super::revision::{ReleaseFacts, Revision};
use crate::cluster::{Cluster, ClusterError, ObjectError};
use crate::error::{Error, Result};
use crate::manifest::ObjectKey;
use crate::plugin::Seed;
use crate::release::{to_prune, Record, Status};
use serde_json::Value;

/// How the seed is chosen.
#[derive(Debug, Clone, Default)]
pub struct SeedChoice {
    /// `--seed`, hex.
    pub given: Option<String>,
    /// `--rotate-keys`: on upgrade, use `given` or a fresh seed instead of the recorded one.
    pub rotate: bool,
    /// `--created`: the creation time a first install records [default: now]. An upgrade
    /// keeps the recorded one.
    pub created: Option<u64>,
    /// `--new-chain`: the chart's `keep` values start again from this revision's values.
    pub new_chain: bool,
}

/// The recorded seed on upgrade (a different --seed is an error unless rotating), else --seed
/// or a fresh one.
pub(crate) fn choose_seed(release: &str, history: &[Record], choice: SeedChoice) -> Result<String> {
    let given = match &choice.given {
        Some(h) => Some(Seed::from_hex(h).map_err(|e| Error::usage(format!("--seed: {e}")))?.to_hex()),
        None => None,
    };
    let recorded = history.last().map(|r| r.seed.clone());
    match (recorded, given) {
        (Some(rec), Some(given)) if rec != given && !choice.rotate => Err(Error::usage(format!(
            "--seed differs from the seed release `{release}` was installed with; upgrades reuse the recorded seed \
             so keys do not rotate. Drop --seed, or add --rotate-keys to replace every derived key"
        ))),
        (Some(_), Some(given)) => Ok(given),
        (Some(rec), None) if !choice.rotate => Ok(rec),
        (_, Some(given)) => Ok(given),
        (_, None) => {
            Ok(Seed::random().map_err(|e| Error::internal(format!("cannot read OS randomness: {e}")))?.to_hex())
        }
    }
}

/// The keys of `targets`, in order.
/// A kind the render took for namespaced (it does not know every kind) that this cluster serves
/// cluster-scoped would be applied cluster-wide: the plugin that made it needs `cluster-scoped`.
/// Objects without the plugin annotation were not rendered by a plugin and are not checked.
fn cluster_scoped_granted(targets: &[Target], grants: &crate::permit::Grants) -> Result<()> {
    use crate::permit::{holds, Grant, NotGranted};
    for t in targets.iter().filter(|t| !t.rt.namespaced && !t.key.namespace.is_empty()) {
        let Some(plugin) = crate::manifest::plugin_of(&t.body) else { continue };
        if !holds(grants, plugin, Grant::ClusterScoped) {
            return Err(NotGranted {
                plugin: plugin.into(),
                object: format!("{} {}", t.key.kind, t.key.name),
                why: format!("this cluster serves {} cluster-scoped", t.key.kind),
                grant: Grant::ClusterScoped,
            }
            .into());
        }
    }
    Ok(())
}

pub(crate) fn keys(targets: &[Target]) -> Vec<ObjectKey> {
    targets.iter().map(|t| t.key.clone()).collect()
}

/// The inventory prune compares against: the deployed revision's and, when a later revision
/// failed or was interrupted, that one's too (it may have applied objects).
pub(crate) fn previous_inventory(history: &[Record]) -> (Vec<ObjectKey>, Vec<&Record>) {
    let mut keys: Vec<ObjectKey> = Vec::new();
    let mut from: Vec<&Record> = Vec::new();
    let deployed = history.iter().rev().find(|r| r.status == Status::Deployed);
    let latest = history.last();
    for r in [deployed, latest].into_iter().flatten() {
        if from.iter().any(|f| f.revision == r.revision) || r.status == Status::Uninstalled {
            continue;
        }
        from.push(r);
        for k in &r.inventory {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    (keys, from)
}

/// Targets for keys a record holds (for prune and uninstall), found among its manifests.
/// Kinds the cluster no longer serves cannot have live objects: they are skipped.
pub(crate) async fn targets_for<C: Cluster>(c: &C, keys: &[ObjectKey], records: &[&Record]) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for key in keys {
        let body = records.iter().flat_map(|r| r.manifests.iter()).find(|m| apply::key_of(m) == *key).cloned();
        let Some(body) = body else {
            tracing::warn!("{key}: no manifest recorded; cannot find its API version, left in place");
            continue;
        };
        let av = body.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_string();
        match c.resource(&av, &key.kind).await {
            Ok(rt) => out.push(Target { key: key.clone(), rt, body, pending_definition: false, adopt: false }),
            Err(ClusterError::Unserved { .. }) => tracing::debug!("{key}: {av} no longer served"),
            Err(e) => return Err(ObjectError::new("discover", key, e).into()),
        }
    }
    Ok(out)
}

/// The objects of `history`'s latest revisions that `targets` drop.
pub(crate) async fn prune_targets<C: Cluster>(c: &C, history: &[Record], targets: &[Target]) -> Result<Vec<Target>> {
    let (prev_keys, prev_records) = previous_inventory(history);
    let gone = to_prune(&prev_keys, &keys(targets));
    targets_for(c, &gone, &prev_records).await
}

/// Everything a deploy or diff decides before touching the cluster.
#[derive(Debug)]
pub struct Plan<'c, C> {
    /// The release's records, as read by `plan`.
    pub store: Store<'c, C>,
    pub history: Vec<Record>,
    pub seed_hex: String,
    pub revision: u32,
    /// When the release was first installed (recorded), or now for a first install.
    pub created: u64,
    /// Whether a deployed revision exists.
    pub upgrade: bool,
    pub rendered: Revision,
    pub targets: Vec<Target>,
    /// Objects of the previous revision that this one drops.
    pub prune: Vec<Target>,
}

impl<C> Plan<'_, C> {
    /// "install" or "upgrade".
    pub fn action(&self) -> &'static str {
        if self.upgrade {
            "upgrade"
        } else {
            "install"
        }
    }
}

/// Reads the release's records, chooses the seed, revision and creation time, renders with
/// `render(facts)` on a blocking thread (while discovery fetches the group-versions the
/// previous revision used, or the built-in ones for an install), resolves every kind (a kind a
/// CustomResourceDefinition of this revision defines resolves from it) and works out what to
/// prune. Nothing is written.
pub async fn plan<'c, C: Cluster>(
    c: &'c C,
    namespace: &str,
    release: &str,
    seed: SeedChoice,
    render: impl FnOnce(&ReleaseFacts) -> Result<Revision> + Send + 'static,
) -> Result<Plan<'c, C>> {
    let keep = !seed.new_chain;
    let mut store = Store::new(c, namespace, release);
    let history = store.load().await?;
    // Every record damaged: only the operator knows the chain's seed and creation time.
    let restoring = history.is_empty() && !store.damaged.is_empty();
    if restoring && (seed.given.is_none() || seed.created.is_none()) {
        store.some_intact(&history)?;
    }
    let created = history.last().map(|r| r.first_deployed).or(seed.created).unwrap_or_else(super::now);
    let seed_hex = choose_seed(release, &history, seed)?;
    let revision = store.newest_revision(&history) + 1;
    if let Some(d) = store.damaged.iter().max_by_key(|d| d.revision) {
        tracing::warn!(
            "objects only damaged revision {} applied are not known to this deploy and are not pruned; find them \
             with `kubectl get all,configmaps,secrets -n {namespace} -l app.kubernetes.io/instance={release}`",
            d.revision
        );
    }
    // A damaged revision, or a superseded one with no deployed one left (the deployed one was
    // damaged), means the release ran: an upgrade.
    let ran = |s: Status| matches!(s, Status::Deployed | Status::Superseded);
    let uninstalled = history.last().is_some_and(|r| r.status == Status::Uninstalled);
    let upgrade = !uninstalled && (history.iter().any(|r| ran(r.status)) || !store.damaged.is_empty());
    let previous = super::chain::live_record(&history).filter(|r| r.status != Status::Uninstalled).map(|r| {
        super::revision::PreviousValues {
            revision: r.revision,
            values: r.values.clone(),
            chart_values: r.chart_values.clone(),
        }
    });
    let facts = ReleaseFacts { seed_hex: seed_hex.clone(), revision, created, previous, keep };
    let rendering = tokio::task::spawn_blocking(move || render(&facts));
    // Meanwhile: one kind of each group-version the last revision applied (an upgrade usually
    // needs the same ones), or, for an install, of the built-in ones charts mostly use; answers
    // land in the cluster's discovery cache.
    let mut known: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    if history.is_empty() {
        known.extend([("v1", "ConfigMap"), ("apps/v1", "StatefulSet"), ("policy/v1", "PodDisruptionBudget")]);
    }
    for m in history.last().map(|r| r.manifests.as_slice()).unwrap_or_default() {
        if let (Some(av), Some(kind)) =
            (m.get("apiVersion").and_then(Value::as_str), m.get("kind").and_then(Value::as_str))
        {
            known.entry(av).or_insert(kind);
        }
    }
    let prefetch = futures::future::join_all(known.iter().map(|(av, kind)| c.resource(av, kind)));
    let (rendered, _) = futures::join!(rendering, prefetch);
    let rendered = rendered.map_err(|e| Error::internal(format!("the render thread failed: {e}")))??;
    if restoring {
        super::chain::matches_running(c, namespace, release, &rendered.objects).await?;
    }
    let targets = apply::discover(c, &rendered.objects).await?;
    cluster_scoped_granted(&targets, &rendered.grants)?;
    super::hosts::check(c, &rendered, namespace, release).await?;
    let prune = prune_targets(c, &history, &targets).await?;
    Ok(Plan { store, history, seed_hex, revision, created, upgrade, rendered, targets, prune })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ResourceType;
    use crate::permit::Grant;
    use serde_json::json;

    fn target(namespaced: bool, annotation: Option<&str>) -> Target {
        let mut body =
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "eth"}});
        if let Some(a) = annotation {
            body["metadata"]["annotations"] = json!({"ethwasm.io/plugin": a});
        }
        Target {
            key: ObjectKey {
                group: "example.com".into(),
                kind: "Widget".into(),
                namespace: "eth".into(),
                name: "w".into(),
            },
            rt: ResourceType::new("example.com", "v1", "Widget", "widgets", namespaced),
            body,
            pending_definition: false,
            adopt: false,
        }
    }

    #[test]
    fn a_kind_the_cluster_serves_cluster_scoped_needs_the_grant() {
        let none = crate::permit::Grants::new();
        assert!(cluster_scoped_granted(&[target(true, Some("p@1"))], &none).is_ok(), "namespaced: as rendered");
        let e = cluster_scoped_granted(&[target(false, Some("p@1"))], &none).unwrap_err().to_string();
        assert!(e.contains("plugin `p` may not create Widget w: this cluster serves Widget cluster-scoped"), "{e}");
        assert!(e.contains("--allow p:cluster-scoped"), "{e}");
        let granted: crate::permit::Grants = [("p".to_string(), [Grant::ClusterScoped].into())].into();
        assert!(cluster_scoped_granted(&[target(false, Some("p@1"))], &granted).is_ok());
        assert!(cluster_scoped_granted(&[target(false, None)], &none).is_ok(), "not a plugin's object");
    }
}
