//! Stopping workloads before a change, for plugins that must never run two generations at once.
//!
//! A workload annotated `ethwasm.io/stop-before-change: <group>` (the Ethereum chart's validator
//! clients) is stopped before anything of a new revision is applied, when the revision changes
//! or drops it: scaled to zero (or deleted, when dropped), and its pods awaited gone. A
//! StatefulSet already never runs two pods of one identity; this extends that across workloads,
//! so a validator key that moves from one client to another is never live in both.

use super::apply::{key_of, Target};
use super::{Event, Options};
use crate::cluster::{Cluster, ObjectError, WriteOptions};
use crate::error::{Error, Result};
use crate::manifest::{annotation, ObjectKey};
use crate::release::Record;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The annotation that asks for stop-before-change.
pub const STOP_BEFORE_CHANGE_ANNOTATION: &str = "ethwasm.io/stop-before-change";

/// A digest of what a stop-before-change workload holds that must never run twice (the
/// Ethereum chart's validator clients: their validator keys). While every changed member of a
/// group keeps its `holds`, nothing moves between them, and each may stop in its own wave
/// ([`super::waves`]); when one changes or is missing, or a member comes or goes, the group
/// moves what it holds, and every changed member stops before any is applied.
pub const HOLDS_ANNOTATION: &str = "ethwasm.io/holds";

/// The stop-before-change group a workload belongs to, if any.
pub(crate) fn group_of(body: &Value) -> Option<&str> {
    annotation(body, STOP_BEFORE_CHANGE_ANNOTATION)
}

/// The stop-before-change groups whose members move what they hold from `previous` to
/// `targets`.
pub(crate) fn moving_groups(previous: Option<&Record>, targets: &[Target]) -> BTreeSet<String> {
    let Some(previous) = previous else { return BTreeSet::new() };
    let group = |b: &Value| group_of(b).map(str::to_string);
    let mut moving = BTreeSet::new();
    for old in &previous.manifests {
        let Some(g) = group(old) else { continue };
        let key = key_of(old);
        match targets.iter().find(|t| t.key == key) {
            None => {
                moving.insert(g);
            }
            Some(t) if t.body != *old => {
                let holds = annotation(old, HOLDS_ANNOTATION);
                if holds.is_none()
                    || holds != annotation(&t.body, HOLDS_ANNOTATION)
                    || group(&t.body) != Some(g.clone())
                {
                    moving.insert(g);
                }
            }
            Some(_) => {}
        }
    }
    for t in targets {
        let Some(g) = group(&t.body) else { continue };
        if !previous.manifests.iter().any(|m| key_of(m) == t.key) {
            moving.insert(g);
        }
    }
    moving
}

/// The label selector of a workload's pods.
pub(crate) fn pod_selector(workload: &Value) -> Option<String> {
    let labels = workload.pointer("/spec/selector/matchLabels")?.as_object()?;
    let sel: Vec<String> = labels.iter().filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?))).collect();
    (!sel.is_empty()).then(|| sel.join(","))
}

/// Waits (up to `timeout`) until no pod matches any of `selectors`; `why` names the wait.
pub(crate) async fn wait_pods_gone<C: Cluster>(
    c: &C,
    namespace: &str,
    selectors: &[String],
    opts: &Options,
    why: &str,
) -> Result<()> {
    let start = Instant::now();
    let pod_rt = crate::cluster::builtin::pod();
    for sel in selectors {
        loop {
            let pods = c
                .list(&pod_rt, Some(namespace), sel)
                .await
                .map_err(|e| ObjectError::new("list", format!("Pods {sel} in {namespace}"), e))?;
            if pods.is_empty() {
                break;
            }
            if start.elapsed() >= opts.timeout {
                return Err(Error::cluster(format!(
                    "{why}: {} pods ({sel}) still exist after {}s; see `kubectl -n {namespace} get pods -l {sel}`",
                    pods.len(),
                    opts.timeout.as_secs()
                )));
            }
            tokio::time::sleep(opts.poll_interval.min(Duration::from_millis(500))).await;
        }
    }
    Ok(())
}

/// Stops the workloads of `previous` that ask for it, that `targets` change or drop, and that
/// `only` picks (by key and the old body), and waits until their pods are gone.
pub(crate) async fn stop_changed<C: Cluster>(
    c: &C,
    previous: Option<&Record>,
    targets: &[Target],
    opts: &Options,
    only: impl Fn(&ObjectKey, &Value) -> bool,
) -> Result<()> {
    let Some(previous) = previous else { return Ok(()) };
    let namespace = previous.namespace.as_str();
    let mut selectors = Vec::new();
    for old in previous.manifests.iter().filter(|m| group_of(m).is_some()) {
        let key = key_of(old);
        let next = targets.iter().find(|t| t.key == key);
        if next.is_some_and(|t| t.body == *old) || !only(&key, old) {
            continue;
        }
        let av = old.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        let rt = c.resource(av, &key.kind).await.map_err(|e| ObjectError::new("discover", &key, e))?;
        let ns = rt.scope(&key.namespace).to_string();
        if c.get(&rt, &ns, &key.name).await.map_err(|e| ObjectError::new("read", &key, e))?.is_none() {
            continue;
        }
        match next {
            Some(_) if old.pointer("/spec/replicas").is_some() => {
                let mut stopped = old.clone();
                stopped["spec"]["replicas"] = 0.into();
                c.apply(&rt, &ns, &key.name, &stopped, WriteOptions { force: true, dry_run: false })
                    .await
                    .map_err(|e| ObjectError::new("scale to zero", &key, e))?;
            }
            _ => {
                c.delete(&rt, &ns, &key.name, WriteOptions::default())
                    .await
                    .map_err(|e| ObjectError::new("delete", &key, e))?;
            }
        }
        opts.events.send(Event::Stopped(&key));
        selectors.extend(pod_selector(old));
    }
    wait_pods_gone(c, namespace, &selectors, opts, "stopping workloads before the change").await
}
