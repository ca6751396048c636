//! faucet plugin: a web faucet (chainflag/eth-faucet) that pays a fixed amount per request from
//! the faucet account the genesis funds (the secrets plugin's `tool-accounts` output), through
//! the RPC nodes' JSON-RPC (the miners plugin's `network` output).
//!
//! The account is funded at genesis on every chain created from 2026-12-07 on, whether or not
//! the faucet runs, so turning it on later changes no genesis. The key reaches the pod as an
//! environment variable from its Secret and appears nowhere else. Flags and behaviour follow
//! the faucet's sources at the pinned tag (docs/research/faucet.md):
//!
//! - `-faucet.amount` ETH per request, `-faucet.minutes` the window in which one address, and
//!   one client IP, may ask once (an in-memory limit: one replica, reset by a restart);
//! - `-proxycount`: the reverse proxies in front, so the limit sees the client's IP rather than
//!   the ingress controller's;
//! - readiness `GET /api/info` (no RPC call), liveness on the port; the faucet writes no file.

use ethwasm_ethereum_types::{names, Network, ToolAccounts};
use ethwasm_plugin::ingress::IngressValues;
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;
use serde_json::json;

/// JSON Schema of the `faucet` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// chainflag/eth-faucet's newest release when pinned (2026-01-02; its Docker tags drop the `v`).
const REPOSITORY: &str = "chainflag/eth-faucet";
const TAG: &str = "1.2.1";
const PORT: u16 = 8080;

/// The `faucet` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub enabled: bool,
    pub image: Image,
    /// ETH per request.
    pub amount: f64,
    /// One request per address and per client IP in this many minutes; 0: no limit.
    pub interval_minutes: u32,
    /// Reverse proxies in front of the faucet (1 behind an ingress controller).
    pub proxy_count: u32,
    pub service: k8s::ServiceValues,
    pub ingress: IngressValues,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            enabled: false,
            image: Image::default(),
            amount: 10.0,
            interval_minutes: 60,
            proxy_count: 0,
            service: k8s::ServiceValues::default(),
            ingress: IngressValues::default(),
            placement: k8s::Placement {
                resources: json!({ "requests": { "cpu": "10m", "memory": "32Mi" },
                                   "limits": { "cpu": "500m", "memory": "128Mi" } }),
                ..k8s::Placement::default()
            },
        }
    }
}

/// The plugin.
pub struct Faucet;

impl Plugin for Faucet {
    fn info() -> Info {
        Info::new("faucet", env!("CARGO_PKG_VERSION"), "a web faucet paying from the account the genesis funds for it")
            .requires(&[names::NETWORK, names::TOOL_ACCOUNTS])
            .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let network: Network = input.input(names::NETWORK)?;
        let accounts: Option<ToolAccounts> = input.input(names::TOOL_ACCOUNTS)?;
        render(input.release(), &values, &network, accounts.as_ref())
    }
}

/// Renders the faucet for `release`.
pub fn render(
    release: &Release,
    v: &Values,
    network: &Network,
    accounts: Option<&ToolAccounts>,
) -> Result<Output, PluginError> {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    if !v.enabled {
        return Ok(Output::new());
    }
    let invalid = PluginError::InvalidValues;
    let Some(accounts) = accounts else {
        return Err(invalid(
            "faucet.enabled: this chain was created before 2026-12-07 and its genesis funds no faucet account; the \
             faucet runs on chains created since (a new chain: --new-chain)"
                .into(),
        ));
    };
    let Some(rpc) = &network.rpc_http else {
        return Err(invalid(
            "faucet.enabled: the faucet sends through the RPC nodes' JSON-RPC; set global.topology.rpcNodes to 1 or more"
                .into(),
        ));
    };
    let name = format!("{release}-faucet");
    let labels = k8s::component_labels(release, "faucet", "faucet");
    let selector = k8s::selector(release, "faucet");
    let key = &accounts.faucet.key;
    let container = Container::new("faucet", &v.image.reference(REPOSITORY, TAG), v.image.pull_policy())
        .args(args(release, v))
        .env([k8s::env("WEB3_PROVIDER", rpc), k8s::secret_env("PRIVATE_KEY", &key.secret_name, &key.key)])
        .ports([workload::container_port("http", PORT, "TCP")])
        .http_readiness("/api/info", "http")
        .liveness(workload::tcp_probe("http", 30, 4));
    let pod = Pod::new(&labels).container(container).placement(&v.placement);
    // One replica: the rate limit lives in the pod's memory, and two would race on the nonce.
    let deployment = workload::deployment(&name, 1, &selector, pod);
    let service =
        k8s::service(&name, &labels, &selector, &v.service.type_, vec![k8s::port("http", v.service.port, "TCP")]);
    let notes = format!(
        "Faucet ({amount} ETH a request, one per address and IP every {minutes} min, from {address}): kubectl -n \
         {namespace} port-forward svc/{name} 8081:{port}, then open http://localhost:8081 (or POST \
         {{\"address\":\"<checksummed address>\"}} to http://localhost:8081/api/claim)",
        amount = v.amount,
        minutes = v.interval_minutes,
        address = accounts.faucet.address,
        port = v.service.port,
    );
    let out = Output::new().manifest(deployment).manifest(service);
    Ok(v.ingress.attach(out, notes, &name, &labels, &name, v.service.port))
}

/// The faucet's flags.
fn args(release: &str, v: &Values) -> Vec<String> {
    vec![
        format!("-httpport={PORT}"),
        format!("-faucet.amount={}", v.amount),
        format!("-faucet.minutes={}", v.interval_minutes),
        // Not `sepolia` or `holesky`: those names make the faucet assume their chain ids.
        format!("-faucet.name={release} faucet"),
        format!("-proxycount={}", v.proxy_count),
    ]
}

export!(Faucet);

#[cfg(test)]
mod tests;
