//! The `miners` values section (`schema.json`), with its defaults: geth's settings shared by
//! every consensus, then the proof-of-stake parts, `miners.beacon` (the Lighthouse beacon node
//! beside every geth) and `miners.validator` (the validator clients), and the resources each
//! workload gets when values leave them out.

use ethwasm_plugin::k8s::{self, Image, Placement};
use ethwasm_plugin::workload::Persistence;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// The `miners` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub image: Image,
    pub sync_mode: String,
    pub verbosity: u8,
    pub extra_args: Vec<String>,
    /// Annotations added to every pod this plugin renders.
    pub pod_annotations: std::collections::BTreeMap<String, String>,
    pub ethash: Ethash,
    pub rpc: Rpc,
    pub persistence: Persistence,
    pub pod_disruption_budget: Pdb,
    pub metrics: Metrics,
    /// Proof of stake: the Lighthouse beacon node beside every geth.
    pub beacon: Beacon,
    /// Proof of stake: the Lighthouse validator clients.
    pub validator: Validator,
    /// Proof of stake: Teku, on the nodes `global.clients` gives it.
    pub teku: Teku,
    /// Proof of stake: Besu, on the nodes `global.clients` gives it.
    pub besu: Besu,
    /// Proof of stake: Prysm, on the nodes `global.clients` gives it.
    pub prysm: Prysm,
    /// Proof of stake: Reth, on the nodes `global.clients` gives it.
    pub reth: ExecutionValues,
    /// Proof of stake: Nethermind, on the nodes `global.clients` gives it.
    pub nethermind: ExecutionValues,
    /// Proof of stake: Lodestar, on the nodes `global.clients` gives it.
    pub lodestar: Lodestar,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            image: Image::default(),
            sync_mode: "full".into(),
            verbosity: 3,
            extra_args: vec![],
            pod_annotations: Default::default(),
            ethash: Ethash::default(),
            rpc: Rpc::default(),
            persistence: Persistence::default(),
            pod_disruption_budget: Pdb::default(),
            metrics: Metrics::default(),
            beacon: Beacon::default(),
            validator: Validator::default(),
            teku: Teku::default(),
            besu: Besu::default(),
            prysm: Prysm::default(),
            reth: ExecutionValues::default(),
            nethermind: ExecutionValues { resources: beacon_resources(), ..ExecutionValues::default() },
            lodestar: Lodestar::default(),
            placement: k8s::Placement::default(),
        }
    }
}

impl Values {
    /// `pod` with `podAnnotations` added.
    pub(crate) fn annotate(&self, pod: ethwasm_plugin::workload::Pod) -> ethwasm_plugin::workload::Pod {
        self.pod_annotations.iter().fold(pod, |pod, (k, v)| pod.annotation(k, v))
    }

    /// Where geth's pods go and what geth gets: `resources` left out (a render without the
    /// chart's values.yaml) means the defaults, [`geth_resources`]; `{}` means none.
    pub(crate) fn geth_placement(&self) -> k8s::Placement {
        with_default_resources(&self.placement, geth_resources)
    }
}

/// `placement`, with `default()` as its resources when they were left out.
pub(crate) fn with_default_resources(placement: &k8s::Placement, default: fn() -> Value) -> k8s::Placement {
    let mut p = placement.clone();
    if p.resources.is_null() {
        p.resources = default();
    }
    p
}

/// ethash mining settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ethash {
    pub threads: u32,
}

impl Default for Ethash {
    fn default() -> Self {
        Ethash { threads: 1 }
    }
}

/// RPC node settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Rpc {
    pub http_api: Vec<String>,
    pub ws_api: Vec<String>,
    pub vhosts: Vec<String>,
    pub cors_domains: Vec<String>,
    pub ws_origins: Vec<String>,
    pub service: RpcService,
    pub network_policy: NetworkPolicy,
}

impl Default for Rpc {
    fn default() -> Self {
        let api = vec!["eth".to_string(), "net".into(), "web3".into()];
        Rpc {
            http_api: api.clone(),
            ws_api: api,
            vhosts: vec!["*".into()],
            cors_domains: vec![],
            ws_origins: vec!["*".into()],
            service: RpcService::default(),
            network_policy: NetworkPolicy::default(),
        }
    }
}

/// The RPC Service.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RpcService {
    #[serde(rename = "type")]
    pub type_: String,
    pub http_port: u16,
    pub ws_port: u16,
}

impl Default for RpcService {
    fn default() -> Self {
        RpcService { type_: "ClusterIP".into(), http_port: 8545, ws_port: 8546 }
    }
}

/// Who may reach RPC.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicy {
    pub enabled: bool,
    /// NetworkPolicyPeer objects allowed to reach HTTP and WS.
    pub from: Vec<Value>,
}

/// PodDisruptionBudget settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Pdb {
    pub enabled: bool,
    pub max_unavailable: u32,
}

impl Default for Pdb {
    fn default() -> Self {
        Pdb { enabled: true, max_unavailable: 1 }
    }
}

/// geth's Prometheus metrics endpoint.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Metrics {
    pub enabled: bool,
    pub port: u16,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { enabled: false, port: 6060 }
    }
}

/// Requests and limits by workload, scaled down from the clients' guidance for a small private
/// network (docs/research/pos-operations.md): Lighthouse's book asks 32 GB and 4 cores for a
/// mainnet execution + beacon + validator machine; the ethpandaops charts suggest 300m/1Gi
/// requests. A devnet's state is tiny, so memory is requested for the clients' working sets and
/// limited well above them (a supernode holding every column and subnet peaks highest). No CPU
/// limits: throttling a client makes it miss slots, while requests already share the CPU.
/// geth (`miners.resources`): also the main container of Clique and ethash nodes.
pub fn geth_resources() -> Value {
    json!({ "requests": { "cpu": "250m", "memory": "1Gi" }, "limits": { "memory": "4Gi" } })
}

/// The Lighthouse beacon node (`miners.beacon.resources`).
pub fn beacon_resources() -> Value {
    json!({ "requests": { "cpu": "500m", "memory": "2Gi" }, "limits": { "memory": "8Gi" } })
}

/// A Lighthouse validator client (`miners.validator.resources`): some MiB per key.
pub fn validator_resources() -> Value {
    json!({ "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "memory": "1Gi" } })
}

/// The peering sidecar (`miners.beacon.peering.resources`): a shell loop and `wget`.
pub fn peering_resources() -> Value {
    json!({ "requests": { "cpu": "10m", "memory": "16Mi" }, "limits": { "memory": "64Mi" } })
}

/// Init containers (copying files, `geth init` of a small genesis): fixed, so a namespace with
/// a LimitRange or ResourceQuota that demands limits admits the pods.
pub fn init_resources() -> Value {
    json!({ "requests": { "cpu": "50m", "memory": "64Mi" }, "limits": { "memory": "512Mi" } })
}

/// `miners.beacon`: the Lighthouse beacon node beside every geth (proof of stake).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Beacon {
    pub image: Image,
    pub debug_level: String,
    /// libp2p TCP and discovery UDP; QUIC listens on the next port.
    pub p2p_port: u16,
    /// The beacon API (also the `r-beacon` Service's port).
    pub http_port: u16,
    pub metrics_port: u16,
    pub supernode: bool,
    pub subscribe_all_subnets: bool,
    pub extra_args: Vec<String>,
    pub resources: Value,
    pub service: BeaconService,
    pub peering: Peering,
}

impl Default for Beacon {
    fn default() -> Self {
        Beacon {
            image: Image::default(),
            debug_level: "info".into(),
            p2p_port: 9000,
            http_port: 5052,
            metrics_port: 5054,
            supernode: true,
            subscribe_all_subnets: true,
            extra_args: Vec::new(),
            resources: beacon_resources(),
            service: BeaconService::default(),
            peering: Peering::default(),
        }
    }
}

/// `miners.beacon.peering`: the sidecar that keeps every beacon node connected to the others.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Peering {
    pub resources: Value,
}

impl Default for Peering {
    fn default() -> Self {
        Peering { resources: peering_resources() }
    }
}

/// The beacon API Service in front of the RPC nodes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BeaconService {
    #[serde(rename = "type")]
    pub type_: String,
}

impl Default for BeaconService {
    fn default() -> Self {
        BeaconService { type_: "ClusterIP".into() }
    }
}

/// `miners.validator`: the Lighthouse validator clients (proof of stake).
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Validator {
    /// Falls back to the beacon node's image, field by field.
    pub image: Image,
    /// Empty: each client's signer address.
    pub fee_recipient: String,
    pub debug_level: String,
    /// On a fresh slashing protection database only (see `pos/validator.rs`).
    pub doppelganger_protection: bool,
    pub metrics_port: u16,
    pub extra_args: Vec<String>,
    /// The client's volume: [`validator_persistence`]'s values for whatever the section leaves
    /// out, the whole mapping or some of its keys.
    #[serde(deserialize_with = "validator_persistence_over")]
    pub persistence: Persistence,
    pub pod_disruption_budget: ValidatorPdb,
    #[serde(flatten)]
    pub placement: Placement,
}

impl Default for Validator {
    fn default() -> Self {
        Validator {
            image: Image::default(),
            fee_recipient: String::new(),
            debug_level: "info".into(),
            doppelganger_protection: true,
            metrics_port: 5064,
            extra_args: Vec::new(),
            persistence: validator_persistence(),
            pod_disruption_budget: ValidatorPdb::default(),
            placement: Placement { resources: validator_resources(), ..Placement::default() },
        }
    }
}

/// A validator client's volume: keystores, definitions and the slashing protection database
/// (small: 1Gi by default, unlike the chain's).
pub fn validator_persistence() -> Persistence {
    Persistence::sized("1Gi")
}

/// `validator.persistence` as given, over [`validator_persistence`]: a mapping that leaves
/// `size` out (`{storageClass: fast}`) still claims 1Gi, not the SDK's default 10Gi.
fn validator_persistence_over<'de, D: Deserializer<'de>>(d: D) -> Result<Persistence, D::Error> {
    ethwasm_plugin::deserialize_over(validator_persistence(), d)
}

/// `miners.teku`: what Teku's beacon nodes and validator clients get where `global.clients`
/// runs Teku (ports, levels, supernode and subnets come from `miners.beacon` and
/// `miners.validator`, whatever the client).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Teku {
    pub image: Image,
    /// The beacon node's `JAVA_OPTS` (its heap: Teku sets none, and the JVM would take a quarter
    /// of the memory limit).
    pub java_opts: String,
    pub validator_java_opts: String,
    pub extra_args: Vec<String>,
    pub validator_extra_args: Vec<String>,
    pub resources: Value,
    pub validator_resources: Value,
}

impl Default for Teku {
    fn default() -> Self {
        Teku {
            image: Image::default(),
            java_opts: "-Xmx2g".into(),
            validator_java_opts: "-Xmx512m".into(),
            extra_args: Vec::new(),
            validator_extra_args: Vec::new(),
            resources: json!({ "requests": { "cpu": "500m", "memory": "2560Mi" }, "limits": { "memory": "4Gi" } }),
            validator_resources: json!({ "requests": { "cpu": "100m", "memory": "768Mi" }, "limits": { "memory": "1Gi" } }),
        }
    }
}

/// `miners.besu`: what Besu gets where `global.clients` runs it in geth's place (verbosity,
/// JSON-RPC, metrics and ethstats come from the settings every execution client shares).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Besu {
    pub image: Image,
    /// `JAVA_OPTS` (the heap: the JVM would otherwise take a quarter of the memory limit).
    pub java_opts: String,
    pub extra_args: Vec<String>,
    pub resources: Value,
}

impl Default for Besu {
    fn default() -> Self {
        Besu {
            image: Image::default(),
            java_opts: "-Xmx2g".into(),
            extra_args: Vec::new(),
            resources: json!({ "requests": { "cpu": "250m", "memory": "2560Mi" }, "limits": { "memory": "4Gi" } }),
        }
    }
}

/// `miners.reth` and `miners.nethermind`: what Reth or Nethermind gets where `global.clients`
/// runs it in geth's place (verbosity, JSON-RPC, metrics and ethstats come from the settings
/// every execution client shares).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ExecutionValues {
    pub image: Image,
    pub extra_args: Vec<String>,
    pub resources: Value,
}

impl Default for ExecutionValues {
    fn default() -> Self {
        ExecutionValues { image: Image::default(), extra_args: Vec::new(), resources: geth_resources() }
    }
}

/// `miners.lodestar`: what Lodestar's beacon nodes and validator clients get where
/// `global.clients` runs Lodestar (ports, levels, supernode and subnets come from `miners.beacon`
/// and `miners.validator`, whatever the client).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Lodestar {
    pub image: Image,
    /// `NODE_OPTIONS` of the beacon node and of the validator client (the image asks 8 GiB of
    /// heap, above the containers' limits).
    pub node_options: String,
    pub validator_node_options: String,
    pub extra_args: Vec<String>,
    pub validator_extra_args: Vec<String>,
    pub resources: Value,
    pub validator_resources: Value,
}

impl Default for Lodestar {
    fn default() -> Self {
        Lodestar {
            image: Image::default(),
            node_options: "--max-old-space-size=3072".into(),
            validator_node_options: "--max-old-space-size=768".into(),
            extra_args: Vec::new(),
            validator_extra_args: Vec::new(),
            resources: json!({ "requests": { "cpu": "500m", "memory": "2Gi" }, "limits": { "memory": "4Gi" } }),
            validator_resources: json!({ "requests": { "cpu": "100m", "memory": "512Mi" }, "limits": { "memory": "1Gi" } }),
        }
    }
}

/// `miners.prysm`: what Prysm's beacon nodes and validator clients get where `global.clients`
/// runs Prysm (ports, levels, supernode and subnets come from `miners.beacon` and
/// `miners.validator`, whatever the client).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Prysm {
    pub beacon_image: Image,
    pub validator_image: Image,
    pub extra_args: Vec<String>,
    pub validator_extra_args: Vec<String>,
    pub resources: Value,
    pub validator_resources: Value,
}

impl Default for Prysm {
    fn default() -> Self {
        Prysm {
            beacon_image: Image::default(),
            validator_image: Image::default(),
            extra_args: Vec::new(),
            validator_extra_args: Vec::new(),
            resources: beacon_resources(),
            validator_resources: validator_resources(),
        }
    }
}

/// The validator clients' PodDisruptionBudget.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ValidatorPdb {
    pub enabled: bool,
    /// None: as many clients as can be down while the rest hold over two thirds of the stake
    /// (see `finality.rs`); a number above that is refused.
    pub max_unavailable: Option<u32>,
}

impl Default for ValidatorPdb {
    fn default() -> Self {
        ValidatorPdb { enabled: true, max_unavailable: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: Value) -> Values {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn validator_volumes_are_1gi_unless_given_and_the_chains_10gi() {
        let v = values(json!({}));
        assert_eq!((v.validator.persistence.size.as_str(), v.persistence.size.as_str()), ("1Gi", "10Gi"));
        assert_eq!(v.validator.persistence, Persistence { size: "1Gi".into(), ..Persistence::default() });
        let v = values(json!({ "validator": { "persistence": { "storageClass": "fast" } } }));
        let p = &v.validator.persistence;
        assert_eq!((p.size.as_str(), p.storage_class.as_deref(), p.enabled), ("1Gi", Some("fast"), true));
        let v =
            values(json!({ "validator": { "persistence": { "size": "2Gi" } }, "persistence": { "enabled": false } }));
        assert_eq!(v.validator.persistence.size, "2Gi");
        assert_eq!((v.persistence.size.as_str(), v.persistence.enabled), ("10Gi", false));
        let bad = serde_json::from_value::<Values>(json!({ "validator": { "persistence": { "sise": "1Gi" } } }));
        assert!(bad.unwrap_err().to_string().contains("unknown field `sise`"));
    }
}
