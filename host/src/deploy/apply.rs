//! Applying a set of objects in install order, and deleting them in reverse.
//!
//! CustomResourceDefinitions are a phase of their own, as Helm's install treats crds/: a
//! release may carry a definition and resources of it. Discovery resolves such a resource
//! from the definition in the release when the cluster does not serve it yet; the apply
//! waits until every definition it applied is Established and refreshes discovery before
//! the next stage.

use crate::cluster::{Cluster, ClusterError, ObjectError, ResourceType, WriteOptions};
use crate::error::{Error, Result};
use crate::manifest::{install_rank, ObjectKey, INSTANCE, MANAGED_BY};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// An object to apply, with the resource that serves its kind.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: ObjectKey,
    pub rt: ResourceType,
    pub body: Value,
    /// Its kind is defined by a CustomResourceDefinition of the same release that the cluster
    /// does not serve yet: it can be applied only after that definition is Established.
    pub pending_definition: bool,
    /// An existing object of someone else's that `--take-ownership` adopts: applied with
    /// `force`, so the release's field manager takes the fields it renders.
    pub adopt: bool,
}

const CRD: &str = "CustomResourceDefinition";

/// The kinds the CustomResourceDefinitions among `bodies` define: (apiVersion, kind) of each
/// served version.
fn defined_kinds(bodies: &[Value]) -> BTreeMap<(String, String), ResourceType> {
    let mut out = BTreeMap::new();
    for b in bodies.iter().filter(|b| b.get("kind").and_then(Value::as_str) == Some(CRD)) {
        let s = |p: &str| b.pointer(p).and_then(Value::as_str).unwrap_or_default();
        let (group, kind, plural) = (s("/spec/group"), s("/spec/names/kind"), s("/spec/names/plural"));
        let namespaced = s("/spec/scope") != "Cluster";
        for v in b.pointer("/spec/versions").and_then(Value::as_array).into_iter().flatten() {
            let served = v.get("served").and_then(Value::as_bool).unwrap_or(true);
            let Some(version) = v.get("name").and_then(Value::as_str).filter(|_| served) else { continue };
            let rt = ResourceType::new(group, version, kind, plural, namespaced);
            out.insert((rt.api_version.clone(), kind.to_string()), rt);
        }
    }
    out
}

/// Kinds the cluster does not serve (all of them, so one run names every missing CRD).
#[derive(Debug, thiserror::Error)]
#[error("the cluster does not serve {}; install their CustomResourceDefinitions or APIs first, or drop the plugins that render them", .0.join(", "))]
pub struct Unserved(pub Vec<String>);

/// Resolves every object's apiVersion and kind before anything is applied.
pub async fn discover<C: Cluster>(c: &C, bodies: &[Value]) -> Result<Vec<Target>> {
    let defined = defined_kinds(bodies);
    let mut wanted: BTreeMap<(String, String), Option<(ResourceType, bool)>> = BTreeMap::new();
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
            Ok(rt) => *slot = Some((rt, false)),
            Err(ClusterError::Unserved { .. }) if defined.contains_key(&(av.clone(), kind.clone())) => {
                *slot = Some((defined[&(av.clone(), kind.clone())].clone(), true));
            }
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
    bodies
        .iter()
        .map(|b| {
            let av = b.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
            let kind = b.get("kind").and_then(Value::as_str).unwrap_or_default();
            match &wanted[&(av.to_string(), kind.to_string())] {
                Some((rt, pending)) => Ok(Target {
                    key: key_of(b),
                    rt: rt.clone(),
                    body: b.clone(),
                    pending_definition: *pending,
                    adopt: false,
                }),
                None => Err(Error::internal(format!("{kind} ({av}) was not resolved"))),
            }
        })
        .collect()
}

/// The key of an object body.
pub(crate) fn key_of(body: &Value) -> ObjectKey {
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
    pub error: Option<Error>,
}

/// Whether a live CustomResourceDefinition is Established (its kinds are served).
fn established(live: &Value) -> bool {
    live.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("Established")
            && c.get("status").and_then(Value::as_str) == Some("True")
    })
}

/// Waits until the CustomResourceDefinitions among `applied` are Established, then drops the
/// cached discovery answers for the group-versions they define.
async fn establish<C: Cluster>(c: &C, targets: &[&Target], timeout: Duration) -> Result<()> {
    let start = Instant::now();
    for t in targets.iter().filter(|t| t.key.kind == CRD) {
        loop {
            let live = c.get(&t.rt, "", &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))?;
            if live.as_ref().is_some_and(established) {
                break;
            }
            if start.elapsed() >= timeout {
                return Err(Error::cluster(format!(
                    "{} is not Established after {}s; its custom resources cannot be applied (kubectl describe crd {})",
                    t.key,
                    timeout.as_secs(),
                    t.key.name
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for rt in defined_kinds(std::slice::from_ref(&t.body)).values() {
            c.forget(&rt.api_version);
        }
    }
    Ok(())
}

/// Applies targets stage by stage (namespaces and CRDs first, workloads last), at most
/// `parallelism` requests at a time inside a stage. `on_applied` hears of each success. After
/// a stage of CustomResourceDefinitions (not in a dry run), waits up to `timeout` until they
/// are Established.
pub(crate) async fn apply_all<C: Cluster>(
    c: &C,
    targets: &[Target],
    opts: WriteOptions,
    parallelism: usize,
    timeout: Duration,
    mut on_applied: impl FnMut(&ObjectKey),
) -> Applied {
    let mut out = Applied::default();
    for stage in stages(targets, false) {
        let results: Vec<(ObjectKey, Result<Value, ClusterError>)> = stream::iter(stage.iter().copied())
            .map(|t| async move {
                let opts = WriteOptions { force: opts.force || t.adopt, ..opts };
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
        if !opts.dry_run && stage.iter().any(|t| t.key.kind == CRD) {
            if let Err(e) = establish(c, &stage, timeout).await {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

/// Whether a live object was created by ethwasm for this release (prune deletes nothing else).
pub(crate) fn owned_by(live: &Value, release: &str) -> bool {
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
pub(crate) async fn delete_all<C: Cluster>(
    c: &C,
    targets: &[Target],
    release: &str,
    opts: WriteOptions,
    parallelism: usize,
) -> Result<Deleted> {
    let mut out = Deleted::default();
    for stage in stages(targets, true) {
        let results: Vec<Result<Option<(ObjectKey, bool)>>> = stream::iter(stage)
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

crate::error::classify!(Unserved => Cluster);
