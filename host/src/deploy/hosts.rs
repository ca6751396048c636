//! Hosts the cluster already serves. A render cannot know them, so a deploy whose revision has
//! an Ingress or a Gateway API route reads every Ingress and route in the cluster first (one
//! list per kind the cluster serves), leaves out this release's own, and checks the revision
//! again with [`crate::permit::check_in`]: the render's rules, with the hosts filled in. A
//! plugin that serves a host something else serves needs `shared-hosts`; the refusal comes
//! before anything is recorded or applied, with the same message and exit code as a render's.
//!
//! A deployer allowed to list Ingresses only in its own namespace gets that namespace checked and
//! a warning that other namespaces were not.

use super::revision::Revision;
use crate::cluster::{Cluster, ClusterError, ObjectError};
use crate::error::Result;
use crate::manifest::Object;
use crate::permit::reach::{hosts, Served, ROUTE_KINDS};
use serde_json::Value;

/// The kinds that serve hosts, newest API first.
fn host_kinds() -> Vec<(&'static str, &'static str)> {
    let mut kinds = vec![("networking.k8s.io/v1", "Ingress")];
    kinds.extend(ROUTE_KINDS.iter().map(|k| ("gateway.networking.k8s.io/v1", *k)));
    // TLSRoute is still experimental (v1alpha2) in Gateway API v1.x.
    kinds.push(("gateway.networking.k8s.io/v1alpha2", "TLSRoute"));
    kinds
}

/// Refuses `rev` if a plugin serves a host that something outside the release serves without
/// holding `shared-hosts`. Reads nothing when the revision serves no host.
pub(crate) async fn check<C: Cluster>(c: &C, rev: &Revision, namespace: &str, release: &str) -> Result<()> {
    let objects: Vec<Object> = rev.objects.iter().map(object).collect();
    if objects.iter().all(|o| hosts(&o.key.group, &o.key.kind, &o.body).is_empty()) {
        return Ok(());
    }
    let served = served(c, namespace, release).await?;
    crate::permit::check_in(&objects, namespace, &rev.grants, Some(served))?;
    Ok(())
}

/// A recorded body as the permission rules see it: its plugin from `ethwasm.io/plugin`.
fn object(body: &Value) -> Object {
    let plugin = crate::manifest::plugin_of(body).unwrap_or_default().to_string();
    Object { key: super::apply::key_of(body), plugin, body: body.clone() }
}

/// The hosts every Ingress and route outside this release serves.
async fn served<C: Cluster>(c: &C, namespace: &str, release: &str) -> Result<Served> {
    let mut out = Served::new();
    for (api_version, kind) in host_kinds() {
        let rt = match c.resource(api_version, kind).await {
            Ok(rt) => rt,
            Err(ClusterError::Unserved { .. }) => continue,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(ObjectError::new("discover", format!("{kind} ({api_version})"), e).into()),
        };
        let listed = match c.list(&rt, None, "").await {
            Err(e) if e.code() == Some(403) => {
                tracing::warn!(
                    "may not list {kind} objects in every namespace ({e}); checking only namespace `{namespace}` \
                     for hosts the release would share"
                );
                c.list(&rt, Some(namespace), "").await
            }
            other => other,
        };
        let items = listed.map_err(|e| ObjectError::new("list", format!("{kind} objects"), e))?;
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        for item in items.iter().filter(|i| !ours(i, namespace, release)) {
            let s = |p: &str| item.pointer(p).and_then(Value::as_str).unwrap_or_default();
            let who = format!("{kind} {}/{}", s("/metadata/namespace"), s("/metadata/name"));
            for host in hosts(group, kind, item) {
                out.entry(host).or_insert_with(|| who.clone());
            }
        }
    }
    Ok(out)
}

/// Whether a live object is this release's (an upgrade serves the hosts it served).
fn ours(live: &Value, namespace: &str, release: &str) -> bool {
    super::apply::owned_by(live, release)
        && live.pointer("/metadata/namespace").and_then(Value::as_str) == Some(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{INSTANCE, MANAGED_BY};
    use serde_json::json;

    #[test]
    fn only_this_releases_own_objects_are_left_out() {
        let live = |ns: &str, labels: Value| json!({ "metadata": { "namespace": ns, "labels": labels } });
        let mine = json!({ MANAGED_BY: "ethwasm", INSTANCE: "eth" });
        assert!(ours(&live("chain", mine.clone()), "chain", "eth"));
        assert!(!ours(&live("other", mine), "chain", "eth"), "the same release name elsewhere is someone else");
        assert!(!ours(&live("chain", json!({ MANAGED_BY: "ethwasm", INSTANCE: "shop" })), "chain", "eth"));
        assert!(!ours(&live("chain", json!({ INSTANCE: "eth" })), "chain", "eth"));
    }

    #[test]
    fn a_recorded_body_keeps_its_plugin_and_key() {
        let body = json!({ "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": { "name": "rpc", "namespace": "eth", "annotations": { "ethwasm.io/plugin": "miners@1.2.0" } } });
        let o = object(&body);
        assert_eq!(
            (o.plugin.as_str(), o.key.group.as_str(), o.key.name.as_str()),
            ("miners", "networking.k8s.io", "rpc")
        );
    }
}
