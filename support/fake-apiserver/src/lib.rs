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
//! Reach it over HTTP: in-process through [`FakeApi::client`], a `kube::Client` whose requests
//! go to this server without a socket, or from other processes through [`FakeApi::listen`] and
//! a [`FakeApi::kubeconfig`]. Every request is logged (`METHOD path`), and faults can be
//! injected by method and path. It knows nothing of ethwasm's types, so it depends on no part
//! of the product it tests.

mod server;
mod store;
#[cfg(test)]
mod tests;

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use store::{builtin_types, Fault, ResourceType, State, WriteOptions};

/// One cause of an API error (a conflicting field, an invalid value), as in a `Status`'s details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldManagerConflict`, `FieldValueInvalid`, ...
    pub reason: String,
    /// What is wrong with the field, worded as the API server words it.
    pub message: String,
    /// The field's path (`.spec.replicas`, `metadata.name`).
    pub field: String,
}

/// An error status the fake answers with, as a `Status` object carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status code (404, 409, 422, ...).
    pub code: u16,
    /// The machine-readable reason (`NotFound`, `Conflict`, `Invalid`, ...).
    pub reason: String,
    /// The message, worded as the API server words it.
    pub message: String,
    /// The details' causes (empty for most errors).
    pub causes: Vec<Cause>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.message, self.code, self.reason)
    }
}

impl std::error::Error for ApiError {}

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
        self.lock().types.push(ResourceType::new(g, v, kind, plural, namespaced));
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

    /// Server-side apply of `body` (a `kind` in `api_version`) as another field manager would
    /// (kubectl, a controller), forcing; logged as its PATCH, and subject to injected faults.
    pub fn apply_as(
        &self,
        manager: &str,
        api_version: &str,
        kind: &str,
        ns: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let name = body.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut s = self.lock();
        let rt = s.type_of_kind(api_version, kind)?;
        s.apply(manager, &rt, ns, &name, body, WriteOptions { force: true, dry_run: false })
    }

    /// The stored `kind` in `api_version` named `name` (in `ns` if namespaced), if any (no
    /// request logged).
    pub fn object(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let s = self.lock();
        let rt = s.type_of_kind(api_version, kind).ok()?;
        s.objects.get(&(rt.group.clone(), rt.plural.clone(), rt.scope(ns).into(), name.into())).cloned()
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
}
