//! dora plugin: the beacon chain explorer (ethpandaops/dora) next to a proof-of-stake network,
//! reading every beacon node's API and the RPC nodes' JSON-RPC, which it finds in the miners
//! plugin's `network` output. Slots, proposals, attestations, validators, finality and the
//! clients' peers, within a minute of `deploy`.
//!
//! Renders a ConfigMap with dora's config file, a StatefulSet of one pod (sqlite allows one
//! writer; its database on a claim, or an emptyDir) and a Service, and optionally an Ingress.
//! Every choice below follows dora's own sources at the pinned tag, cited in
//! docs/research/dora.md:
//!
//! - dora merges no defaults into a config file it is given, so the file names every setting
//!   it needs (server port, frontend, database engine); it asks each beacon node for the chain
//!   spec (`/eth/v1/config/spec`), so no spec file is mounted;
//! - the file is written as JSON, which dora's YAML reader takes as it is (JSON is YAML's flow
//!   style), and a change of it rolls the pod (`ethwasm.io/config-hash`);
//! - readiness is `GET /index/data` (404 until dora has a beacon node's spec), liveness and
//!   start-up `GET /robots.txt` (a static file served as soon as it listens): dora has no health
//!   endpoint.

use ethwasm_ethereum_types::{names, Consensus, Network};
use ethwasm_plugin::ingress::IngressValues;
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::{self, Container, Persistence, Pod};
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// JSON Schema of the `dora` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// ethpandaops/dora's newest release when pinned (2026-07-22; docs/research/dora.md).
const REPOSITORY: &str = "ethpandaops/dora";
const TAG: &str = "v1.24.3";
/// dora's HTTP port (its Dockerfile's `EXPOSE 8080`).
const PORT: u16 = 8080;
const CONFIG_DIR: &str = "/config";
const DATA: &str = "/data";

/// The `dora` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub enabled: bool,
    pub image: Image,
    /// The explorer's title; empty: `<release> explorer`.
    pub site_name: String,
    pub service: k8s::ServiceValues,
    pub ingress: IngressValues,
    /// Its sqlite database and state cache; off, an emptyDir (dora indexes again from the beacon
    /// nodes after a restart).
    #[serde(deserialize_with = "persistence")]
    pub persistence: Persistence,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            enabled: true,
            image: Image::default(),
            site_name: String::new(),
            service: k8s::ServiceValues::default(),
            ingress: IngressValues::default(),
            persistence: default_persistence(),
            placement: k8s::Placement {
                resources: json!({ "requests": { "cpu": "100m", "memory": "256Mi" },
                                   "limits": { "cpu": "1", "memory": "2Gi" } }),
                ..k8s::Placement::default()
            },
        }
    }
}

/// Off (an emptyDir), with 2Gi claims when turned on.
fn default_persistence() -> Persistence {
    Persistence { enabled: false, ..Persistence::sized("2Gi") }
}

fn persistence<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Persistence, D::Error> {
    ethwasm_plugin::deserialize_over(default_persistence(), d)
}

/// The plugin.
pub struct Dora;

impl Plugin for Dora {
    fn info() -> Info {
        Info::new("dora", env!("CARGO_PKG_VERSION"), "dora, the beacon chain explorer, reading every beacon node")
            .requires(&[names::NETWORK])
            .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let network: Network = input.input(names::NETWORK)?;
        render(input.release(), &values, &network)
    }
}

/// dora's config file for `network` (JSON, which dora's YAML reader takes).
pub fn config(release: &str, v: &Values, network: &Network) -> Value {
    let site = if v.site_name.is_empty() { format!("{release} explorer") } else { v.site_name.clone() };
    let beacon: Vec<Value> = network.beacon_nodes.iter().map(|e| json!({ "name": e.name, "url": e.url })).collect();
    let execution: Vec<Value> = network.rpc_nodes.iter().map(|e| json!({ "name": e.name, "url": e.url })).collect();
    json!({
        "logging": { "outputLevel": "info" },
        "chain": { "displayName": release },
        "server": { "host": "0.0.0.0", "port": PORT.to_string() },
        "frontend": {
            "enabled": true, "siteName": site, "siteSubtitle": format!("chain {}", network.chain_id),
            "showPeerDASInfos": true, "showSensitivePeerInfos": true,
        },
        "api": { "enabled": true },
        "beaconapi": { "endpoints": beacon, "localCacheSize": 10 },
        "executionapi": { "endpoints": execution, "logBatchSize": 1000, "depositDeployBlock": 0, "electraDeployBlock": 0 },
        "indexer": {
            "inMemoryEpochs": 3, "syncEpochCooldown": 1, "maxParallelValidatorSetRequests": 2,
            "stateCache": { "enabled": true, "path": format!("{DATA}/statecache"), "maxStates": 3 },
        },
        "executionIndexer": { "enabled": false },
        "txsig": { "disableSourcify": true, "disable4Bytes": true },
        "database": { "engine": "sqlite", "sqlite": { "file": format!("{DATA}/dora.sqlite") } },
        "blockDb": { "engine": "none" },
    })
}

/// Renders the explorer for `release`; nothing (and a note) for a network without beacon nodes.
pub fn render(release: &Release, v: &Values, network: &Network) -> Result<Output, PluginError> {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    if !v.enabled {
        return Ok(Output::new());
    }
    if network.consensus != Some(Consensus::Pos) || network.beacon_nodes.is_empty() {
        return Ok(Output::new().notes("dora: a beacon chain explorer, for proof of stake only; this network has none"));
    }
    let name = format!("{release}-dora");
    let labels = k8s::component_labels(release, "dora", "explorer");
    let selector = k8s::selector(release, "dora");
    let text = serde_json::to_string_pretty(&config(release, v, network))
        .map_err(|e| PluginError::Failed(format!("dora config: {e}")))?;
    let digest: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let mut config_map = k8s::config_map(&name, [("dora-config.yaml", text.as_str())]);
    config_map["metadata"]["labels"] = labels.clone();
    let container = Container::new("dora", &v.image.reference(REPOSITORY, TAG), v.image.pull_policy())
        .args(["-config", &format!("{CONFIG_DIR}/dora-config.yaml")])
        .ports([workload::container_port("http", PORT, "TCP")])
        .mounts([
            workload::read_only_mount("config", CONFIG_DIR),
            workload::mount("data", DATA),
            workload::mount("tmp", "/tmp"),
        ])
        .http_readiness("/index/data", "http")
        .startup(workload::http_probe("/robots.txt", "http", 10, 30))
        .liveness(workload::http_probe("/robots.txt", "http", 30, 4));
    let pod = Pod::new(&labels)
        .annotation("ethwasm.io/config-hash", &digest)
        .volumes([workload::config_map_volume("config", &name), workload::empty_dir_volume("tmp")])
        .volumes(v.persistence.scratch_volume("data"))
        .container(container)
        .placement(&v.placement);
    let sts = workload::stateful_set(&name, &name, 1, &selector, pod, v.persistence.claim_template("data"));
    let service =
        k8s::service(&name, &labels, &selector, &v.service.type_, vec![k8s::port("http", v.service.port, "TCP")]);
    let notes = format!(
        "Beacon chain explorer (dora): kubectl -n {namespace} port-forward svc/{name} 8088:{port}, then open \
         http://localhost:8088",
        port = v.service.port
    );
    let out = Output::new().manifest(config_map).manifest(sts).manifest(service);
    Ok(v.ingress.attach(out, notes, &name, &labels, &name, v.service.port))
}

export!(Dora);

#[cfg(test)]
mod tests;
