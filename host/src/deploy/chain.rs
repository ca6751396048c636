//! A chain's identity across revisions. Objects annotated `ethwasm.io/genesis-hash` (on
//! themselves or on their pod template) run a chain from that genesis; their data volumes hold
//! it. Where both revisions also carry `ethwasm.io/genesis-id` (what decides the genesis, which
//! a fork scheduled for later does not change), that is what is compared. An upgrade or rollback that changes the genesis (genesis time, fork, validator set,
//! alloc, chain id) would leave every node on chain data of another genesis, so it is refused
//! unless the caller asks for a new chain, which first deletes the previous revision's
//! StatefulSets (waiting for their pods to go) and their PersistentVolumeClaims.

use super::apply::key_of;
use super::stop::{pod_selector, wait_pods_gone};
use super::{Event, Options};
use crate::cluster::{builtin, Cluster, ObjectError, WriteOptions};
use crate::error::Result;
use crate::manifest::ObjectKey;
use crate::release::{Record, Status};
use serde_json::Value;
use std::collections::BTreeSet;

/// The annotation that names an object's genesis by its files' digest.
pub const GENESIS_ANNOTATION: &str = "ethwasm.io/genesis-hash";

/// The annotation that names an object's genesis by what decides it (the Ethereum chart: the
/// genesis BeaconState's root). A future fork scheduled in the genesis files changes the
/// files' digest but not this: when both revisions carry it, it is what a chain is judged by.
pub const GENESIS_ID_ANNOTATION: &str = "ethwasm.io/genesis-id";

/// The values of `annotation` on `objects` (on themselves or on their pod template).
fn annotated(objects: &[Value], annotation: &str) -> BTreeSet<String> {
    let key = annotation.replace('/', "~1");
    objects
        .iter()
        .flat_map(|o| {
            [format!("/metadata/annotations/{key}"), format!("/spec/template/metadata/annotations/{key}")]
                .into_iter()
                .filter_map(|p| o.pointer(&p).and_then(Value::as_str).map(str::to_string))
        })
        .collect()
}

/// The genesis hashes `objects` run from (the objects that run a chain carry them).
pub(crate) fn genesis_of(objects: &[Value]) -> BTreeSet<String> {
    annotated(objects, GENESIS_ANNOTATION)
}

/// What to compare two sets of objects' chains by: their genesis ids when both carry them,
/// else their genesis hashes (a revision made before genesis ids has only those).
fn identities(before: &[Value], after: &[Value]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (a, b) = (annotated(before, GENESIS_ID_ANNOTATION), annotated(after, GENESIS_ID_ANNOTATION));
    if !a.is_empty() && !b.is_empty() {
        return (a, b);
    }
    (genesis_of(before), genesis_of(after))
}

/// The revision whose chain data the cluster holds: the deployed one, else the latest that
/// applied anything.
pub fn live_record(history: &[Record]) -> Option<&Record> {
    history.iter().rev().find(|r| r.status == Status::Deployed).or_else(|| history.last())
}

/// A change of genesis a deploy or rollback would make.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} changes the chain's genesis ({from} -> {to}): an upgrade keeps a chain's genesis time, fork, \
     validator set, alloc and chain id, since every node's data belongs to its genesis. Revert the values \
     that changed it, or pass --new-chain to start a new chain: that deletes the release's chain data (the \
     PersistentVolumeClaims of its StatefulSets) and every node starts again from the new genesis"
)]
pub struct GenesisChange {
    pub what: String,
    pub from: String,
    pub to: String,
}

crate::error::classify!(GenesisChange => Usage);

/// The change from the live revision's genesis to `objects`', if any.
pub(crate) fn change(history: &[Record], objects: &[Value], what: String) -> Option<GenesisChange> {
    let (before, after) = identities(&live_record(history)?.manifests, objects);
    differ(&before, &after, what)
}

fn differ(before: &BTreeSet<String>, after: &BTreeSet<String>, what: String) -> Option<GenesisChange> {
    let short = |s: &BTreeSet<String>| s.iter().map(|h| h.chars().take(12).collect::<String>()).collect::<Vec<_>>();
    (!before.is_empty() && !after.is_empty() && before != after).then(|| GenesisChange {
        what,
        from: short(before).join(","),
        to: short(after).join(","),
    })
}

/// With no intact record to compare against, the genesis the release's StatefulSets run in the
/// cluster must be the one `objects` render: a `--seed` or `--created` that is not the chain's
/// would otherwise start every node on another chain over the old one's data.
pub(crate) async fn matches_running<C: Cluster>(
    c: &C,
    namespace: &str,
    release: &str,
    objects: &[Value],
) -> Result<()> {
    let what = format!("the StatefulSets of release `{release}` in {namespace}");
    let live = c
        .list(&builtin::stateful_set(), Some(namespace), &format!("app.kubernetes.io/instance={release}"))
        .await
        .map_err(|e| ObjectError::new("list", what, e))?;
    let (running, rendered) = identities(&live, objects);
    match differ(&running, &rendered, String::new()) {
        None => Ok(()),
        Some(change) => Err(crate::error::Error::usage(format!(
            "release `{release}` has no intact record, and this render's genesis ({}) is not the one its \
             StatefulSets run ({}): the --seed or --created given is not the chain's. Give the chain's own, or \
             see \"A damaged release record\" in docs/troubleshooting.md",
            change.to, change.from
        ))),
    }
}

/// Deletes the StatefulSets of `previous` that run its chain and their PersistentVolumeClaims,
/// waiting (up to `opts.timeout`) until their pods are gone, so the next apply starts every
/// node on empty volumes.
pub(crate) async fn wipe<C: Cluster>(c: &C, namespace: &str, previous: &Record, opts: &Options) -> Result<()> {
    let sts_rt = builtin::stateful_set();
    let chained: Vec<&Value> = previous
        .manifests
        .iter()
        .filter(|m| m.get("kind").and_then(Value::as_str) == Some("StatefulSet"))
        .filter(|m| !genesis_of(std::slice::from_ref(*m)).is_empty())
        .collect();
    let mut selectors: Vec<String> = Vec::new();
    for sts in &chained {
        let key = key_of(sts);
        if c.delete(&sts_rt, namespace, &key.name, WriteOptions::default())
            .await
            .map_err(|e| ObjectError::new("delete", &key, e))?
        {
            opts.events.send(Event::Deleted(&key));
        }
        selectors.extend(pod_selector(sts));
    }
    let why = "--new-chain: the old chain's nodes must stop before its data is deleted";
    wait_pods_gone(c, namespace, &selectors, opts, why).await?;
    let pvc_rt = builtin::persistent_volume_claim();
    for key in claims_of(c, namespace, &chained).await? {
        if c.delete(&pvc_rt, namespace, &key.name, WriteOptions::default())
            .await
            .map_err(|e| ObjectError::new("delete", &key, e))?
        {
            opts.events.send(Event::Deleted(&key));
        }
    }
    Ok(())
}

/// The PersistentVolumeClaims the StatefulSets `sets` made from their claim templates
/// (`<template>-<statefulset>-<ordinal>`) that exist in `namespace`. They are not part of any
/// revision: Kubernetes keeps them when a StatefulSet goes.
pub(crate) async fn claims_of<C: Cluster>(c: &C, namespace: &str, sets: &[&Value]) -> Result<Vec<ObjectKey>> {
    let mut prefixes: Vec<String> = Vec::new();
    for sts in sets {
        let name = key_of(sts).name;
        for t in sts.pointer("/spec/volumeClaimTemplates").and_then(Value::as_array).into_iter().flatten() {
            if let Some(template) = t.pointer("/metadata/name").and_then(Value::as_str) {
                prefixes.push(format!("{template}-{name}-"));
            }
        }
    }
    if prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let all = c
        .list(&builtin::persistent_volume_claim(), Some(namespace), "")
        .await
        .map_err(|e| ObjectError::new("list", format!("PersistentVolumeClaims in {namespace}"), e))?;
    let made = |name: &str| {
        prefixes.iter().any(|p| {
            name.strip_prefix(p.as_str()).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let mut out: Vec<ObjectKey> = all.iter().map(key_of).filter(|k| made(&k.name)).collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(status: Status, manifests: Vec<Value>) -> Record {
        Record { namespace: "ns".into(), seed: "00".into(), status, ..Record::deployed_with(manifests) }
    }

    fn sts(hash: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "n"},
               "spec": {"template": {"metadata": {"annotations": {GENESIS_ANNOTATION: hash}}}}})
    }

    #[test]
    fn a_changed_genesis_is_found_on_pod_templates_and_objects() {
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "g", "annotations": {GENESIS_ANNOTATION: "b"}}});
        assert_eq!(genesis_of(&[sts("a"), cm.clone()]), BTreeSet::from(["a".to_string(), "b".to_string()]));
        let history = [record(Status::Deployed, vec![sts("aaaa")]), record(Status::Failed, vec![sts("cccc")])];
        // The deployed revision's chain counts, not a failed later one's.
        assert!(change(&history, &[sts("aaaa")], "revision 3".into()).is_none());
        let e = change(&history, &[sts("bbbb")], "revision 3".into()).unwrap();
        assert!(e.to_string().starts_with("revision 3 changes the chain's genesis (aaaa -> bbbb)"), "{e}");
        assert!(e.to_string().contains("--new-chain"), "{e}");
        // Objects without a genesis (a first install, another kind of chart) never conflict.
        assert!(change(&[], &[sts("a")], "x".into()).is_none());
        assert!(change(&history, &[json!({"kind": "ConfigMap"})], "x".into()).is_none());
    }

    /// A pod template carrying both a files digest and a genesis id.
    fn sts_with_id(hash: &str, id: &str) -> Value {
        let mut o = sts(hash);
        o["spec"]["template"]["metadata"]["annotations"][GENESIS_ID_ANNOTATION] = id.into();
        o
    }

    #[test]
    fn genesis_ids_decide_when_both_revisions_carry_them() {
        let history = [record(Status::Deployed, vec![sts_with_id("files-1", "root-1")])];
        // A fork scheduled later: the files change, the genesis state does not.
        assert!(change(&history, &[sts_with_id("files-2", "root-1")], "r".into()).is_none());
        let e = change(&history, &[sts_with_id("files-1", "root-2")], "r".into()).unwrap();
        assert!(e.to_string().contains("(root-1 -> root-2)"), "{e}");
        // A revision from before genesis ids is compared by its files, as it always was.
        let old = [record(Status::Deployed, vec![sts("files-1")])];
        assert!(change(&old, &[sts_with_id("files-1", "root-1")], "r".into()).is_none());
        assert!(change(&old, &[sts_with_id("files-2", "root-1")], "r".into()).is_some());
    }
}
