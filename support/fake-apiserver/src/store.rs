//! The fake's storage and its API semantics: what each verb does to the stored objects, with
//! the API server's validation, field ownership and error wording. No HTTP here.

use crate::{ApiError, Cause};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The field manager a create's fields are recorded under: ethwasm's, the fake's only creator.
const CREATE_MANAGER: &str = "ethwasm";

/// A kind the fake serves: where its objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceType {
    /// `v1` or `group/version`.
    pub(crate) api_version: String,
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    /// The plural resource name in URLs (`statefulsets`).
    pub(crate) plural: String,
    pub(crate) namespaced: bool,
}

impl ResourceType {
    /// A resource type from its parts (`group` "" for the core group).
    pub(crate) fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        let api_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
        ResourceType {
            api_version,
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    /// The namespace an object of this type lives in: `ns` for namespaced kinds, "" otherwise.
    pub(crate) fn scope<'a>(&self, ns: &'a str) -> &'a str {
        if self.namespaced {
            ns
        } else {
            ""
        }
    }
}

/// How a write is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriteOptions {
    /// Server-side apply takes fields other managers own.
    pub(crate) force: bool,
    /// `dryRun=All`: check and answer, store nothing.
    pub(crate) dry_run: bool,
}

pub(crate) type Key = (String, String, String, String); // (api group, plural, namespace, name)

#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub(crate) method: String,
    pub(crate) path_contains: String,
    pub(crate) code: u16,
    pub(crate) skip: usize,
    pub(crate) times: usize,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) types: Vec<ResourceType>,
    pub(crate) objects: BTreeMap<Key, Value>,
    /// Field path -> manager, per object.
    pub(crate) owners: HashMap<Key, BTreeMap<String, String>>,
    pub(crate) version: u64,
    pub(crate) requests: Vec<String>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) ready: bool,
    pub(crate) latency: std::time::Duration,
}

fn rt(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceType {
    ResourceType::new(group, version, kind, plural, namespaced)
}

pub(crate) fn builtin_types() -> Vec<ResourceType> {
    vec![
        rt("", "v1", "Namespace", "namespaces", false),
        rt("", "v1", "Secret", "secrets", true),
        rt("", "v1", "ConfigMap", "configmaps", true),
        rt("", "v1", "Service", "services", true),
        rt("", "v1", "ServiceAccount", "serviceaccounts", true),
        rt("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        rt("", "v1", "Pod", "pods", true),
        rt("", "v1", "Endpoints", "endpoints", true),
        rt("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
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

pub(crate) fn api_error(code: u16, reason: &str, message: impl Into<String>) -> ApiError {
    ApiError { code, reason: reason.into(), message: message.into(), causes: Vec::new() }
}

/// How the API server names a resource in messages: `configmaps`, `statefulsets.apps`.
fn resource_name(rt: &ResourceType) -> String {
    if rt.group.is_empty() {
        rt.plural.clone()
    } else {
        format!("{}.{}", rt.plural, rt.group)
    }
}

pub(crate) fn not_found(rt: &ResourceType, name: &str) -> ApiError {
    api_error(404, "NotFound", format!("{} \"{name}\" not found", resource_name(rt)))
}

/// The API server's name rules: a DNS-1123 label for namespaces, a DNS-1123 subdomain for the
/// rest; a 422 Invalid with a FieldValueInvalid cause, worded as the API server words it.
fn validate_name(rt: &ResourceType, name: &str) -> Result<(), ApiError> {
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
            Err(ApiError {
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
pub(crate) fn path_of(rt: &ResourceType, ns: &str, name: Option<&str>) -> String {
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
    pub(crate) fn log_and_fault(&mut self, method: &str, path: &str) -> Result<(), ApiError> {
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

    pub(crate) fn type_of(&self, api_version: &str, plural: &str) -> Option<ResourceType> {
        self.types.iter().find(|t| t.api_version == api_version && t.plural == plural).cloned()
    }

    pub(crate) fn type_of_kind(&self, api_version: &str, kind: &str) -> Result<ResourceType, ApiError> {
        self.types
            .iter()
            .find(|t| t.api_version == api_version && t.kind == kind)
            .cloned()
            .ok_or_else(|| api_error(404, "NotFound", "the server could not find the requested resource"))
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
        if rt.kind == "CustomResourceDefinition" {
            // The apiextensions controller's work, at once: names accepted, Established.
            obj["status"] = json!({
                "acceptedNames": obj.pointer("/spec/names").cloned().unwrap_or_else(|| json!({})),
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
                ],
            });
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

    fn check_size(&self, rt: &ResourceType, name: &str, obj: &Value) -> Result<(), ApiError> {
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
            return Err(ApiError {
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
    fn ensure_namespace(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<(), ApiError> {
        if !rt.namespaced {
            return Ok(());
        }
        let Some(namespace) = self.objects.get(&(String::new(), "namespaces".into(), String::new(), ns.into())) else {
            return Err(api_error(404, "NotFound", format!("namespaces \"{ns}\" not found")));
        };
        if namespace.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ApiError {
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

    pub(crate) fn apply(
        &mut self,
        manager: &str,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        patch: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ApiError> {
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
                return Err(ApiError {
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
        self.define(rt, &result);
        Ok(result)
    }

    /// Serves the kinds an Established CustomResourceDefinition defines (every served version).
    fn define(&mut self, rt: &ResourceType, crd: &Value) {
        if rt.kind != "CustomResourceDefinition" {
            return;
        }
        let s = |p: &str| crd.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
        let (group, kind, plural) = (s("/spec/group"), s("/spec/names/kind"), s("/spec/names/plural"));
        let namespaced = s("/spec/scope") != "Cluster";
        for v in crd.pointer("/spec/versions").and_then(Value::as_array).into_iter().flatten() {
            let served = v.get("served").and_then(Value::as_bool).unwrap_or(true);
            let Some(version) = v.get("name").and_then(Value::as_str).filter(|_| served) else { continue };
            let t = ResourceType::new(&group, version, &kind, &plural, namespaced);
            if !self.types.contains(&t) {
                self.types.push(t);
            }
        }
    }

    /// Stops serving what a deleted CustomResourceDefinition defined, and drops its objects.
    fn undefine(&mut self, crd: &Value) {
        let s = |p: &str| crd.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
        let (group, plural) = (s("/spec/group"), s("/spec/names/plural"));
        self.types.retain(|t| !(t.group == group && t.plural == plural));
        self.objects.retain(|(g, p, _, _), _| !(*g == group && *p == plural));
        self.owners.retain(|(g, p, _, _), _| !(*g == group && *p == plural));
    }

    pub(crate) fn create(&mut self, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ApiError> {
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
        self.owners.insert(key.clone(), owned.into_keys().map(|p| (p, CREATE_MANAGER.to_string())).collect());
        self.objects.insert(key, obj.clone());
        Ok(obj)
    }

    pub(crate) fn replace(&mut self, rt: &ResourceType, ns: &str, name: &str, body: &Value) -> Result<Value, ApiError> {
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

    pub(crate) fn delete(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: WriteOptions,
        resource_version: Option<&str>,
    ) -> Result<bool, ApiError> {
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
        let removed = self.objects.remove(&key);
        if let Some(crd) = removed.as_ref().filter(|_| rt.kind == "CustomResourceDefinition") {
            self.undefine(crd);
        }
        Ok(removed.is_some())
    }

    pub(crate) fn get(&mut self, rt: &ResourceType, ns: &str, name: &str) -> Result<Option<Value>, ApiError> {
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

    pub(crate) fn list(&mut self, rt: &ResourceType, ns: Option<&str>, selector: &str) -> Result<Vec<Value>, ApiError> {
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
