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

/// What a stop-before-change workload holds, item by item: comma-separated items, each a name or
/// an inclusive range of integers `a-b` (the Ethereum chart's validator clients: their validator
/// indices, `0-15,64,68`). Where every member of a group carries it in both revisions, the group
/// moves what it holds only when an item one member held is now another member's; members that
/// gain new items or lose items to no one (validators that join, or retire) move nothing, and
/// each changed member stops in its own wave. Otherwise [`HOLDS_ANNOTATION`] decides.
pub const HOLDS_SET_ANNOTATION: &str = "ethwasm.io/holds-set";

/// One item of a [`HOLDS_SET_ANNOTATION`]: a range of integers, or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    Range(u64, u64),
    Name(String),
}

impl Held {
    fn overlaps(&self, other: &Held) -> bool {
        match (self, other) {
            (Held::Range(a, b), Held::Range(c, d)) => a <= d && c <= b,
            (Held::Name(a), Held::Name(b)) => a == b,
            _ => false,
        }
    }
}

/// The items `body` declares it holds, if it declares them.
fn held_set(body: &Value) -> Option<Vec<Held>> {
    let text = annotation(body, HOLDS_SET_ANNOTATION)?;
    let item = |t: &str| {
        let range = t.split_once('-').and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
        match (range, t.parse::<u64>()) {
            (Some((a, b)), _) if a <= b => Held::Range(a, b),
            (_, Ok(n)) => Held::Range(n, n),
            _ => Held::Name(t.to_string()),
        }
    };
    Some(text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(item).collect())
}

/// The stop-before-change groups whose members move what they hold from `previous` to
/// `targets`.
pub(crate) fn moving_groups(previous: Option<&Record>, targets: &[Target]) -> BTreeSet<String> {
    let Some(previous) = previous else { return BTreeSet::new() };
    let groups: BTreeSet<&str> = previous
        .manifests
        .iter()
        .filter_map(group_of)
        .chain(targets.iter().filter_map(|t| group_of(&t.body)))
        .collect();
    groups
        .into_iter()
        .filter(|g| {
            let old: Vec<(ObjectKey, &Value)> =
                previous.manifests.iter().filter(|m| group_of(m) == Some(*g)).map(|m| (key_of(m), m)).collect();
            let new: Vec<(ObjectKey, &Value)> =
                targets.iter().filter(|t| group_of(&t.body) == Some(*g)).map(|t| (t.key.clone(), &t.body)).collect();
            match (sets_of(&old), sets_of(&new)) {
                (Some(before), Some(after)) => items_move(&before, &after),
                _ => digests_move(&old, &new),
            }
        })
        .map(str::to_string)
        .collect()
}

/// Every member's held items, when every member declares them.
fn sets_of(members: &[(ObjectKey, &Value)]) -> Option<Vec<(ObjectKey, Vec<Held>)>> {
    members.iter().map(|(k, body)| Some((k.clone(), held_set(body)?))).collect()
}

/// Whether an item one member held before is another member's now.
fn items_move(before: &[(ObjectKey, Vec<Held>)], after: &[(ObjectKey, Vec<Held>)]) -> bool {
    before
        .iter()
        .any(|(a, was)| after.iter().any(|(b, is)| a != b && was.iter().any(|x| is.iter().any(|y| x.overlaps(y)))))
}

/// The [`HOLDS_ANNOTATION`] rule: a group moves when a member comes or goes, or a changed
/// member's digest differs or is missing.
fn digests_move(old: &[(ObjectKey, &Value)], new: &[(ObjectKey, &Value)]) -> bool {
    let gone_or_changed = old.iter().any(|(key, body)| match new.iter().find(|(k, _)| k == key) {
        None => true,
        Some((_, next)) => {
            *next != *body && {
                let holds = annotation(body, HOLDS_ANNOTATION);
                holds.is_none() || holds != annotation(next, HOLDS_ANNOTATION)
            }
        }
    });
    gone_or_changed || new.iter().any(|(key, _)| !old.iter().any(|(k, _)| k == key))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ResourceType;
    use serde_json::json;

    /// A validator client: group `keys`, holding `set` (and a digest of it), running `image`.
    fn client(name: &str, set: Option<&str>, image: &str) -> Value {
        let mut annotations =
            json!({ STOP_BEFORE_CHANGE_ANNOTATION: "keys", HOLDS_ANNOTATION: format!("d{}", set.unwrap_or("")) });
        if let Some(set) = set {
            annotations[HOLDS_SET_ANNOTATION] = json!(set);
        }
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "eth", "annotations": annotations},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": image}]}}}
        })
    }

    fn moving(before: Vec<Value>, after: Vec<Value>) -> bool {
        let targets: Vec<Target> = after
            .into_iter()
            .map(|body| Target {
                key: key_of(&body),
                rt: ResourceType::new("apps", "v1", "StatefulSet", "statefulsets", true),
                body,
                pending_definition: false,
                adopt: false,
            })
            .collect();
        moving_groups(Some(&Record::deployed_with(before)), &targets).contains("keys")
    }

    #[test]
    fn validators_that_join_or_leave_move_nothing_but_a_key_between_clients_does() {
        let two = |a: &str, b: &str| vec![client("vc-0", Some(a), "x"), client("vc-1", Some(b), "x")];
        // New indices join both clients: nothing moves, each client rolls in its own wave.
        assert!(!moving(two("0-7", "8-15"), two("0-7,16,18", "8-15,17")));
        // An index leaves one client for no other: nothing moves.
        assert!(!moving(two("0-7,16", "8-15"), two("0-7", "8-15")));
        // An image bump with the same sets: nothing moves.
        assert!(!moving(two("0-7", "8-15"), vec![client("vc-0", Some("0-7"), "y"), client("vc-1", Some("8-15"), "y")]));
        // Index 7 goes from vc-0 to vc-1: the group moves.
        assert!(moving(two("0-7", "8-15"), two("0-6", "7-15")));
        // A third client takes indices the others held: moves; one that takes new ones: not.
        let mut three = two("0-7", "8-15");
        three.push(client("vc-2", Some("12-15"), "x"));
        assert!(moving(two("0-7", "8-15"), three));
        let mut three = two("0-7", "8-15");
        three.push(client("vc-2", Some("16-19"), "x"));
        assert!(!moving(two("0-7", "8-15"), three));
        // A revision without sets (made before them) falls back to the digests: a changed one moves.
        let old = vec![client("vc-0", None, "x"), client("vc-1", None, "x")];
        assert!(moving(old, two("0-7,16", "8-15")));
        // Names as items.
        assert!(moving(two("alice", "bob"), two("bob", "alice")));
        assert!(!moving(two("alice", "bob"), two("alice,carol", "bob")));
    }
}
