//! blockscout plugin: Blockscout, the execution-layer explorer (blocks, transactions, accounts,
//! contracts, tokens), next to the network: its backend (indexer and API), its frontend and its
//! PostgreSQL, reading the RPC nodes' JSON-RPC from the miners plugin's `network` output.
//!
//! Why Blockscout, the images it can run, the settings and what it costs are in
//! docs/research/execution-explorer.md. In short:
//!
//! - the only explorer that works against geth's standard JSON-RPC (Otterscan needs Erigon's
//!   `ots_` API), maintained, and what Kurtosis and the ethpandaops charts ship;
//! - its images are copied to the public registry by hand, so the newest pullable ones are the
//!   backend `ghcr.io/blockscout/blockscout:9.0.2` and the frontend
//!   `ghcr.io/blockscout/frontend:v2.3.5`, with `postgres:17`;
//! - internal transactions need geth's `debug` API (`debug_traceBlockByNumber` with the call
//!   tracer), which the RPC nodes do not serve by default (it also lets anyone who reaches them
//!   rewind the chain): off unless `internalTransactions`, which the operator pairs with
//!   `miners.rpc.httpApi`;
//! - the browser reaches the API through the frontend's own proxy (`NEXT_PUBLIC_USE_NEXT_JS_PROXY`),
//!   so one port-forward opens it; with an Ingress, its host.

mod workloads;

use ethwasm_ethereum_types::{names, Network};
use ethwasm_plugin::ingress::IngressValues;
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::Persistence;
use ethwasm_plugin::{export, keys, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;
use serde_json::{json, Value};

/// JSON Schema of the `blockscout` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The `blockscout` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub enabled: bool,
    pub backend: Part,
    pub frontend: Frontend,
    pub database: Database,
    /// Index internal transactions (needs `debug` in `miners.rpc.httpApi`).
    pub internal_transactions: bool,
    pub service: k8s::ServiceValues,
    pub ingress: IngressValues,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            enabled: false,
            backend: Part {
                image: Image::default(),
                resources: json!({ "requests": { "cpu": "250m", "memory": "1Gi" }, "limits": { "cpu": "1", "memory": "2Gi" } }),
            },
            frontend: Frontend::default(),
            database: Database::default(),
            internal_transactions: false,
            service: k8s::ServiceValues::default(),
            ingress: IngressValues::default(),
            placement: k8s::Placement::default(),
        }
    }
}

/// One container's image and resources.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Part {
    pub image: Image,
    pub resources: Value,
}

impl Default for Part {
    fn default() -> Self {
        Part { image: Image::default(), resources: json!({}) }
    }
}

/// `blockscout.frontend`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Frontend {
    /// Off: the backend's API alone.
    pub enabled: bool,
    pub image: Image,
    pub resources: Value,
}

impl Default for Frontend {
    fn default() -> Self {
        Frontend {
            enabled: true,
            image: Image::default(),
            resources: json!({ "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "cpu": "1", "memory": "1Gi" } }),
        }
    }
}

/// `blockscout.database`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Database {
    pub image: Image,
    pub resources: Value,
    pub persistence: Persistence,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            image: Image::default(),
            resources: json!({ "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "cpu": "1", "memory": "1Gi" } }),
            persistence: Persistence::sized("10Gi"),
        }
    }
}

/// The plugin.
pub struct Blockscout;

impl Plugin for Blockscout {
    fn info() -> Info {
        Info::new(
            "blockscout",
            env!("CARGO_PKG_VERSION"),
            "Blockscout, the execution-layer explorer, with its database",
        )
        .requires(&[names::NETWORK])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let network: Network = input.input(names::NETWORK)?;
        render(input.release(), &values, &network, &mut |label, n| keys::derive(label, n))
    }
}

/// Renders the explorer for `release`; `derive(label, n)` gives the release's derived bytes (the
/// database password and the backend's secret key base).
pub fn render(
    release: &Release,
    v: &Values,
    network: &Network,
    derive: &mut dyn FnMut(&str, u32) -> Vec<u8>,
) -> Result<Output, PluginError> {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    if !v.enabled {
        return Ok(Output::new());
    }
    let Some(rpc) = &network.rpc_http else {
        return Err(PluginError::InvalidValues(
            "blockscout.enabled: Blockscout indexes the RPC nodes' JSON-RPC; set global.topology.rpcNodes to 1 or more"
                .into(),
        ));
    };
    let secret_name = format!("{release}-blockscout");
    let password = keys::password_from_bytes(&derive("blockscout/database-password", 64), 32);
    let key_base = keys::password_from_bytes(&derive("blockscout/secret-key-base", 128), 64);
    let secret =
        k8s::secret(&secret_name, [("database-password", password.as_str()), ("secret-key-base", key_base.as_str())]);
    let w = workloads::Ctx { release, v, network, rpc, secret: &secret_name };
    let mut out = Output::new().manifest(secret);
    for o in workloads::database(&w).into_iter().chain(workloads::backend(&w)).chain(workloads::frontend(&w)) {
        out = out.manifest(o);
    }
    let front =
        if v.frontend.enabled { format!("{release}-blockscout-frontend") } else { format!("{release}-blockscout") };
    let notes = format!(
        "Execution explorer (Blockscout): kubectl -n {namespace} port-forward svc/{front} 3000:{port}, then open \
         http://localhost:3000 (it indexes from block 0: a few minutes on a new chain){internal}",
        port = v.service.port,
        internal = if v.internal_transactions {
            ""
        } else {
            "; internal transactions are off (blockscout.internalTransactions, with debug in miners.rpc.httpApi)"
        },
    );
    let labels = k8s::component_labels(release, "blockscout", "frontend");
    Ok(v.ingress.attach(out, notes, &front, &labels, &front, v.service.port))
}

export!(Blockscout);

#[cfg(test)]
mod tests;
