//! An in-memory Kubernetes API server for tests and benchmarks.
//!
//! It serves discovery for the built-in kinds ethwasm renders, stores objects, and implements
//! what ethwasm relies on: server-side apply with per-field ownership (so conflicts and
//! `force` behave), dry runs, create (409 when the object exists), replace (409 on a stale
//! resourceVersion), delete, label-selector lists, and the 1 MiB Secret limit. It runs no
//! controllers: with `set_ready(true)` applied workloads report themselves ready at once,
//! except those with an image containing `does-not-exist`, which never become ready (as the
//! image pull fails on a real cluster, and ../shared/k8s's fake kubelet fails it on purpose).
//!
//! Use it directly as a [`Cluster`], or over HTTP through [`FakeApi::client`], a
//! `kube::Client` whose requests go to this server in-process. Every request is logged
//! (`METHOD path`), and faults can be injected by method and path.

use super::{Cause, Cluster, ClusterError, ResourceType, WriteOptions, FIELD_MANAGER};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

type Key = (String, String, String, String); // (api group, plural, namespace, name)

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path_contains: String,
    code: u16,
    skip: usize,
    times: usize,
}

#[derive(Debug, Default)]
struct State {
    types: Vec<ResourceType>,
    objects: BTreeMap<Key, Value>,
    /// Field path -> manager, per object.
    owners: HashMap<Key, BTreeMap<String, String>>,
    version: u64,
    requests: Vec<String>,
    faults: Vec<Fault>,
    ready: bool,
    latency: std::time::Duration,
}

/// The fake API server. Clones share state.
#[derive(Debug, Clone)]
pub struct FakeApi {
    state: Arc<Mutex<State>>,
    namespace: String,
}

impl Default for FakeApi {
    fn default() -> Self {
        Self::new()
    }
}

fn rt(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceType {
    ResourceType::new(group, version, kind, plural, namespaced)
}

fn builtin_types() -> Vec<ResourceType> {
    vec![
        rt("", "v1", "Namespace", "namespaces", false),
        rt("", "v1", "Secret", "secrets", true),
        rt("", "v1", "ConfigMap", "configmaps", true),
        rt("", "v1", "Service", "services", true),
        rt("", "v1", "ServiceAccount", "serviceaccounts", true),
        rt("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        rt("", "v1", "Pod", "pods", true),
        rt("apps", "v1", "StatefulSet", "statefulsets", true),
        rt("apps", "v1", "Deployment", "deployments", true),
        rt("apps", "v1", "DaemonSet", "daemonsets", true),
        rt("batch", "v1", "Job", "jobs", true),
        rt("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
        rt("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
        rt("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        rt("coordination.k8s.io", "v1", "Lease", "leases", true),
        rt("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
        rt("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
        rt("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        rt("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        rt("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
    ]
}

fn api_error(code: u16, reason: &str, message: impl Into<String>) -> ClusterError {
    ClusterError::Api { code, reason: reason.into(), message: message.into(), causes: Vec::new() }
}

/// How the API server names a resource in messages: `configmaps`, `statefulsets.apps`.
fn resource_name(rt: &ResourceType) -> String {
    if rt.group.is_empty() {
        rt.plural.clone()
    } else {
        format!("{}.{}", rt.plural, rt.group)
    }
}

fn not_found(rt: &ResourceType, name: &str) -> ClusterError {
    api_error(404, "NotFound", format!("{} \"{name}\" not found", resource_name(rt)))
}

/// The API server's name rules: a DNS-1123 label for namespaces, a DNS-1123 subdomain for the
/// rest; a 422 Invalid with a FieldValueInvalid cause, worded as the API server words it.
fn validate_name(rt: &ResourceType, name: &str) -> Result<(), ClusterError> {
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let why = if rt.kind == "Namespace" && name.contains('.') {
        Some("must not contain dots".to_string())
    } else if rt.kind == "Namespace" && (!label(name) || name.len() > 63) {
        Some(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start \
             and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                .to_string(),
        )
    } else if name.len() > 253 || !name.split('.').all(label) {
        Some(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and \
             must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                .to_string(),
        )
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => {
            let detail = format!("Invalid value: \"{name}\": {why}");
            Err(ClusterError::Api {
                code: 422,
                reason: "Invalid".into(),
                message: format!("{} \"{name}\" is invalid: metadata.name: {detail}", rt.kind),
                causes: vec![Cause {
                    reason: "FieldValueInvalid".into(),
                    message: detail,
                    field: "metadata.name".into(),
                }],
            })
        }
    }
}

/// As the API server stores a Secret: stringData merged into data (base64), replacing the keys
/// it names, and gone.
fn fold_string_data(obj: &mut Value) {
    use base64::Engine;
    let Some(o) = obj.as_object_mut() else { return };
    let Some(Value::Object(plain)) = o.remove("stringData") else { return };
    let data = o.entry("data").or_insert_with(|| json!({}));
    if let Some(data) = data.as_object_mut() {
        for (k, v) in plain {
            let text = v.as_str().unwrap_or_default();
            data.insert(k, base64::engine::general_purpose::STANDARD.encode(text).into());
        }
    }
}

/// The URL path of a collection (`name` None) or an object.
fn path_of(rt: &ResourceType, ns: &str, name: Option<&str>) -> String {
    let mut p = if rt.group.is_empty() { format!("/api/{}", rt.version) } else { format!("/apis/{}", rt.api_version) };
    if rt.namespaced && !ns.is_empty() {
        p.push_str(&format!("/namespaces/{ns}"));
    }
    p.push('/');
    p.push_str(&rt.plural);
    if let Some(n) = name {
        p.push('/');
        p.push_str(n);
    }
    p
}

/// Paths the apply ownership ignores: identity and server-owned metadata.
fn ignored(path: &str) -> bool {
    matches!(path, ".apiVersion" | ".kind" | ".metadata.name" | ".metadata.namespace")
        || path.starts_with(".metadata.resourceVersion")
        || path.starts_with(".metadata.managedFields")
        || path.starts_with(".metadata.uid")
        || path.starts_with(".metadata.creationTimestamp")
        || path.starts_with(".metadata.generation")
        || path.starts_with(".status")
}

/// Leaf paths (`.a.b`) of an object; arrays are atomic leaves.
fn leaves(v: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                leaves(child, &format!("{prefix}.{k}"), out);
            }
        }
        other => {
            if !prefix.is_empty() && !ignored(prefix) {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').skip(1).try_fold(v, |cur, k| cur.get(k))
}

fn remove_at(v: &mut Value, path: &str) {
    let parts: Vec<&str> = path.split('.').skip(1).collect();
    let Some((last, parents)) = parts.split_last() else { return };
    let mut cur = v;
    for p in parents {
        match cur.get_mut(*p) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(*last);
    }
}

fn merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn selector_matches(obj: &Value, selector: &str) -> bool {
    let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
    selector.split(',').filter(|s| !s.is_empty()).all(|term| {
        let get = |k: &str| labels.and_then(|l| l.get(k.trim())).and_then(Value::as_str);
        if let Some((k, v)) = term.split_once("!=") {
            get(k) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once('=') {
            get(k) == Some(v.trim_start_matches('=').trim())
        } else {
            get(term).is_some()
        }
    })
}

fn secret_bytes(obj: &Value) -> usize {
    use base64::Engine;
    let data = obj.get("data").and_then(Value::as_object);
    let string_data = obj.get("stringData").and_then(Value::as_object);
    let a: usize = data
        .map(|m| {
            m.values()
                .filter_map(Value::as_str)
                .map(|s| base64::engine::general_purpose::STANDARD.decode(s).map_or(s.len(), |b| b.len()))
                .sum()
        })
        .unwrap_or(0);
    let b: usize = string_data.map(|m| m.values().filter_map(Value::as_str).map(str::len).sum()).unwrap_or(0);
    a + b
}

impl State {
    fn log_and_fault(&mut self, method: &str, path: &str) -> Result<(), ClusterError> {
        self.requests.push(format!("{method} {path}"));
        for f in &mut self.faults {
            if f.times > 0 && f.method == method && path.contains(&f.path_contains) {
                if f.skip > 0 {
                    f.skip -= 1;
                    continue;
                }
                f.times -= 1;
                return Err(api_error(f.code, "InternalError", format!("injected fault on {method} {path}")));
            }
        }
        Ok(())
    }

    fn type_of(&self, api_version: &str, plural: &str) -> Option<ResourceType> {
        self.types.iter().find(|t| t.api_version == api_version && t.plural == plural).cloned()
    }

    fn stamp(&mut self, rt: &ResourceType, obj: &mut Value, previous: Option<&Value>) {
        self.version += 1;
        let meta = obj.as_object_mut().expect("objects").entry("metadata").or_insert_with(|| json!({}));
        let meta = meta.as_object_mut().expect("metadata is an object");
        meta.insert("resourceVersion".into(), self.version.to_string().into());
        let prev_meta = previous.and_then(|p| p.get("metadata"));
        let uid = prev_meta
            .and_then(|m| m.get("uid"))
            .cloned()
            .unwrap_or_else(|| format!("00000000-0000-4000-8000-{:012}", self.version).into());
        meta.insert("uid".into(), uid);
        let created = prev_meta
            .and_then(|m| m.get("creationTimestamp"))
            .cloned()
            .unwrap_or_else(|| "2026-01-01T00:00:00Z".into());
        meta.insert("creationTimestamp".into(), created);
        let prev_gen = prev_meta.and_then(|m| m.get("generation")).and_then(Value::as_i64).unwrap_or(0);
        let spec_changed = previous.map(|p| p.get("spec") != obj.get("spec")).unwrap_or(true);
        let generation = if spec_changed { prev_gen + 1 } else { prev_gen };
        let meta = obj.get_mut("metadata").and_then(Value::as_object_mut).expect("metadata");
        meta.insert("generation".into(), generation.into());
        if rt.kind == "Namespace" && obj.get("status").is_none() {
            obj["status"] = json!({"phase": "Active"});
        }
        if rt.kind == "Secret" {
            fold_string_data(obj);
        }
        // As on a real cluster, a workload whose image cannot be pulled never becomes ready.
        let images = |key: &str| {
            obj.pointer(&format!("/spec/template/spec/{key}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("image").and_then(Value::as_str))
                .any(|i| i.contains("does-not-exist"))
        };
        let pullable = !images("containers") && !images("initContainers");
        if self.ready && pullable {
            let replicas = obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let status = match rt.kind.as_str() {
                "StatefulSet" | "Deployment" => Some(json!({
                    "observedGeneration": generation, "replicas": replicas, "readyReplicas": replicas,
                    "updatedReplicas": replicas, "availableReplicas": replicas, "currentReplicas": replicas
                })),
                "DaemonSet" => Some(json!({
                    "observedGeneration": generation, "desiredNumberScheduled": 1, "numberReady": 1,
                    "updatedNumberScheduled": 1, "numberAvailable": 1
                })),
                "Job" => Some(json!({"succeeded": 1})),
                _ => None,
            };
            if let Some(s) = status {
                obj.as_object_mut().expect("objects").insert("status".into(), s);
            }
        }
    }

    fn managed_fields(&self, key: &Key, api_version: &str) -> Value {
        let managers: BTreeSet<&String> = self.owners.get(key).map(|o| o.values().collect()).unwrap_or_default();
        Value::Array(
            managers
                .into_iter()
                .map(|m| {
                    json!({"manager": m, "operation": "Apply", "apiVersion": api_version,
                           "fieldsType": "FieldsV1", "fieldsV1": {}})
                })
                .collect(),
        )
    }

    fn check_size(&self, rt: &ResourceType, name: &str, obj: &Value) -> Result<(), ClusterError> {
        if rt.kind != "Secret" {
            return Ok(());
        }
        // Measured as stored: stringData replaces the data keys it names.
        let mut stored = obj.clone();
        if stored.get("stringData").and_then(Value::as_object).is_some_and(|m| m.values().any(|v| !v.is_string())) {
            return Err(api_error(400, "BadRequest", "stringData values must be strings"));
        }
        fold_string_data(&mut stored);
        if secret_bytes(&stored) > 1 << 20 {
            let detail = "Too long: must have at most 1048576 bytes";
            return Err(ClusterError::Api {
                code: 422,
                reason: "Invalid".into(),
                message: format!("Secret \"{name}\" is invalid: data: {detail}"),
                causes: vec![Cause {
                    reason: "FieldValueTooLong".into(),
                    message: detail.into(),
                    field: "data".into(),
                }],
            });
        }
        Ok(())
    }

    /// New content needs its namespace to exist and not be terminating (403, as the
    /// NamespaceLifecycle admission plugin answers).
    fn ensure_namespace(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<(), ClusterError> {
        if !rt.namespaced {
            return Ok(());
        }
        let Some(namespace) = self.objects.get(&(String::new(), "namespaces".into(), String::new(), ns.into())) else {
            return Err(api_error(404, "NotFound", format!("namespaces \"{ns}\" not found")));
        };
        if namespace.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ClusterError::Api {
                code: 403,
                reason: "Forbidden".into(),
                message: format!(
                    "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being \
                     terminated",
                    resource_name(rt)
                ),
                causes: vec![Cause {
                    reason: "NamespaceTerminating".into(),
                    message: format!("namespace {ns} is being terminated"),
                    field: "metadata.namespace".into(),
                }],
            });
        }
        Ok(())
    }

    fn apply(
        &mut self,
        manager: &str,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        patch: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError> {
        let ns = rt.scope(ns);
        self.log_and_fault("PATCH", &path_of(rt, ns, Some(name)))?;
        let body_name = patch.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        if body_name != name {
            return Err(api_error(
                400,
                "BadRequest",
                format!("the name of the object ({body_name}) does not match the name on the URL ({name})"),
            ));
        }
        let key: Key = (rt.group.clone(), rt.plural.clone(), ns.into(), name.into());
        let existing = self.objects.get(&key).cloned();
        if existing.is_none() {
            self.ensure_namespace(rt, ns, name)?;
            validate_name(rt, name)?;
        }
        let mut want = BTreeMap::new();
        leaves(patch, "", &mut want);
        let owners = self.owners.get(&key).cloned().unwrap_or_default();
        let mut result = existing.clone().unwrap_or_else(|| json!({}));
        if let Some(cur) = &existing {
            let conflicts: Vec<Cause> = want
                .iter()
                .filter_map(|(p, v)| {
                    let owner = owners.get(p)?;
                    (owner != manager && at(cur, p) != Some(v)).then(|| Cause {
                        reason: "FieldManagerConflict".into(),
                        message: format!("conflict with \"{owner}\""),
                        field: p.clone(),
                    })
                })
                .collect();
            if !conflicts.is_empty() && !opts.force {
                let list: Vec<String> = conflicts.iter().map(|c| format!("{}: {}", c.message, c.field)).collect();
                return Err(ClusterError::Api {
                    code: 409,
                    reason: "Conflict".into(),
                    message: match conflicts.len() {
                        1 => format!("Apply failed with 1 conflict: {}", list.join(", ")),
                        n => format!("Apply failed with {n} conflicts: {}", list.join(", ")),
                    },
                    causes: conflicts,
                });
            }
            for (p, m) in &owners {
                if m == manager && !want.contains_key(p) {
                    remove_at(&mut result, p);
                }
            }
        }
        merge(&mut result, patch);
        if let Some(meta) = result.get_mut("metadata").and_then(Value::as_object_mut) {
            if rt.namespaced {
                meta.insert("namespace".into(), ns.into());
            }
        }
        self.check_size(rt, name, &result)?;
        let mut new_owners: BTreeMap<String, String> =
            owners.into_iter().filter(|(p, m)| m != manager && !want.contains_key(p)).collect();
        for p in want.keys() {
            new_owners.insert(p.clone(), manager.into());
        }
        self.stamp(rt, &mut result, existing.as_ref());
        if opts.dry_run {
            self.version -= 1;
            if existing.is_none() {
                // Never stored: the API server gives it no resourceVersion.
                if let Some(meta) = result.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("resourceVersion");
                }
            }
            return Ok(result);
        }
        self.owners.insert(key.clone(), new_owners);
        let mf = self.managed_fields(&key, &rt.api_version);
        result["metadata"]["managedFields"] = mf;
        self.objects.insert(key, result.clone());
        Ok(result)
    }

    fn create(&mut self, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ClusterError> {
        let ns = rt.scope(ns);
        self.log_and_fault("POST", &path_of(rt, ns, None))?;
        let name = body.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        self.ensure_namespace(rt, ns, &name)?;
        let key: Key = (rt.group.clone(), rt.plural.clone(), ns.into(), name.clone());
        if self.objects.contains_key(&key) {
            return Err(api_error(409, "AlreadyExists", format!("{} \"{name}\" already exists", resource_name(rt))));
        }
        validate_name(rt, &name)?;
        self.check_size(rt, &name, body)?;
        let mut obj = body.clone();
        if rt.namespaced {
            obj["metadata"]["namespace"] = ns.into();
        }
        self.stamp(rt, &mut obj, None);
        let mut owned = BTreeMap::new();
        leaves(body, "", &mut owned);
        self.owners.insert(key.clone(), owned.into_keys().map(|p| (p, FIELD_MANAGER.to_string())).collect());
        self.objects.insert(key, obj.clone());
        Ok(obj)
    }

    fn replace(&mut self, rt: &ResourceType, ns: &str, name: &str, body: &Value) -> Result<Value, ClusterError> {
        let ns = rt.scope(ns);
        self.log_and_fault("PUT", &path_of(rt, ns, Some(name)))?;
        let key: Key = (rt.group.clone(), rt.plural.clone(), ns.into(), name.into());
        let Some(cur) = self.objects.get(&key).cloned() else {
            return Err(not_found(rt, name));
        };
        let want = body.pointer("/metadata/resourceVersion");
        if want.is_some() && want != cur.pointer("/metadata/resourceVersion") {
            return Err(api_error(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                     please apply your changes to the latest version and try again",
                    resource_name(rt)
                ),
            ));
        }
        self.check_size(rt, name, body)?;
        let mut obj = body.clone();
        if rt.namespaced {
            obj["metadata"]["namespace"] = ns.into();
        }
        self.stamp(rt, &mut obj, Some(&cur));
        self.objects.insert(key, obj.clone());
        Ok(obj)
    }

    fn delete(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: WriteOptions,
        resource_version: Option<&str>,
    ) -> Result<bool, ClusterError> {
        let ns = rt.scope(ns);
        self.log_and_fault("DELETE", &path_of(rt, ns, Some(name)))?;
        let key: Key = (rt.group.clone(), rt.plural.clone(), ns.into(), name.into());
        if let (Some(want), Some(obj)) = (resource_version, self.objects.get(&key)) {
            let have = obj.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default();
            if have != want {
                return Err(api_error(
                    409,
                    "Conflict",
                    format!(
                        "Operation cannot be fulfilled on {} \"{name}\": the ResourceVersion in the precondition \
                         ({want}) does not match the ResourceVersion in record ({have}). The object might have been \
                         modified",
                        rt.kind
                    ),
                ));
            }
        }
        if opts.dry_run {
            return Ok(self.objects.contains_key(&key));
        }
        if rt.kind == "Namespace" {
            // As the API server does: the namespace turns Terminating and its content goes (the
            // namespace controller's work); it is gone once something reads it again.
            let Some(namespace) = self.objects.get_mut(&key) else { return Ok(false) };
            namespace["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z".into();
            namespace["status"] = json!({"phase": "Terminating"});
            self.objects.retain(|(_, _, n, _), _| n != name);
            self.owners.retain(|(_, _, n, _), _| n != name);
            return Ok(true);
        }
        self.owners.remove(&key);
        Ok(self.objects.remove(&key).is_some())
    }

    fn get(&mut self, rt: &ResourceType, ns: &str, name: &str) -> Result<Option<Value>, ClusterError> {
        let ns = rt.scope(ns);
        self.log_and_fault("GET", &path_of(rt, ns, Some(name)))?;
        let key = (rt.group.clone(), rt.plural.clone(), ns.to_string(), name.to_string());
        let found = self.objects.get(&key).cloned();
        if rt.kind == "Namespace" && found.as_ref().is_some_and(|n| n.pointer("/metadata/deletionTimestamp").is_some())
        {
            // Its content was deleted with it: the namespace controller finalizes it.
            self.objects.remove(&key);
        }
        Ok(found)
    }

    fn list(&mut self, rt: &ResourceType, ns: Option<&str>, selector: &str) -> Result<Vec<Value>, ClusterError> {
        let ns = ns.map(|n| rt.scope(n));
        let mut path = path_of(rt, ns.unwrap_or(""), None);
        if !selector.is_empty() {
            path.push_str(&format!("?labelSelector={selector}"));
        }
        self.log_and_fault("GET", &path)?;
        Ok(self
            .objects
            .iter()
            .filter(|((g, p, n, _), o)| {
                *g == rt.group && *p == rt.plural && ns.is_none_or(|ns| ns == n) && selector_matches(o, selector)
            })
            .map(|(_, o)| o.clone())
            .collect())
    }
}

impl FakeApi {
    /// A server with the built-in kinds and one namespace, `default`.
    pub fn new() -> Self {
        let api = FakeApi {
            state: Arc::new(Mutex::new(State { types: builtin_types(), ..State::default() })),
            namespace: "default".into(),
        };
        api.add_namespace("default");
        api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a namespace (without logging a request).
    pub fn add_namespace(&self, name: &str) {
        let mut s = self.lock();
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        s.objects.insert((String::new(), "namespaces".into(), String::new(), name.into()), obj);
    }

    /// Serves another kind (a CRD's), as `group/version`.
    pub fn serve(&self, api_version: &str, kind: &str, plural: &str, namespaced: bool) {
        let (g, v) = api_version.split_once('/').unwrap_or(("", api_version));
        self.lock().types.push(rt(g, v, kind, plural, namespaced));
    }

    /// Whether applied workloads report themselves ready at once (default: they stay unready).
    pub fn set_ready(&self, ready: bool) {
        self.lock().ready = ready;
    }

    /// Makes the `times` requests with `method` whose path contains `path_contains`, after the
    /// first `skip` of them, fail with `code`.
    pub fn fail(&self, method: &str, path_contains: &str, code: u16, skip: usize, times: usize) {
        self.lock().faults.push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            code,
            skip,
            times,
        });
    }

    /// Delays every HTTP answer by `latency` (a network round trip, for benchmarks).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.lock().latency = latency;
    }

    /// Every request so far, as `METHOD path`.
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Server-side apply as another field manager (kubectl, a controller) would.
    pub fn apply_as(&self, manager: &str, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ClusterError> {
        let name = body.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        self.lock().apply(manager, rt, ns, &name, body, WriteOptions { force: true, dry_run: false })
    }

    /// The stored object, if any (no request logged).
    pub fn object(&self, rt: &ResourceType, ns: &str, name: &str) -> Option<Value> {
        let ns = rt.scope(ns);
        self.lock().objects.get(&(rt.group.clone(), rt.plural.clone(), ns.into(), name.into())).cloned()
    }

    /// `Kind namespace/name` of every stored object but namespaces, sorted.
    pub fn inventory(&self) -> Vec<String> {
        let s = self.lock();
        let kind = |g: &str, p: &str| {
            s.types.iter().find(|t| t.group == g && t.plural == p).map_or(p.to_string(), |t| t.kind.clone())
        };
        s.objects
            .keys()
            .filter(|(_, p, _, _)| p != "namespaces")
            .map(|(g, p, n, name)| format!("{} {n}/{name}", kind(g, p)))
            .collect()
    }

    /// A `kube::Client` whose requests this server answers in-process.
    pub fn client(&self) -> kube::Client {
        let api = self.clone();
        let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
            let api = api.clone();
            async move { Ok::<_, std::convert::Infallible>(api.answer(req).await) }
        });
        kube::Client::new(service, self.namespace.clone())
    }

    /// Serves this API server over plain HTTP on `listener` until the task is dropped, so
    /// that processes (the `ethwasm` binary, kubectl) can use it through a kubeconfig.
    pub async fn listen(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, _) = listener.accept().await?;
            let api = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let api = api.clone();
                    async move { Ok::<_, std::convert::Infallible>(api.answer(req).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await {
                    tracing::debug!("fake API server connection: {e}");
                }
            });
        }
    }

    /// A kubeconfig for a server listening at `addr`, with `namespace` as the context's.
    pub fn kubeconfig(addr: std::net::SocketAddr, namespace: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster:\n    \
             server: http://{addr}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    \
             namespace: {namespace}\nusers:\n- name: fake\n  user:\n    token: fake\n"
        )
    }

    /// Answers one HTTP request (after the configured latency).
    async fn answer<B: hyper::body::Body>(&self, req: http::Request<B>) -> http::Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        let latency = self.lock().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.serve_http(&parts.method, &parts.uri, &bytes)
    }

    fn serve_http(&self, method: &http::Method, uri: &http::Uri, body: &[u8]) -> http::Response<Full<Bytes>> {
        match self.route(method, uri, body) {
            Ok((code, v)) => respond(code, &v),
            // A group-version the server does not serve: the API server's mux answers in text.
            Err(ClusterError::Unserved { .. }) => http::Response::builder()
                .status(404)
                .header("content-type", "text/plain; charset=utf-8")
                .body(Full::new(Bytes::from_static(b"404 page not found\n")))
                .expect("valid response"),
            Err(ClusterError::Api { code, reason, message, causes }) => {
                let causes: Vec<Value> = causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect();
                respond(
                    code,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code, "details": {"causes": causes}}),
                )
            }
            Err(other) => {
                respond(500, &json!({"kind": "Status", "status": "Failure", "message": other.to_string(), "code": 500}))
            }
        }
    }

    /// Answers a request: the HTTP status and body, as the API server would.
    fn route(&self, method: &http::Method, uri: &http::Uri, body: &[u8]) -> Result<(u16, Value), ClusterError> {
        let query: HashMap<String, String> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_decode(v)))
            .collect();
        let segs: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
        // Discovery.
        if matches!(segs.as_slice(), ["api"] | ["apis"] | ["api", _] | ["apis", _, _]) {
            self.lock().log_and_fault(method.as_str(), uri.path())?;
        }
        match segs.as_slice() {
            ["api"] => {
                return Ok((200, json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})))
            }
            ["apis"] => {
                let s = self.lock();
                let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
                for t in s.types.iter().filter(|t| !t.group.is_empty()) {
                    groups.entry(&t.group).or_default().insert(&t.version);
                }
                let groups: Vec<Value> = groups
                    .into_iter()
                    .map(|(g, vs)| {
                        let versions: Vec<Value> =
                            vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect();
                        json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
                    })
                    .collect();
                return Ok((200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})));
            }
            ["api", v] | ["apis", _, v] => {
                let gv = if segs.len() == 2 { v.to_string() } else { format!("{}/{v}", segs[1]) };
                let s = self.lock();
                let resources: Vec<Value> = s
                    .types
                    .iter()
                    .filter(|t| t.api_version == gv)
                    .map(|t| {
                        json!({"name": t.plural, "singularName": t.kind.to_lowercase(), "namespaced": t.namespaced,
                               "kind": t.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
                    })
                    .collect();
                if resources.is_empty() {
                    return Err(ClusterError::Unserved { api_version: gv, kind: String::new() });
                }
                return Ok((
                    200,
                    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
                ));
            }
            _ => {}
        }
        let (api_version, rest) = match segs.as_slice() {
            ["api", v, rest @ ..] => (v.to_string(), rest),
            ["apis", g, v, rest @ ..] => (format!("{g}/{v}"), rest),
            _ => return Err(api_error(404, "NotFound", "no such path")),
        };
        let (ns, plural, name) = match rest {
            ["namespaces", ns, plural] => (*ns, *plural, None),
            ["namespaces", ns, plural, name] => (*ns, *plural, Some(*name)),
            [plural] => ("", *plural, None),
            [plural, name] => ("", *plural, Some(*name)),
            _ => return Err(api_error(404, "NotFound", "no such path")),
        };
        let rt = self
            .lock()
            .type_of(&api_version, plural)
            .ok_or_else(|| api_error(404, "NotFound", "the server could not find the requested resource"))?;
        let parse = || -> Result<Value, ClusterError> {
            serde_json::from_slice(body).map_err(|e| api_error(400, "BadRequest", format!("body: {e}")))
        };
        let opts = WriteOptions {
            force: query.get("force").is_some_and(|v| v == "true"),
            dry_run: query.get("dryRun").is_some_and(|v| v == "All"),
        };
        let mut s = self.lock();
        let exists = |s: &State, name: &str| {
            s.objects.contains_key(&(rt.group.clone(), rt.plural.clone(), rt.scope(ns).into(), name.into()))
        };
        match (method.as_str(), name) {
            ("GET", Some(name)) => Ok((200, s.get(&rt, ns, name)?.ok_or_else(|| not_found(&rt, name))?)),
            ("GET", None) => {
                let selector = query.get("labelSelector").cloned().unwrap_or_default();
                let all = !rt.namespaced || ns.is_empty();
                let items = s.list(&rt, if all { None } else { Some(ns) }, &selector)?;
                Ok((
                    200,
                    json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version,
                           "metadata": {"resourceVersion": s.version.to_string()}, "items": items}),
                ))
            }
            // 201 Created when the apply made the object, 200 when it changed one.
            ("PATCH", Some(name)) => {
                let manager = query.get("fieldManager").cloned().unwrap_or_default();
                let code = if exists(&s, name) { 200 } else { 201 };
                Ok((code, s.apply(&manager, &rt, ns, name, &parse()?, opts)?))
            }
            ("POST", None) => Ok((201, s.create(&rt, ns, &parse()?)?)),
            ("PUT", Some(name)) => Ok((200, s.replace(&rt, ns, name, &parse()?)?)),
            ("DELETE", Some(name)) => {
                let params = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
                let dry_run = params.get("dryRun").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
                let version = params.pointer("/preconditions/resourceVersion").and_then(Value::as_str);
                let found = s.get(&rt, ns, name)?;
                s.requests.pop();
                match found {
                    Some(obj) => {
                        s.delete(&rt, ns, name, WriteOptions { dry_run, ..opts }, version)?;
                        if rt.kind == "Namespace" {
                            // Graceful: the namespace is returned, now Terminating.
                            let terminating =
                                s.objects.get(&(String::new(), "namespaces".into(), String::new(), name.into()));
                            return Ok((200, terminating.cloned().unwrap_or(obj)));
                        }
                        let uid = obj.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
                        Ok((
                            200,
                            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                   "details": {"name": name, "group": rt.group, "kind": rt.plural, "uid": uid}}),
                        ))
                    }
                    None => {
                        s.requests.push(format!("DELETE {}", path_of(&rt, ns, Some(name))));
                        Err(not_found(&rt, name))
                    }
                }
            }
            _ => Err(api_error(405, "MethodNotAllowed", format!("{method} is not supported here"))),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(code: u16, body: &Value) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(body).expect("JSON serializes"))))
        .expect("valid response")
}

impl Cluster for FakeApi {
    fn default_namespace(&self) -> String {
        self.namespace.clone()
    }

    async fn resource(&self, api_version: &str, kind: &str) -> Result<ResourceType, ClusterError> {
        let mut s = self.lock();
        let path =
            if api_version.contains('/') { format!("/apis/{api_version}") } else { format!("/api/{api_version}") };
        s.log_and_fault("GET", &path)?;
        s.types
            .iter()
            .find(|t| t.api_version == api_version && t.kind == kind)
            .cloned()
            .ok_or_else(|| ClusterError::Unserved { api_version: api_version.into(), kind: kind.into() })
    }

    async fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Option<Value>, ClusterError> {
        self.lock().get(rt, ns, name)
    }

    async fn list(&self, rt: &ResourceType, ns: Option<&str>, selector: &str) -> Result<Vec<Value>, ClusterError> {
        self.lock().list(rt, ns, selector)
    }

    async fn apply(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError> {
        self.lock().apply(FIELD_MANAGER, rt, ns, name, body, opts)
    }

    async fn create(&self, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ClusterError> {
        self.lock().create(rt, ns, body)
    }

    async fn replace(&self, rt: &ResourceType, ns: &str, name: &str, body: &Value) -> Result<Value, ClusterError> {
        self.lock().replace(rt, ns, name, body)
    }

    async fn delete(&self, rt: &ResourceType, ns: &str, name: &str, opts: WriteOptions) -> Result<bool, ClusterError> {
        self.lock().delete(rt, ns, name, opts, None)
    }

    async fn delete_at(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        resource_version: &str,
    ) -> Result<bool, ClusterError> {
        self.lock().delete(rt, ns, name, WriteOptions::default(), Some(resource_version))
    }
}
