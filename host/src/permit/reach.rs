//! Namespaced paths past the release: objects that stay in the release's namespace and still
//! reach other workloads' traffic, identities or data. Each needs a grant of its own:
//!
//! - a Service with `externalIPs` intercepts traffic to those addresses cluster-wide
//!   (CVE-2020-8554): `external-ips`;
//! - hand-written Endpoints or EndpointSlices route a Service's traffic anywhere, another
//!   Service's (in `default`, even the API server's `kubernetes`) or, behind a selector-less or
//!   ExternalName Service, other namespaces' pods (CVE-2021-25740): `endpoints`;
//! - a pod running as a service account the release does not render (other than the namespace's
//!   `default`) takes that account's powers: `service-accounts`;
//! - a `kubernetes.io/service-account-token` Secret mints a token for any account of the
//!   namespace: `token-secrets`;
//! - a claim that names a volume (`volumeName`) binds a volume holding someone else's data, and one
//!   cloned from a claim the release does not render (`dataSource`, `dataSourceRef`) copies it:
//!   `bound-volumes`;
//! - a pod that mounts or reads (volumes, projected sources, `env`, `envFrom`,
//!   `imagePullSecrets`) a Secret, ConfigMap or claim the release does not render, such as another
//!   release's validator mnemonic in a shared namespace: `foreign-objects`. The namespace's
//!   `kube-root-ca.crt` (the cluster's public CA, in every namespace) is allowed;
//! - an Ingress or Gateway API route for a host that another Ingress or route in the cluster
//!   already serves takes that host's paths, and the cookies its browsers send with them:
//!   `shared-hosts`. Only the cluster knows what it serves, so a render cannot refuse this: a
//!   deploy reads the cluster's Ingresses and routes first ([`Inventory::serving`]) and runs these
//!   same rules again, before anything is applied.
//!
//! "Renders" means: an object of that kind and name in the release's namespace among this
//! render's objects, whichever plugin made it.

use super::Grant;
use crate::manifest::Object;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The ConfigMap every namespace holds: the cluster's public CA bundle.
const ROOT_CA: &str = "kube-root-ca.crt";

/// Hosts that Ingresses and routes outside the release serve: host -> the object serving it
/// (`Ingress ns/name`).
pub type Served = BTreeMap<String, String>;

/// What the release renders in its namespace, and (in a deploy) what the cluster serves.
pub struct Inventory {
    /// (kind, name).
    objects: BTreeSet<(String, String)>,
    /// Known in a deploy only: a render cannot see the cluster.
    served: Option<Served>,
}

impl Inventory {
    /// The objects of `objects` in `namespace`.
    pub fn of(objects: &[Object], namespace: &str) -> Inventory {
        let objects = objects
            .iter()
            .filter(|o| o.key.namespace == namespace)
            .map(|o| (o.key.kind.clone(), o.key.name.clone()))
            .collect();
        Inventory { objects, served: None }
    }

    /// With the hosts the cluster's other Ingresses and routes serve.
    pub fn serving(self, served: Served) -> Inventory {
        Inventory { served: Some(served), ..self }
    }

    fn has(&self, kind: &str, name: &str) -> bool {
        self.objects.contains(&(kind.to_string(), name.to_string()))
    }
}

/// Gateway API routes that name hosts (`spec.hostnames`).
pub const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute"];

/// The hosts an Ingress (`spec.rules[].host`, `spec.tls[].hosts`) or a Gateway API route
/// (`spec.hostnames`) serves, lower-cased; none for other objects. A rule or route without a
/// host is not counted: it takes only requests no named host matches.
pub fn hosts(group: &str, kind: &str, body: &Value) -> Vec<String> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter().filter_map(Value::as_str).filter(|h| !h.is_empty()).map(str::to_ascii_lowercase).collect()
            })
            .unwrap_or_default()
    };
    let items = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out: Vec<String> = match (group, kind) {
        ("networking.k8s.io" | "extensions", "Ingress") => {
            let rules = items(body.pointer("/spec/rules"));
            let tls = items(body.pointer("/spec/tls"));
            let mut h: Vec<String> = rules
                .iter()
                .filter_map(|r| r.get("host").and_then(Value::as_str))
                .map(str::to_ascii_lowercase)
                .collect();
            h.extend(tls.iter().flat_map(|t| strings(t.get("hosts"))));
            h
        }
        ("gateway.networking.k8s.io", k) if ROUTE_KINDS.contains(&k) => strings(body.pointer("/spec/hostnames")),
        _ => Vec::new(),
    };
    out.retain(|h| !h.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Whether two hosts, either of which may be a wildcard (`*.example.com`), can name the same
/// host.
fn overlaps(a: &str, b: &str) -> bool {
    let covers = |wild: &str, host: &str| host.ends_with(&format!(".{wild}"));
    match (a.strip_prefix("*."), b.strip_prefix("*.")) {
        _ if a == b => true,
        (Some(x), None) => covers(x, b),
        (None, Some(y)) => covers(y, a),
        (Some(x), Some(y)) => covers(x, y) || covers(y, x),
        (None, None) => false,
    }
}

/// Every namespaced path past the release that `o` takes, with why.
pub fn reaches(o: &Object, inv: &Inventory) -> Vec<(Grant, String)> {
    let mut out = Vec::new();
    let body = &o.body;
    match o.key.kind.as_str() {
        "Service" if body.pointer("/spec/externalIPs").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) => {
            out.push((
                Grant::ExternalIps,
                "its externalIPs would take traffic to those addresses from the whole cluster".into(),
            ));
        }
        "Endpoints" | "EndpointSlice" => {
            let service = body
                .pointer("/metadata/labels/kubernetes.io~1service-name")
                .and_then(Value::as_str)
                .unwrap_or(o.key.name.as_str());
            let whose = if inv.has("Service", service) { "the release's" } else { "a" };
            out.push((
                Grant::Endpoints,
                format!(
                    "hand-written endpoints route {whose} Service `{service}`'s traffic to any address (CVE-2021-25740)"
                ),
            ));
        }
        "Secret" if body.get("type").and_then(Value::as_str) == Some("kubernetes.io/service-account-token") => {
            out.push((Grant::TokenSecrets, "a service-account-token Secret mints a token for any account".into()));
        }
        "PersistentVolumeClaim" => {
            if let Some(volume) = body.pointer("/spec/volumeName").and_then(Value::as_str).filter(|v| !v.is_empty()) {
                out.push((Grant::BoundVolumes, format!("it binds PersistentVolume `{volume}` by name")));
            }
            for field in ["dataSource", "dataSourceRef"] {
                let src = body.pointer(&format!("/spec/{field}"));
                let kind = src.and_then(|s| s.get("kind")).and_then(Value::as_str);
                let name = src.and_then(|s| s.get("name")).and_then(Value::as_str).unwrap_or("");
                if kind == Some("PersistentVolumeClaim") && !inv.has("PersistentVolumeClaim", name) {
                    out.push((
                        Grant::BoundVolumes,
                        format!("it clones claim `{name}`, which the release does not render"),
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(served) = &inv.served {
        let clash = hosts(&o.key.group, &o.key.kind, body)
            .into_iter()
            .find_map(|h| served.iter().find(|(theirs, _)| overlaps(theirs, &h)).map(|(t, who)| (h, t, who)));
        if let Some((host, theirs, who)) = clash {
            let also = if *theirs == host { String::new() } else { format!(" as `{theirs}`") };
            out.push((
                Grant::SharedHosts,
                format!("it serves host `{host}`, which {who} already serves{also}: it would take that host's traffic"),
            ));
        }
    }
    if let Some(pod) = crate::pod_security::pod_of(&o.key.kind, body) {
        let account =
            pod.spec.get("serviceAccountName").or_else(|| pod.spec.get("serviceAccount")).and_then(Value::as_str);
        if let Some(sa) = account.filter(|sa| !sa.is_empty() && *sa != "default" && !inv.has("ServiceAccount", sa)) {
            out.push((
                Grant::ServiceAccounts,
                format!("its pod runs as service account `{sa}`, which the release does not render"),
            ));
        }
        if let Some((kind, name, how)) = references(pod.spec).into_iter().find(|(k, n, _)| !inv.has(k, n)) {
            out.push((
                Grant::ForeignObjects,
                format!("its pod {how} {kind} `{name}`, which the release does not render"),
            ));
        }
    }
    out
}

/// Where a reference sits, relative to the item that holds it, and what kind it names.
type Refs = &'static [(&'static str, &'static str)];

const VOLUME_REFS: Refs = &[
    ("/secret/secretName", "Secret"),
    ("/configMap/name", "ConfigMap"),
    ("/persistentVolumeClaim/claimName", "PersistentVolumeClaim"),
];
const PROJECTED_REFS: Refs = &[("/secret/name", "Secret"), ("/configMap/name", "ConfigMap")];
const PULL_REFS: Refs = &[("/name", "Secret")];
const ENV_REFS: Refs = &[("/valueFrom/secretKeyRef/name", "Secret"), ("/valueFrom/configMapKeyRef/name", "ConfigMap")];
const ENV_FROM_REFS: Refs = &[("/secretRef/name", "Secret"), ("/configMapRef/name", "ConfigMap")];

/// The Secrets, ConfigMaps and claims a pod spec reads: (kind, name, how).
fn references(spec: &Value) -> Vec<(&'static str, String, &'static str)> {
    let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut add = |items: Vec<Value>, refs: Refs, how: &'static str| {
        for item in items {
            for (pointer, kind) in refs {
                if let Some(name) = item.pointer(pointer).and_then(Value::as_str) {
                    out.push((*kind, name.to_string(), how));
                }
            }
        }
    };
    let volumes = list(spec.get("volumes"));
    let projected: Vec<Value> = volumes.iter().flat_map(|v| list(v.pointer("/projected/sources"))).collect();
    add(volumes, VOLUME_REFS, "mounts");
    add(projected, PROJECTED_REFS, "mounts");
    add(list(spec.get("imagePullSecrets")), PULL_REFS, "pulls images with");
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        for c in list(spec.get(field)) {
            add(list(c.get("env")), ENV_REFS, "reads");
            add(list(c.get("envFrom")), ENV_FROM_REFS, "reads");
        }
    }
    out.retain(|(kind, name, _)| !(*kind == "ConfigMap" && name == ROOT_CA));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ObjectKey;
    use serde_json::json;

    fn obj(kind: &str, name: &str, body: Value) -> Object {
        Object {
            key: ObjectKey { group: String::new(), kind: kind.into(), namespace: "eth".into(), name: name.into() },
            plugin: "p".into(),
            body,
        }
    }

    /// The grants `o` needs beside `others` (the rest of the render).
    fn grants(o: Object, others: &[Object]) -> Vec<Grant> {
        let mut all = others.to_vec();
        all.push(o.clone());
        reaches(&o, &Inventory::of(&all, "eth")).into_iter().map(|(g, _)| g).collect()
    }

    fn pod(spec: Value) -> Object {
        obj("Deployment", "d", json!({ "spec": { "template": { "spec": spec } } }))
    }

    #[test]
    fn each_path_refuses_and_its_near_miss_is_allowed() {
        let svc = |spec: Value| obj("Service", "s", json!({ "spec": spec }));
        assert_eq!(grants(svc(json!({ "externalIPs": ["10.0.0.1"] })), &[]), [Grant::ExternalIps]);
        assert!(grants(svc(json!({ "externalIPs": [], "selector": { "a": "b" } })), &[]).is_empty());

        let slice = obj(
            "EndpointSlice",
            "kubernetes-x",
            json!({ "metadata": { "labels": { "kubernetes.io/service-name": "kubernetes" } } }),
        );
        assert_eq!(grants(slice, &[]), [Grant::Endpoints]);
        assert_eq!(grants(obj("Endpoints", "s", json!({})), &[svc(json!({}))]), [Grant::Endpoints]);

        let token = obj("Secret", "t", json!({ "type": "kubernetes.io/service-account-token" }));
        assert_eq!(grants(token, &[]), [Grant::TokenSecrets]);
        assert!(grants(obj("Secret", "t", json!({ "type": "Opaque" })), &[]).is_empty());

        let claim = |spec: Value| obj("PersistentVolumeClaim", "c", json!({ "spec": spec }));
        assert_eq!(grants(claim(json!({ "volumeName": "pv-of-someone" })), &[]), [Grant::BoundVolumes]);
        let clone = json!({ "dataSource": { "kind": "PersistentVolumeClaim", "name": "theirs" } });
        assert_eq!(grants(claim(clone), &[]), [Grant::BoundVolumes]);
        let own = json!({ "dataSource": { "kind": "PersistentVolumeClaim", "name": "mine" } });
        let mine = obj("PersistentVolumeClaim", "mine", json!({ "spec": {} }));
        assert!(grants(claim(own), &[mine]).is_empty());
        assert!(grants(claim(json!({ "storageClassName": "fast" })), &[]).is_empty());

        let sa = |name: &str| pod(json!({ "serviceAccountName": name, "containers": [] }));
        assert_eq!(grants(sa("powerful"), &[]), [Grant::ServiceAccounts]);
        assert!(grants(sa("default"), &[]).is_empty());
        assert!(grants(sa("mine"), &[obj("ServiceAccount", "mine", json!({}))]).is_empty());
        let legacy = pod(json!({ "serviceAccount": "powerful", "containers": [] }));
        assert_eq!(grants(legacy, &[]), [Grant::ServiceAccounts]);
    }

    #[test]
    fn a_host_someone_else_serves_needs_shared_hosts() {
        let ingress = |host: &str| {
            let mut o = obj("Ingress", "web", json!({ "spec": { "rules": [{ "host": host }, {}] } }));
            o.key.group = "networking.k8s.io".into();
            o
        };
        let route = |hosts: Value| {
            let mut o = obj("HTTPRoute", "r", json!({ "spec": { "hostnames": hosts } }));
            o.key.group = "gateway.networking.k8s.io".into();
            o
        };
        let served: Served = [
            ("wallet.example.com".to_string(), "Ingress shop/wallet".to_string()),
            ("*.apps.example.com".to_string(), "HTTPRoute apps/all".to_string()),
        ]
        .into();
        let needs = |o: Object| -> Vec<(Grant, String)> {
            reaches(&o, &Inventory::of(std::slice::from_ref(&o), "eth").serving(served.clone()))
        };
        let clash = needs(ingress("Wallet.Example.com"));
        assert_eq!(clash[0].0, Grant::SharedHosts);
        assert_eq!(
            clash[0].1,
            "it serves host `wallet.example.com`, which Ingress shop/wallet already serves: it would take that host's traffic"
        );
        assert_eq!(needs(route(json!(["rpc.apps.example.com"])))[0].0, Grant::SharedHosts);
        assert!(needs(route(json!(["*.example.com"])))[0].1.contains("as `*.apps.example.com`"));
        // Near misses: another host, the wildcard's own apex, no host at all, and a render (which
        // cannot see the cluster).
        assert!(needs(ingress("rpc.example.com")).is_empty());
        assert!(needs(route(json!(["apps.example.com"]))).is_empty());
        assert!(needs(route(json!([]))).is_empty());
        assert!(grants(ingress("wallet.example.com"), &[]).is_empty());
        let tls = json!({ "spec": { "tls": [{ "hosts": ["a.example.com", "B.example.com"] }], "rules": [{ "host": "a.example.com" }] } });
        assert_eq!(hosts("networking.k8s.io", "Ingress", &tls), ["a.example.com", "b.example.com"]);
        assert!(hosts("", "Service", &tls).is_empty());
    }

    #[test]
    fn wildcards_overlap_the_hosts_they_cover() {
        assert!(overlaps("a.example.com", "a.example.com"));
        assert!(overlaps("*.example.com", "a.example.com") && overlaps("a.b.example.com", "*.example.com"));
        assert!(overlaps("*.example.com", "*.b.example.com") && overlaps("*.example.com", "*.example.com"));
        assert!(!overlaps("*.example.com", "example.com") && !overlaps("*.a.com", "*.b.com"));
        assert!(!overlaps("a.example.com", "b.example.com") && !overlaps("xexample.com", "*.example.com"));
    }

    #[test]
    fn a_pod_reads_only_what_the_release_renders() {
        let mnemonic = obj("Secret", "other-validator-mnemonic", json!({}));
        let cases = [
            json!({ "volumes": [{ "name": "v", "secret": { "secretName": "other-validator-mnemonic" } }] }),
            json!({ "volumes": [{ "name": "v", "projected": { "sources": [{ "secret": { "name": "other-validator-mnemonic" } }] } }] }),
            json!({ "imagePullSecrets": [{ "name": "other-validator-mnemonic" }] }),
            json!({ "containers": [{ "name": "c", "env": [{ "name": "M",
                "valueFrom": { "secretKeyRef": { "name": "other-validator-mnemonic", "key": "mnemonic" } } }] }] }),
            json!({ "initContainers": [{ "name": "c", "envFrom": [{ "secretRef": { "name": "other-validator-mnemonic" } }] }] }),
        ];
        for spec in cases {
            assert_eq!(grants(pod(spec.clone()), &[]), [Grant::ForeignObjects], "{spec}");
            assert!(grants(pod(spec.clone()), std::slice::from_ref(&mnemonic)).is_empty(), "rendered: {spec}");
        }
        let cm = json!({ "volumes": [{ "name": "v", "configMap": { "name": "theirs" } }] });
        assert_eq!(grants(pod(cm), &[]), [Grant::ForeignObjects]);
        let env_cm = json!({ "containers": [{ "name": "c", "envFrom": [{ "configMapRef": { "name": "theirs" } }] }] });
        assert_eq!(grants(pod(env_cm), &[]), [Grant::ForeignObjects]);
        let claim = json!({ "volumes": [{ "name": "v", "persistentVolumeClaim": { "claimName": "data-other-0" } }] });
        assert_eq!(grants(pod(claim), &[]), [Grant::ForeignObjects]);
        // The cluster's CA bundle, in every namespace, is no one's data.
        let ca = json!({ "volumes": [{ "name": "v", "projected": { "sources": [
            { "serviceAccountToken": { "path": "token" } }, { "configMap": { "name": "kube-root-ca.crt" } }] } }] });
        assert!(grants(pod(ca), &[]).is_empty());
        let message = reaches(
            &pod(json!({ "volumes": [{ "name": "v", "secret": { "secretName": "other-validator-mnemonic" } }] })),
            &Inventory::of(&[], "eth"),
        );
        assert_eq!(message[0].1, "its pod mounts Secret `other-validator-mnemonic`, which the release does not render");
    }
}
