//! Small builders for the Kubernetes objects plugins emit most, as `serde_json::Value`.
//!
//! k8s-openapi's typed structs would add hundreds of KB to every component; these builders keep
//! a plugin near 100 KB. The host adds `app.kubernetes.io/managed-by`, `instance` and the
//! namespace, so plugins set only what is theirs.

use serde::Deserialize;
use serde_json::{json, Map, Value};

/// A container image as values write it: either one string, `repository[:tag][@sha256:...]`
/// (`--set x.image=ethereum/client-go:v1.17.7`), or its parts, any of which may be left out
/// and falls back to the plugin's default (`--set x.image.tag=v2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// `registry/name`, e.g. `ethereum/client-go`.
    pub repository: Option<String>,
    /// The tag, e.g. `v1.17.7`.
    pub tag: Option<String>,
    /// `sha256:...`: pins the image's content.
    pub digest: Option<String>,
    /// `Always`, `IfNotPresent` or `Never` ([`Image::pull_policy`] gives the default).
    pub pull_policy: Option<String>,
}

/// The mapping form of [`Image`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[derive(Default)]
struct ImageFields {
    repository: Option<String>,
    tag: Option<String>,
    digest: Option<String>,
    pull_policy: Option<String>,
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Image, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::String(s) => Image::parse(&s).map_err(D::Error::custom),
            Value::Null => Ok(Image::default()),
            v @ Value::Object(_) => {
                let f: ImageFields = serde_json::from_value(v).map_err(D::Error::custom)?;
                Ok(Image { repository: f.repository, tag: f.tag, digest: f.digest, pull_policy: f.pull_policy })
            }
            _ => Err(D::Error::custom(
                "an image is `repository:tag` or a mapping of repository, tag, digest, pullPolicy",
            )),
        }
    }
}

impl Image {
    /// `repository[:tag][@sha256:...]`: the tag is what follows the last `:` after the last
    /// `/` (so a registry port, `host:5000/x`, is not one).
    pub fn parse(text: &str) -> Result<Image, String> {
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (text, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        if repository.is_empty() || tag.as_deref() == Some("") || text.contains(char::is_whitespace) {
            return Err(format!("`{text}` is not an image reference (repository[:tag][@sha256:...])"));
        }
        Ok(Image { repository: Some(repository.into()), tag, digest, pull_policy: None })
    }

    /// `repository:tag[@digest]`, each falling back to the given default.
    pub fn reference(&self, repository: &str, tag: &str) -> String {
        let name =
            format!("{}:{}", self.repository.as_deref().unwrap_or(repository), self.tag.as_deref().unwrap_or(tag));
        match &self.digest {
            Some(d) => format!("{name}@{d}"),
            None => name,
        }
    }

    /// This image, with what it leaves out taken from `base` (a digest only when neither the
    /// repository nor the tag is given here: it pins `base`'s image).
    pub fn or(&self, base: &Image) -> Image {
        let own = self.repository.is_some() || self.tag.is_some();
        Image {
            repository: self.repository.clone().or_else(|| base.repository.clone()),
            tag: self.tag.clone().or_else(|| base.tag.clone()),
            digest: self.digest.clone().or_else(|| if own { None } else { base.digest.clone() }),
            pull_policy: self.pull_policy.clone().or_else(|| base.pull_policy.clone()),
        }
    }
    /// The pull policy, `IfNotPresent` by default.
    pub fn pull_policy(&self) -> &str {
        self.pull_policy.as_deref().unwrap_or("IfNotPresent")
    }
}

/// Pod placement and resources as values write them: `resources`, `nodeSelector`,
/// `tolerations`, `affinity`, each optional. Embed it with `#[serde(flatten)]` (serde cannot
/// combine that with `deny_unknown_fields`; the host's schema check rejects unknown keys
/// before the plugin runs).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Placement {
    /// The container's `resources` (requests and limits).
    pub resources: Value,
    /// The pod's `nodeSelector`.
    pub node_selector: Value,
    /// The pod's `tolerations`.
    pub tolerations: Value,
    /// The pod's `affinity`.
    pub affinity: Value,
}

impl Placement {
    /// Sets resources on `container` and placement on `pod_spec`, skipping empty ones.
    pub fn apply(&self, pod_spec: &mut Value, container: &mut Value) {
        set_unless_empty(container, "resources", &self.resources);
        set_unless_empty(pod_spec, "nodeSelector", &self.node_selector);
        set_unless_empty(pod_spec, "tolerations", &self.tolerations);
        set_unless_empty(pod_spec, "affinity", &self.affinity);
    }
}

/// Sets `obj[key] = value` unless the value is null, `{}` or `[]`.
pub fn set_unless_empty(obj: &mut Value, key: &str, value: &Value) {
    let empty = match value {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if !empty {
        obj[key] = value.clone();
    }
}

/// The pod security context ethwasm's workloads use: a fixed non-root user whose group owns
/// mounted volumes.
pub fn pod_security_context() -> Value {
    // OnRootMismatch: the kubelet changes a volume's ownership only when its root is not
    // already the fsGroup's, instead of walking every file of a chain database on each start.
    json!({ "runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
            "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": { "type": "RuntimeDefault" } })
}

/// The container security context: no privilege escalation, no capabilities, read-only root.
pub fn container_security_context() -> Value {
    json!({ "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": { "drop": ["ALL"] } })
}

/// An env var with a literal value.
pub fn env(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

/// An env var from the pod's own field (`metadata.name`, `status.podIP`, ...).
pub fn field_env(name: &str, field_path: &str) -> Value {
    json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": field_path } } })
}

/// An env var from a Secret key.
pub fn secret_env(name: &str, secret: &str, key: &str) -> Value {
    json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } })
}

/// The selector labels of one component of a release: `app.kubernetes.io/name` and `component`.
pub fn selector(release: &str, component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": release,
    })
}

/// The labels of one component's pods: the [`selector`] of `name` plus
/// `app.kubernetes.io/component`, so several components of one name can be told apart.
pub fn component_labels(release: &str, name: &str, component: &str) -> Value {
    merge_labels(&selector(release, name), &json!({ "app.kubernetes.io/component": component }))
}

/// `apiVersion`, `kind` and `metadata.name` (plus `labels`, when given as a JSON object).
pub fn object(api_version: &str, kind: &str, name: &str, labels: Option<&Value>) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), name.into());
    if let Some(l) = labels {
        metadata.insert("labels".into(), l.clone());
    }
    json!({ "apiVersion": api_version, "kind": kind, "metadata": metadata })
}

/// A ConfigMap holding `data` (key, text) pairs in the given order.
pub fn config_map<'a>(name: &str, data: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut o = object("v1", "ConfigMap", name, None);
    o["data"] = Value::Object(data.into_iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect());
    o
}

/// An Opaque Secret holding `string_data` (key, text) pairs. Plain text goes in `stringData`
/// so the rendered output stays readable to its owner; the API server base64-encodes it.
pub fn secret<'a>(name: &str, string_data: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut o = object("v1", "Secret", name, None);
    o["type"] = "Opaque".into();
    o["stringData"] =
        Value::Object(string_data.into_iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect());
    o
}

/// An Opaque Secret holding raw bytes in `data` (base64 on the wire): mounted, each key is a
/// file with exactly those bytes (a binary key, for instance).
pub fn binary_secret<'a>(name: &str, data: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Value {
    let mut o = object("v1", "Secret", name, None);
    o["type"] = "Opaque".into();
    o["data"] = base64_map(data);
    o
}

/// A ConfigMap holding raw bytes in `binaryData` (base64 on the wire).
pub fn binary_config_map<'a>(name: &str, data: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Value {
    let mut o = object("v1", "ConfigMap", name, None);
    o["binaryData"] = base64_map(data);
    o
}

fn base64_map<'a>(data: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Value {
    use base64::Engine;
    let b64 = |v: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(v));
    Value::Object(data.into_iter().map(|(k, v)| (k.to_string(), b64(v))).collect())
}

/// A Service port entry.
pub fn port(name: &str, port: u16, protocol: &str) -> Value {
    json!({ "name": name, "port": port, "targetPort": name, "protocol": protocol })
}

/// A Service of `type_` selecting `selector`, exposing `ports`. `type_ == "Headless"` gives a
/// ClusterIP Service with `clusterIP: None` that publishes not-ready addresses (for peers that
/// must find each other before they are ready).
pub fn service(name: &str, labels: &Value, selector: &Value, type_: &str, ports: Vec<Value>) -> Value {
    let mut o = object("v1", "Service", name, Some(labels));
    let spec = if type_ == "Headless" {
        json!({ "type": "ClusterIP", "clusterIP": "None", "publishNotReadyAddresses": true,
                "selector": selector, "ports": ports })
    } else {
        json!({ "type": type_, "selector": selector, "ports": ports })
    };
    o["spec"] = spec;
    o
}

/// How a tool is exposed in the cluster, as values write it (`service: {type, port}`): a
/// `ClusterIP` Service on port 80 unless given.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServiceValues {
    /// `ClusterIP`, `NodePort` or `LoadBalancer`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The Service's port.
    pub port: u16,
}

impl Default for ServiceValues {
    fn default() -> Self {
        ServiceValues { type_: "ClusterIP".into(), port: 80 }
    }
}

/// Merges `extra` labels over `base` (both JSON objects).
pub fn merge_labels(base: &Value, extra: &Value) -> Value {
    let mut out = base.as_object().cloned().unwrap_or_default();
    if let Some(e) = extra.as_object() {
        for (k, v) in e {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image is written either way: one string, or its parts.
    #[test]
    fn an_image_is_a_reference_or_its_parts() {
        let read = |v: Value| serde_json::from_value::<Image>(v).map_err(|e| e.to_string());
        let digest = format!("sha256:{}", "ab".repeat(32));
        let s = read(json!("ethereum/client-go:v1.17.7")).unwrap();
        assert_eq!(s.reference("x", "y"), "ethereum/client-go:v1.17.7");
        assert_eq!(read(json!("localhost:5000/geth")).unwrap().reference("x", "latest"), "localhost:5000/geth:latest");
        let pinned = read(json!(format!("host:5000/geth:v1@{digest}"))).unwrap();
        assert_eq!(pinned.reference("x", "y"), format!("host:5000/geth:v1@{digest}"));
        let parts = read(json!({ "tag": "v2", "pullPolicy": "Always" })).unwrap();
        assert_eq!((parts.reference("geth", "v1").as_str(), parts.pull_policy()), ("geth:v2", "Always"));
        assert!(read(json!({ "tags": "v2" })).unwrap_err().contains("unknown field `tags`"));
        assert!(read(json!("geth:")).unwrap_err().contains("not an image reference"));
        assert!(read(json!(3)).unwrap_err().contains("repository:tag"));
        // A validator client's image follows its beacon node's, digest and all, unless it names its own.
        let beacon = read(json!(format!("sigp/lighthouse:v8@{digest}"))).unwrap();
        assert_eq!(Image::default().or(&beacon).reference("x", "y"), format!("sigp/lighthouse:v8@{digest}"));
        let own = read(json!({ "tag": "v9" })).unwrap().or(&beacon);
        assert_eq!(own.reference("x", "y"), "sigp/lighthouse:v9");
    }

    #[test]
    fn headless_service_publishes_not_ready() {
        let l = selector("r", "boot");
        let s = service("r-boot", &l, &l, "Headless", vec![port("disc", 30301, "UDP")]);
        assert_eq!(s["spec"]["clusterIP"], "None");
        assert_eq!(s["spec"]["publishNotReadyAddresses"], true);
        assert_eq!(s["spec"]["ports"][0]["port"], 30301);
    }

    #[test]
    fn secret_uses_string_data() {
        let s = secret("x", [("a", "b")]);
        assert_eq!(s["type"], "Opaque");
        assert_eq!(s["stringData"]["a"], "b");
    }
}
