//! The cluster behind a small trait: discovery, get, list, server-side apply, create, replace
//! and delete of JSON objects. `KubeCluster` speaks to an API server through kube-rs: a real
//! one, or in tests the in-memory fake of the `fake-apiserver` crate, reached through the
//! `kube::Client` it provides.

pub mod kube;

use serde_json::Value;

/// The field manager ethwasm applies with.
pub(crate) const FIELD_MANAGER: &str = "ethwasm";

/// A kind the cluster serves: where its objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `v1` or `group/version`.
    pub api_version: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural resource name in URLs (`statefulsets`).
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    /// A resource type from its parts (`group` "" for the core group).
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
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

    /// The namespace to use for an object of this type: `ns` for namespaced kinds, "" otherwise.
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
pub struct WriteOptions {
    /// Server-side apply takes fields other managers own.
    pub force: bool,
    /// `dryRun=All`: the server checks and answers, and stores nothing.
    pub dry_run: bool,
}

/// One cause of an API error (a conflicting field, an invalid value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// What the API server (or the way to it) said.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// The server answered with an error status.
    #[error("{message} ({code} {reason})")]
    Api { code: u16, reason: String, message: String, causes: Vec<Cause> },
    /// The server does not serve this kind.
    #[error(
        "the cluster does not serve {kind} in {api_version}; install its CustomResourceDefinition or API first, \
         or drop the plugin that renders it"
    )]
    Unserved { api_version: String, kind: String },
    /// No answer: connection, TLS, authentication setup.
    #[error("{0}")]
    Transport(String),
}

impl ClusterError {
    /// HTTP status code, when the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A 404.
    pub(crate) fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    /// A 409 (already exists, stale resourceVersion, or an apply conflict).
    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }
}

/// A cluster error about one object, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{action} {object}: {detail}")]
pub struct ObjectError {
    pub action: &'static str,
    /// `Kind namespace/name`.
    pub object: String,
    pub detail: String,
    /// What the server (or the way to it) said; its text is in `detail`, so it is not the
    /// error's `source` (which would print it twice).
    pub cause: ClusterError,
}

impl ObjectError {
    /// Wraps `source`; server-side apply conflicts are spelled out field by field.
    pub fn new(action: &'static str, object: impl std::fmt::Display, source: ClusterError) -> Self {
        let detail = match &source {
            ClusterError::Api { code: 409, causes, .. }
                if causes.iter().any(|c| c.reason == "FieldManagerConflict") =>
            {
                let fields: Vec<String> = causes
                    .iter()
                    .filter(|c| c.reason == "FieldManagerConflict")
                    .map(|c| format!("field {} is owned by another manager ({})", c.field, c.message))
                    .collect();
                format!(
                    "server-side apply conflict: {}; rerun with --force-conflicts to take ownership of these fields",
                    fields.join("; ")
                )
            }
            ClusterError::Api { message, code, reason, .. } => {
                format!("the API server said: {message} ({code} {reason})")
            }
            ClusterError::Transport(text) => format!(
                "cannot reach the API server: {text}; check --kubeconfig / --kube-context and that the cluster is up"
            ),
            other => other.to_string(),
        };
        ObjectError { action, object: object.to_string(), detail, cause: source }
    }
}

/// What ethwasm needs from a cluster. Objects are JSON; `ns` is "" for cluster-scoped kinds.
#[allow(async_fn_in_trait)]
pub trait Cluster {
    /// The namespace the client's configuration names (kubeconfig context, in-cluster pod).
    fn default_namespace(&self) -> String;
    /// Discovery: the resource serving `kind` in `api_version`.
    async fn resource(&self, api_version: &str, kind: &str) -> Result<ResourceType, ClusterError>;
    /// Forgets what discovery said about `api_version` (a definition of it was just
    /// established), so the next `resource` asks again.
    fn forget(&self, api_version: &str);
    /// One object, or None when it does not exist.
    async fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Option<Value>, ClusterError>;
    /// Objects matching a label selector, in `ns` (None: all namespaces).
    async fn list(&self, rt: &ResourceType, ns: Option<&str>, selector: &str) -> Result<Vec<Value>, ClusterError>;
    /// Server-side apply with field manager `ethwasm`; returns the object as the server has it.
    async fn apply(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError>;
    /// Creates an object; a 409 when it exists.
    async fn create(&self, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ClusterError>;
    /// Replaces an object; a 409 when `metadata.resourceVersion` is stale.
    async fn replace(&self, rt: &ResourceType, ns: &str, name: &str, body: &Value) -> Result<Value, ClusterError>;
    /// Deletes an object (background propagation); false when it was already gone.
    async fn delete(&self, rt: &ResourceType, ns: &str, name: &str, opts: WriteOptions) -> Result<bool, ClusterError>;
    /// Deletes an object only if it is still at `resource_version` (a 409 otherwise); false
    /// when it was already gone.
    async fn delete_at(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        resource_version: &str,
    ) -> Result<bool, ClusterError>;
}

/// Resource types of the kinds ethwasm itself reads and writes.
pub mod builtin {
    use super::ResourceType;

    fn rt(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceType {
        ResourceType::new(group, version, kind, plural, namespaced)
    }

    /// v1 Secret.
    pub fn secret() -> ResourceType {
        rt("", "v1", "Secret", "secrets", true)
    }
    /// v1 Namespace.
    pub fn namespace() -> ResourceType {
        rt("", "v1", "Namespace", "namespaces", false)
    }
    /// coordination.k8s.io/v1 Lease.
    pub fn lease() -> ResourceType {
        rt("coordination.k8s.io", "v1", "Lease", "leases", true)
    }
    /// v1 ConfigMap.
    pub fn config_map() -> ResourceType {
        rt("", "v1", "ConfigMap", "configmaps", true)
    }
    /// apps/v1 StatefulSet.
    pub fn stateful_set() -> ResourceType {
        rt("apps", "v1", "StatefulSet", "statefulsets", true)
    }
    /// apps/v1 Deployment.
    pub fn deployment() -> ResourceType {
        rt("apps", "v1", "Deployment", "deployments", true)
    }
    /// v1 Pod.
    pub fn pod() -> ResourceType {
        rt("", "v1", "Pod", "pods", true)
    }
    /// v1 PersistentVolumeClaim.
    pub fn persistent_volume_claim() -> ResourceType {
        rt("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true)
    }
}

impl crate::error::Classify for ClusterError {
    fn class(&self) -> crate::error::Class {
        crate::error::Class::Cluster
    }
}

impl crate::error::Classify for ObjectError {
    fn class(&self) -> crate::error::Class {
        crate::error::Class::Cluster
    }
}
