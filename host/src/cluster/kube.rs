//! `Cluster` over kube-rs: a real API server, reached through a kubeconfig or from inside a pod.

use super::{Cause, Cluster, ClusterError, ResourceType, WriteOptions, FIELD_MANAGER};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, Preconditions,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Discovery answers by group-version (an empty list: not served).
type DiscoveryCache = HashMap<String, Arc<Vec<ResourceType>>>;

/// A connected cluster, with discovery answers cached per group-version.
#[derive(Clone)]
pub struct KubeCluster {
    client: Client,
    discovered: Arc<Mutex<DiscoveryCache>>,
    /// The API server's URL, for messages (empty when unknown).
    server: Arc<str>,
}

impl std::fmt::Debug for KubeCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeCluster").field("namespace", &self.client.default_namespace()).finish()
    }
}

/// Where the cluster's configuration comes from.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// A kubeconfig file (otherwise $KUBECONFIG, ~/.kube/config, or the pod's service account).
    pub kubeconfig: Option<std::path::PathBuf>,
    /// A context in the kubeconfig (otherwise its current context).
    pub context: Option<String>,
}

impl KubeCluster {
    /// Wraps a client (a real one, or one over a test service).
    pub fn new(client: Client) -> Self {
        KubeCluster { client, discovered: Arc::default(), server: Arc::from("") }
    }

    /// Connects as kubectl would: --kubeconfig, else $KUBECONFIG or ~/.kube/config, else the
    /// in-cluster service account.
    pub async fn connect(how: &Connect) -> Result<Self, ClusterError> {
        let options = KubeConfigOptions { context: how.context.clone(), ..Default::default() };
        let config = match &how.kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path).map_err(|e| kubeconfig_error(Some(path), &e))?;
                unknown_context(&file, how.context.as_deref(), Some(path))?;
                Config::from_custom_kubeconfig(file, &options).await.map_err(|e| kubeconfig_error(Some(path), &e))?
            }
            None if how.context.is_some() => {
                if let Ok(file) = Kubeconfig::read() {
                    unknown_context(&file, how.context.as_deref(), None)?;
                }
                Config::from_kubeconfig(&options).await.map_err(|e| kubeconfig_error(None, &e))?
            }
            None => Config::infer().await.map_err(|e| {
                ClusterError::Transport(format!(
                    "no cluster configuration: {e}; pass --kubeconfig, set KUBECONFIG, or run inside a pod"
                ))
            })?,
        };
        let server: Arc<str> = Arc::from(config.cluster_url.to_string().trim_end_matches('/'));
        let client = Client::try_from(config)
            .map_err(|e| ClusterError::Transport(format!("cannot set up the Kubernetes client: {e}")))?;
        Ok(KubeCluster { server, ..KubeCluster::new(client) })
    }

    /// kube's error as ours, naming the API server when it could not be reached.
    fn convert(&self, e: kube::Error) -> ClusterError {
        match convert(e) {
            ClusterError::Transport(t) if !self.server.is_empty() => {
                ClusterError::Transport(format!("API server {}: {t}", self.server))
            }
            other => other,
        }
    }

    /// The kube-rs client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn api(&self, rt: &ResourceType, ns: Option<&str>) -> Api<DynamicObject> {
        let ar = ApiResource {
            group: rt.group.clone(),
            version: rt.version.clone(),
            api_version: rt.api_version.clone(),
            kind: rt.kind.clone(),
            plural: rt.plural.clone(),
        };
        match ns {
            Some(ns) if rt.namespaced => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        }
    }

    /// The discovery cache; a panic elsewhere while it was held leaves it usable (every entry
    /// is written whole).
    fn cache(&self) -> std::sync::MutexGuard<'_, DiscoveryCache> {
        self.discovered.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn group_version(&self, api_version: &str) -> Result<Arc<Vec<ResourceType>>, ClusterError> {
        if let Some(hit) = self.cache().get(api_version) {
            return Ok(hit.clone());
        }
        let list = if api_version.contains('/') {
            self.client.list_api_group_resources(api_version).await
        } else {
            self.client.list_core_api_resources(api_version).await
        };
        let list = match list {
            Ok(l) => l,
            // A group-version the cluster does not serve: remembered as serving nothing.
            Err(kube::Error::Api(s)) if s.code == 404 => Default::default(),
            Err(e) => return Err(self.convert(e)),
        };
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let types: Vec<ResourceType> = list
            .resources
            .into_iter()
            .filter(|r| !r.name.contains('/'))
            .map(|r| ResourceType {
                api_version: api_version.to_string(),
                group: group.clone(),
                version: version.clone(),
                kind: r.kind,
                plural: r.name,
                namespaced: r.namespaced,
            })
            .collect();
        let types = Arc::new(types);
        self.cache().insert(api_version.to_string(), types.clone());
        Ok(types)
    }
}

/// A `--context` the kubeconfig does not have, named with the contexts it has.
fn unknown_context(file: &Kubeconfig, context: Option<&str>, path: Option<&Path>) -> Result<(), ClusterError> {
    let Some(wanted) = context else { return Ok(()) };
    let names: Vec<&str> = file.contexts.iter().map(|c| c.name.as_str()).collect();
    if names.contains(&wanted) {
        return Ok(());
    }
    let have = if names.is_empty() { "none".to_string() } else { names.join(", ") };
    Err(kubeconfig_error(
        path,
        &format!("it has no context `{wanted}` (its contexts: {have}); pass --kube-context NAME"),
    ))
}

fn kubeconfig_error(path: Option<&Path>, e: &dyn std::fmt::Display) -> ClusterError {
    match path {
        Some(p) => ClusterError::Transport(format!("kubeconfig {}: {e}", p.display())),
        None => ClusterError::Transport(format!("kubeconfig: {e}")),
    }
}

/// kube's error as ours: API statuses keep code, reason, message and causes.
fn convert(e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(s) => ClusterError::Api {
            code: s.code,
            reason: s.reason.clone(),
            message: s.message.clone(),
            causes: s
                .details
                .as_ref()
                .map(|d| {
                    d.causes
                        .iter()
                        .map(|c| Cause { reason: c.reason.clone(), message: c.message.clone(), field: c.field.clone() })
                        .collect()
                })
                .unwrap_or_default(),
        },
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(&other);
            while let Some(s) = source {
                let more = s.to_string();
                if !text.contains(&more) {
                    text.push_str(": ");
                    text.push_str(&more);
                }
                source = s.source();
            }
            ClusterError::Transport(text)
        }
    }
}

fn to_value(o: DynamicObject) -> Value {
    serde_json::to_value(o).expect("objects serialize")
}

fn from_value(v: &Value) -> Result<DynamicObject, ClusterError> {
    serde_json::from_value(v.clone()).map_err(|e| ClusterError::Transport(format!("not a Kubernetes object: {e}")))
}

impl Cluster for KubeCluster {
    fn default_namespace(&self) -> String {
        self.client.default_namespace().to_string()
    }

    fn forget(&self, api_version: &str) {
        self.cache().remove(api_version);
    }

    async fn resource(&self, api_version: &str, kind: &str) -> Result<ResourceType, ClusterError> {
        let types = self.group_version(api_version).await?;
        types
            .iter()
            .find(|t| t.kind == kind)
            .cloned()
            .ok_or_else(|| ClusterError::Unserved { api_version: api_version.into(), kind: kind.into() })
    }

    async fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Option<Value>, ClusterError> {
        Ok(self.api(rt, Some(ns)).get_opt(name).await.map_err(|e| self.convert(e))?.map(to_value))
    }

    async fn list(&self, rt: &ResourceType, ns: Option<&str>, selector: &str) -> Result<Vec<Value>, ClusterError> {
        let lp = ListParams::default().labels(selector);
        let list = self.api(rt, ns).list(&lp).await.map_err(|e| self.convert(e))?;
        Ok(list
            .items
            .into_iter()
            .map(|mut o| {
                // Items of a list carry no type; give them theirs back.
                o.types = Some(kube::api::TypeMeta { api_version: rt.api_version.clone(), kind: rt.kind.clone() });
                to_value(o)
            })
            .collect())
    }

    async fn apply(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        body: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError> {
        let mut pp = PatchParams::apply(FIELD_MANAGER);
        pp.force = opts.force;
        pp.dry_run = opts.dry_run;
        let o = self.api(rt, Some(ns)).patch(name, &pp, &Patch::Apply(body)).await.map_err(|e| self.convert(e))?;
        Ok(to_value(o))
    }

    async fn create(&self, rt: &ResourceType, ns: &str, body: &Value) -> Result<Value, ClusterError> {
        let pp = PostParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() };
        Ok(to_value(self.api(rt, Some(ns)).create(&pp, &from_value(body)?).await.map_err(|e| self.convert(e))?))
    }

    async fn replace(&self, rt: &ResourceType, ns: &str, name: &str, body: &Value) -> Result<Value, ClusterError> {
        let pp = PostParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() };
        Ok(to_value(self.api(rt, Some(ns)).replace(name, &pp, &from_value(body)?).await.map_err(|e| self.convert(e))?))
    }

    async fn delete(&self, rt: &ResourceType, ns: &str, name: &str, opts: WriteOptions) -> Result<bool, ClusterError> {
        let mut dp = DeleteParams::background();
        dp.dry_run = opts.dry_run;
        match self.api(rt, Some(ns)).delete(name, &dp).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(self.convert(e)),
        }
    }

    async fn delete_at(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        resource_version: &str,
    ) -> Result<bool, ClusterError> {
        let dp = DeleteParams::background()
            .preconditions(Preconditions { resource_version: Some(resource_version.into()), uid: None });
        match self.api(rt, Some(ns)).delete(name, &dp).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(self.convert(e)),
        }
    }
}
