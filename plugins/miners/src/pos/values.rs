//! The proof-of-stake values of the miners plugin: `miners.beacon` (the Lighthouse beacon node
//! beside every geth) and `miners.validator` (the validator clients), with their defaults.

use ethwasm_plugin::k8s::{Image, Placement};
use ethwasm_plugin::workload::Persistence;
use serde::Deserialize;
use serde_json::{json, Value};

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
    /// On a fresh slashing protection database only (see the module docs).
    pub doppelganger_protection: bool,
    pub metrics_port: u16,
    pub extra_args: Vec<String>,
    pub persistence: ValidatorPersistence,
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
            persistence: ValidatorPersistence::default(),
            pod_disruption_budget: ValidatorPdb::default(),
            placement: Placement { resources: validator_resources(), ..Placement::default() },
        }
    }
}

/// A validator client's volume: keystores, definitions and the slashing protection database
/// (small: 1Gi by default, unlike the chain's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ValidatorPersistence {
    pub enabled: bool,
    pub size: String,
    pub storage_class: Option<String>,
    pub access_modes: Vec<String>,
}

impl Default for ValidatorPersistence {
    fn default() -> Self {
        let p = Persistence::default();
        ValidatorPersistence {
            enabled: p.enabled,
            size: "1Gi".into(),
            storage_class: p.storage_class,
            access_modes: p.access_modes,
        }
    }
}

impl ValidatorPersistence {
    pub(super) fn get(&self) -> Persistence {
        Persistence {
            enabled: self.enabled,
            size: self.size.clone(),
            storage_class: self.storage_class.clone(),
            access_modes: self.access_modes.clone(),
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
