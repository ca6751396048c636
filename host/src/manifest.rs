//! Manifest checks, standard labels and install order: what the host guarantees about every
//! object, whichever plugin produced it.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Label every object carries: who manages it.
pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Label every object carries: which release it belongs to.
pub(crate) const INSTANCE: &str = "app.kubernetes.io/instance";
/// Label every object carries: the chart (or `ethwasm`) it is part of.
pub(crate) const PART_OF: &str = "app.kubernetes.io/part-of";
/// Annotation naming the plugin (and version) that produced the object.
pub(crate) const PLUGIN_ANNOTATION: &str = "ethwasm.io/plugin";

/// A manifest that breaks a rule.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("plugin `{plugin}` returned manifest #{index} that is not JSON: {message}")]
    NotJson { plugin: String, index: usize, message: String },
    #[error("plugin `{plugin}` returned manifest #{index} ({what}): {message}")]
    Invalid { plugin: String, index: usize, what: String, message: String },
    #[error(
        "{kind} {namespace}/{name} is rendered by both plugin `{first}` and plugin `{second}`; rename one of them"
    )]
    Duplicate { kind: String, namespace: String, name: String, first: String, second: String },
}

/// (group, kind, namespace, name): what identifies an object in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// A checked, labelled object and the plugin that produced it.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: ObjectKey,
    pub plugin: String,
    pub body: Value,
}

/// Kinds that route the API server's requests to someone else: admission webhooks and policies,
/// and API services (all cluster-scoped; what plugins may create treats them apart).
pub(crate) const WEBHOOK_KINDS: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "APIService",
];

/// Kinds that live outside namespaces (core and common APIs), besides [`WEBHOOK_KINDS`].
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ClusterTrustBundle",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "VolumeSnapshotClass",
];

/// Install order by kind (Helm's table, with CRDs moved up so custom resources can follow).
/// Kinds not listed go last, sorted by kind name.
const INSTALL_ORDER: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Whether objects of `kind` are namespaced (unknown kinds are assumed to be).
pub(crate) fn is_namespaced(kind: &str) -> bool {
    !CLUSTER_SCOPED.contains(&kind) && !WEBHOOK_KINDS.contains(&kind)
}

/// Position of `kind` in the install order.
pub(crate) fn install_rank(kind: &str) -> usize {
    INSTALL_ORDER.iter().position(|k| *k == kind).unwrap_or(INSTALL_ORDER.len())
}

/// Orders objects for install: by kind rank, then kind, namespace and name.
pub(crate) fn install_cmp(a: &ObjectKey, b: &ObjectKey) -> Ordering {
    install_rank(&a.kind)
        .cmp(&install_rank(&b.kind))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.group.cmp(&b.group))
        .then_with(|| a.namespace.cmp(&b.namespace))
        .then_with(|| a.name.cmp(&b.name))
}

/// The longest StatefulSet name whose pods the cluster accepts (see `name_and_namespace`).
const MAX_STATEFUL_SET_NAME: usize = 52;

/// DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, alphanumeric at both ends, <= 253.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// Context the host stamps onto every object.
#[derive(Debug, Clone)]
pub struct Stamp<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    pub part_of: &'a str,
}

/// Parses and checks one manifest from `plugin` (`plugin_version` goes into the annotation),
/// defaults its namespace and adds the standard labels.
pub(crate) fn check(
    plugin: &str,
    plugin_version: &str,
    index: usize,
    text: &str,
    stamp: &Stamp,
) -> Result<Object, ManifestError> {
    let mut body: Value = serde_json::from_str(text).map_err(|e| ManifestError::NotJson {
        plugin: plugin.into(),
        index,
        message: e.to_string(),
    })?;
    let what = describe(&body);
    let invalid =
        |message: String| ManifestError::Invalid { plugin: plugin.into(), index, what: what.clone(), message };
    let obj = body.as_object_mut().ok_or_else(|| invalid("a manifest must be a JSON object".into()))?;
    let (api_version, kind) = api_version_and_kind(obj).map_err(invalid)?;
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| invalid("`metadata` must be an object".into()))?;
    let (name, namespace) = name_and_namespace(meta, &kind, stamp).map_err(invalid)?;
    stamp_metadata(meta, stamp, &format!("{plugin}@{plugin_version}")).map_err(invalid)?;
    let group = api_version.rsplit_once('/').map(|(g, _)| g.to_string()).unwrap_or_default();
    Ok(Object { key: ObjectKey { group, kind, namespace, name }, plugin: plugin.into(), body })
}

/// A manifest's `apiVersion` and `kind`, checked; a list of objects is refused.
fn api_version_and_kind(obj: &Map<String, Value>) -> Result<(String, String), String> {
    let api_version = match obj.get("apiVersion") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("`apiVersion` is missing or not a string".into()),
    };
    if !is_api_version(&api_version) {
        return Err(format!(
            "`apiVersion` `{}` is not `version` or `group/version` (a DNS-1123 group, a version like v1beta1)",
            crate::text::one_line(&api_version, 100)
        ));
    }
    let kind = match obj.get("kind") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("`kind` is missing or not a string".into()),
    };
    if !is_kind(&kind) {
        return Err(format!(
            "`kind` `{}` is not a kind (a letter, then letters and digits, at most 63)",
            crate::text::one_line(&kind, 100)
        ));
    }
    // kubectl reads any object with a top-level `items` as a list of objects: refuse it whatever
    // its kind, so nothing slips past these checks into a `render | kubectl apply`.
    if kind == "List" || obj.contains_key("items") {
        return Err(format!(
            "a {kind} is not an object the cluster stores; return each of its items as a manifest of its own"
        ));
    }
    Ok((api_version, kind))
}

/// The object's name, checked, and its namespace: the release's when a namespaced object names
/// none (written into `meta`), none for a cluster-scoped kind.
fn name_and_namespace(meta: &mut Map<String, Value>, kind: &str, stamp: &Stamp) -> Result<(String, String), String> {
    let name = match meta.get("name") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("`metadata.name` is missing or not a string".into()),
    };
    if !is_dns_subdomain(&name) {
        let name = crate::text::one_line(&name, 300);
        return Err(format!(
            "`metadata.name` `{name}` is not a DNS-1123 name (lowercase letters, digits, `-` and `.`, at most 253 characters)"
        ));
    }
    // The StatefulSet controller labels each pod `controller-revision-hash: <name>-<hash>`, the
    // hash up to 10 characters, and a label value holds 63: with a longer name the cluster takes
    // the StatefulSet and refuses every pod of it ("must be no more than 63 characters").
    if kind == "StatefulSet" && name.len() > MAX_STATEFUL_SET_NAME {
        return Err(format!(
            "StatefulSet `{name}` is {} characters, over {MAX_STATEFUL_SET_NAME}: its pods' label \
             controller-revision-hash=<name>-<hash> would pass 63 characters and the cluster would refuse them; \
             use a shorter release name (--release)",
            name.len()
        ));
    }
    if !is_namespaced(kind) {
        if meta.contains_key("namespace") {
            return Err(format!("{kind} is cluster-scoped; remove `metadata.namespace`"));
        }
        return Ok((name, String::new()));
    }
    let namespace = match meta.get("namespace") {
        None => {
            meta.insert("namespace".into(), stamp.namespace.into());
            stamp.namespace.to_string()
        }
        Some(Value::String(ns)) if crate::plugin::is_dns_label(ns) => ns.clone(),
        Some(other) => return Err(format!("`metadata.namespace` {other} is not a DNS label")),
    };
    Ok((name, namespace))
}

/// Stamps the release's labels and the rendering plugin (`plugin@version`) on `meta`.
fn stamp_metadata(meta: &mut Map<String, Value>, stamp: &Stamp, plugin: &str) -> Result<(), String> {
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| "`metadata.labels` must be an object".to_string())?;
    labels.insert(MANAGED_BY.into(), "ethwasm".into());
    labels.insert(INSTANCE.into(), stamp.release.into());
    labels.entry(PART_OF).or_insert_with(|| stamp.part_of.into());
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| "`metadata.annotations` must be an object".to_string())?;
    annotations.insert(PLUGIN_ANNOTATION.into(), plugin.into());
    Ok(())
}

/// The value of an object's own annotation `name`, if it has one as a string.
pub(crate) fn annotation<'v>(body: &'v Value, name: &str) -> Option<&'v str> {
    body.get("metadata")?.get("annotations")?.get(name)?.as_str()
}

/// The plugin that rendered a stamped body (its `ethwasm.io/plugin` annotation, without the
/// version), if it has one.
pub(crate) fn plugin_of(body: &Value) -> Option<&str> {
    annotation(body, PLUGIN_ANNOTATION)?.split('@').next()
}

/// `Kind name` of a manifest, as far as it can be read, for messages (escaped and cut: it is
/// the plugin's text).
fn describe(v: &Value) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
    let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?");
    crate::text::one_line(&format!("{kind} {name}"), 200)
}

/// A kind as Kubernetes accepts one (its lowercase form is a DNS-1035 label), without `-`, which
/// no API uses: so never `/`, `.` or anything that could leave a directory as a file name.
fn is_kind(k: &str) -> bool {
    k.len() <= 63 && k.starts_with(|c: char| c.is_ascii_alphabetic()) && k.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `v1`, or `group/version` with a DNS-1123 subdomain group and a version label.
fn is_api_version(v: &str) -> bool {
    let (group, version) = v.rsplit_once('/').unwrap_or(("", v));
    let version_ok = version.len() <= 63
        && version.starts_with('v')
        && version.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    version_ok && (group.is_empty() || is_dns_subdomain(group))
}

/// Rejects two objects with the same key, naming both plugins; then sorts into install order.
pub(crate) fn finish(mut objects: Vec<Object>) -> Result<Vec<Object>, ManifestError> {
    let mut seen: HashMap<&ObjectKey, &str> = HashMap::new();
    for o in &objects {
        if let Some(first) = seen.insert(&o.key, &o.plugin) {
            return Err(ManifestError::Duplicate {
                kind: o.key.kind.clone(),
                namespace: o.key.namespace.clone(),
                name: o.key.name.clone(),
                first: first.into(),
                second: o.plugin.clone(),
            });
        }
    }
    objects.sort_by(|a, b| install_cmp(&a.key, &b.key));
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STAMP: Stamp = Stamp { release: "eth", namespace: "chain", part_of: "ethereum" };

    fn ok(text: &str) -> Object {
        check("p", "1.0.0", 0, text, &STAMP).unwrap()
    }

    fn err(text: &str) -> String {
        check("p", "1.0.0", 3, text, &STAMP).unwrap_err().to_string()
    }

    #[test]
    fn kinds_and_api_versions_are_checked_and_lists_refused() {
        let st = Stamp { release: "r", namespace: "chain", part_of: "p" };
        let err = |text: &str| check("p", "1", 0, text, &st).unwrap_err().to_string();
        assert!(err(r#"{"apiVersion":"v1","kind":"../../x","metadata":{"name":"a"}}"#).contains("is not a kind"));
        assert!(err(r#"{"apiVersion":"v1","kind":"Config/Map","metadata":{"name":"a"}}"#).contains("is not a kind"));
        assert!(err(r#"{"apiVersion":"../v1","kind":"ConfigMap","metadata":{"name":"a"}}"#).contains("`apiVersion`"));
        assert!(err(r#"{"apiVersion":"v1","kind":"List","items":[],"metadata":{"name":"a"}}"#)
            .contains("each of its items"));
        assert!(err(r#"{"apiVersion":"v1","kind":"ConfigMapList","items":[],"metadata":{"name":"a"}}"#)
            .contains("each of its items"));
        let e = err("{\"apiVersion\":\"v1\",\"kind\":\"\\u001b[2J\",\"metadata\":{\"name\":\"a\"}}");
        assert!(!e.contains('\x1b') && e.contains("\\u{1b}"), "{e}");
        assert!(check(
            "p",
            "1",
            0,
            r#"{"apiVersion":"monitoring.coreos.com/v1","kind":"ServiceMonitor","metadata":{"name":"a"}}"#,
            &st
        )
        .is_ok());
        assert!(check(
            "p",
            "1",
            0,
            r#"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"a"}}"#,
            &st
        )
        .is_ok());
    }

    #[test]
    fn stamps_labels_annotation_and_namespace() {
        let o = ok(r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","labels":{"a":"b"}}}"#);
        assert_eq!(
            o.key,
            ObjectKey { group: "apps".into(), kind: "Deployment".into(), namespace: "chain".into(), name: "x".into() }
        );
        let m = &o.body["metadata"];
        assert_eq!(m["namespace"], "chain");
        assert_eq!(m["labels"], json!({"a": "b", MANAGED_BY: "ethwasm", INSTANCE: "eth", PART_OF: "ethereum"}));
        assert_eq!(m["annotations"][PLUGIN_ANNOTATION], "p@1.0.0");
    }

    #[test]
    fn keeps_explicit_namespace_and_core_group() {
        let o = ok(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}"#);
        assert_eq!(o.key.namespace, "other");
        assert_eq!(o.key.group, "");
        let o = ok(r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"x"}}"#);
        assert_eq!(o.key.namespace, "");
        assert!(o.body["metadata"].get("namespace").is_none());
    }

    #[test]
    fn rejects_bad_manifests_by_message() {
        assert!(err("nope").starts_with("plugin `p` returned manifest #3 that is not JSON"));
        assert!(err("[1]").contains("must be a JSON object"));
        assert!(
            err(r#"{"kind":"ConfigMap","metadata":{"name":"x"}}"#).contains("(ConfigMap x): `apiVersion` is missing")
        );
        assert!(err(r#"{"apiVersion":"v1","metadata":{"name":"x"}}"#).contains("`kind` is missing"));
        assert!(err(r#"{"apiVersion":"v1","kind":"ConfigMap"}"#).contains("`metadata.name` is missing"));
        assert!(err(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#)
            .contains("not a DNS-1123 name"));
        assert!(err(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x","namespace":"y"}}"#)
            .contains("Namespace is cluster-scoped; remove `metadata.namespace`"));
        assert!(err(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":[]}}"#)
            .contains("labels` must be an object"));
    }

    #[test]
    fn dns_subdomains() {
        assert!(is_dns_subdomain("a.b-c.d"));
        assert!(!is_dns_subdomain("a..b"));
        assert!(!is_dns_subdomain("-a"));
        assert!(!is_dns_subdomain("A"));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn stateful_sets_are_named_so_that_their_pods_can_be_labelled() {
        let sts = |n: usize| {
            let body =
                format!(r#"{{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{{"name":"{}"}}}}"#, "s".repeat(n));
            check("miners", "1", 0, &body, &STAMP)
        };
        assert!(sts(52).is_ok());
        let e = sts(53).unwrap_err().to_string();
        assert!(e.contains("is 53 characters, over 52") && e.contains("--release"), "{e}");
        // Other kinds keep the general limit.
        let cm = format!(r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{}"}}}}"#, "c".repeat(200));
        assert!(check("miners", "1", 0, &cm, &STAMP).is_ok());
    }

    #[test]
    fn duplicates_name_both_plugins() {
        let a = check("a", "1", 0, r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}"#, &STAMP).unwrap();
        let b = check("b", "1", 0, r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}"#, &STAMP).unwrap();
        let e = finish(vec![a.clone(), b]).unwrap_err().to_string();
        assert_eq!(e, "Secret chain/s is rendered by both plugin `a` and plugin `b`; rename one of them");
        // Same name, different kind or group: fine.
        let c =
            check("b", "1", 0, r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"}}"#, &STAMP).unwrap();
        assert_eq!(finish(vec![a, c]).unwrap().len(), 2);
    }

    #[test]
    fn install_order_is_by_kind_then_name() {
        let mk = |kind: &str, name: &str| {
            let api = if kind == "StatefulSet" || kind == "Deployment" { "apps/v1" } else { "v1" };
            check(
                "p",
                "1",
                0,
                &format!(r#"{{"apiVersion":"{api}","kind":"{kind}","metadata":{{"name":"{name}"}}}}"#),
                &STAMP,
            )
            .unwrap()
        };
        let objs = vec![
            mk("Widget", "w"),
            mk("StatefulSet", "b"),
            mk("Service", "s"),
            mk("StatefulSet", "a"),
            mk("Secret", "k"),
            mk("ConfigMap", "c"),
            mk("Namespace", "n"),
            mk("Deployment", "d"),
        ];
        let order: Vec<String> =
            finish(objs).unwrap().iter().map(|o| format!("{}/{}", o.key.kind, o.key.name)).collect();
        assert_eq!(
            order,
            [
                "Namespace/n",
                "Secret/k",
                "ConfigMap/c",
                "Service/s",
                "Deployment/d",
                "StatefulSet/a",
                "StatefulSet/b",
                "Widget/w"
            ]
        );
    }
}
