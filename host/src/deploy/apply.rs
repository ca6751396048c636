//! Applying a set of objects in install order, and deleting them in reverse.

use crate::cluster::{Cluster, ClusterError, ObjectError, ResourceType, WriteOptions};
use crate::manifest::{install_rank, ObjectKey, INSTANCE, MANAGED_BY};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;

/// An object to apply, with the resource that serves its kind.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: ObjectKey,
    pub rt: ResourceType,
    pub body: Value,
}

/// Kinds the cluster does not serve (all of them, so one run names every missing CRD).
#[derive(Debug, thiserror::Error)]
#[error("the cluster does not serve {}; install their CustomResourceDefinitions or APIs first, or drop the plugins that render them", .0.join(", "))]
pub struct Unserved(pub Vec<String>);

/// Resolves every object's apiVersion and kind before anything is applied.
pub async fn discover<C: Cluster>(c: &C, bodies: &[Value]) -> anyhow::Result<Vec<Target>> {
    let mut wanted: BTreeMap<(String, String), Option<ResourceType>> = BTreeMap::new();
    for b in bodies {
        let av = b.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        let kind = b.get("kind").and_then(Value::as_str).unwrap_or_default();
        wanted.insert((av.into(), kind.into()), None);
    }
    // One request per group-version (the cluster caches its answer): ask one kind of every
    // group-version at once, then the rest, which the cache answers.
    let mut first_of_gv: BTreeMap<&str, &str> = BTreeMap::new();
    for (av, kind) in wanted.keys() {
        first_of_gv.entry(av.as_str()).or_insert(kind.as_str());
    }
    futures::future::join_all(first_of_gv.iter().map(|(av, kind)| c.resource(av, kind))).await;
    let mut unserved = Vec::new();
    for ((av, kind), slot) in wanted.iter_mut() {
        match c.resource(av, kind).await {
            Ok(rt) => *slot = Some(rt),
            Err(ClusterError::Unserved { .. }) => {
                // Name the plugins that render the kind (from the annotation the host adds).
                let mut from: Vec<&str> = bodies
                    .iter()
                    .filter(|b| b.get("apiVersion").and_then(Value::as_str) == Some(av.as_str()))
                    .filter(|b| b.get("kind").and_then(Value::as_str) == Some(kind.as_str()))
                    .filter_map(|b| b.pointer("/metadata/annotations/ethwasm.io~1plugin").and_then(Value::as_str))
                    .collect();
                from.sort();
                from.dedup();
                if from.is_empty() {
                    unserved.push(format!("{kind} ({av})"));
                } else {
                    unserved.push(format!("{kind} ({av}, from plugin {})", from.join(", ")));
                }
            }
            Err(e) => return Err(ObjectError::new("discover", format!("{kind} ({av})"), e).into()),
        }
    }
    if !unserved.is_empty() {
        return Err(Unserved(unserved).into());
    }
    Ok(bodies
        .iter()
        .map(|b| {
            let av = b.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
            let kind = b.get("kind").and_then(Value::as_str).unwrap_or_default();
            let rt = wanted[&(av.to_string(), kind.to_string())].clone().expect("resolved above");
            Target { key: key_of(b), rt, body: b.clone() }
        })
        .collect())
}

/// The key of an object body.
pub fn key_of(body: &Value) -> ObjectKey {
    let s = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let av = s("/apiVersion");
    ObjectKey {
        group: av.rsplit_once('/').map(|(g, _)| g.to_string()).unwrap_or_default(),
        kind: s("/kind"),
        namespace: s("/metadata/namespace"),
        name: s("/metadata/name"),
    }
}

/// Splits targets into install stages (one per kind rank), in order.
fn stages(targets: &[Target], reverse: bool) -> Vec<Vec<&Target>> {
    let mut by_rank: BTreeMap<usize, Vec<&Target>> = BTreeMap::new();
    for t in targets {
        by_rank.entry(install_rank(&t.key.kind)).or_default().push(t);
    }
    let mut out: Vec<Vec<&Target>> = by_rank.into_values().collect();
    if reverse {
        out.reverse();
    }
    out
}

/// What an apply did before it stopped.
#[derive(Debug, Default)]
pub struct Applied {
    /// Keys applied, in order.
    pub applied: Vec<ObjectKey>,
    /// The first failure; later stages were not started.
    pub error: Option<anyhow::Error>,
}

/// Applies targets stage by stage (namespaces and CRDs first, workloads last), at most
/// `parallelism` requests at a time inside a stage. `on_applied` hears of each success.
pub async fn apply_all<C: Cluster>(
    c: &C,
    targets: &[Target],
    opts: WriteOptions,
    parallelism: usize,
    mut on_applied: impl FnMut(&ObjectKey),
) -> Applied {
    let mut out = Applied::default();
    for stage in stages(targets, false) {
        let results: Vec<(ObjectKey, Result<Value, ClusterError>)> = stream::iter(stage)
            .map(|t| async move {
                let r = c.apply(&t.rt, &t.key.namespace, &t.key.name, &t.body, opts).await;
                (t.key.clone(), r)
            })
            .buffered(parallelism.max(1))
            .collect()
            .await;
        for (key, r) in results {
            match r {
                Ok(_) => {
                    on_applied(&key);
                    out.applied.push(key);
                }
                Err(e) if out.error.is_none() => out.error = Some(ObjectError::new("apply", &key, e).into()),
                Err(_) => {}
            }
        }
        if out.error.is_some() {
            break;
        }
    }
    out
}

/// Whether a live object was created by ethwasm for this release (prune deletes nothing else).
pub fn owned_by(live: &Value, release: &str) -> bool {
    let label = |k: &str| live.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1"))).and_then(Value::as_str);
    label(MANAGED_BY) == Some("ethwasm") && label(INSTANCE) == Some(release)
}

/// What a deletion pass did.
#[derive(Debug, Default)]
pub struct Deleted {
    pub deleted: Vec<ObjectKey>,
    /// Objects left in place because ethwasm did not create them for this release.
    pub skipped: Vec<ObjectKey>,
}

/// Deletes targets in reverse install order, only those this release owns; gone ones are fine.
pub async fn delete_all<C: Cluster>(
    c: &C,
    targets: &[Target],
    release: &str,
    opts: WriteOptions,
    parallelism: usize,
) -> anyhow::Result<Deleted> {
    let mut out = Deleted::default();
    for stage in stages(targets, true) {
        let results: Vec<anyhow::Result<Option<(ObjectKey, bool)>>> = stream::iter(stage)
            .map(|t| async move {
                let ns = t.rt.scope(&t.key.namespace);
                let live = c.get(&t.rt, ns, &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))?;
                let Some(live) = live else { return Ok(None) };
                if !owned_by(&live, release) {
                    return Ok(Some((t.key.clone(), false)));
                }
                c.delete(&t.rt, ns, &t.key.name, opts).await.map_err(|e| ObjectError::new("delete", &t.key, e))?;
                Ok(Some((t.key.clone(), true)))
            })
            .buffered(parallelism.max(1))
            .collect()
            .await;
        for r in results {
            match r? {
                Some((k, true)) => out.deleted.push(k),
                Some((k, false)) => {
                    tracing::warn!("{k} was not created by ethwasm for release `{release}`: left in place");
                    out.skipped.push(k)
                }
                None => {}
            }
        }
    }
    Ok(out)
}
