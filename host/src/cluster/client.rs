//! What ethwasm needs from a cluster: the [`Cluster`] trait, and how it writes ([`WriteOptions`],
//! [`FIELD_MANAGER`]).

use super::{ClusterError, ResourceType};
use serde_json::Value;

/// The field manager ethwasm applies with.
pub(crate) const FIELD_MANAGER: &str = "ethwasm";

/// How a write is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Server-side apply takes fields other managers own.
    pub force: bool,
    /// `dryRun=All`: the server checks and answers, and stores nothing.
    pub dry_run: bool,
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
