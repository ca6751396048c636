//! The proof-of-stake values of the miners plugin: `miners.beacon` (the Lighthouse beacon node
//! beside every geth) and `miners.validator` (the validator clients), with their defaults.

use ethwasm_plugin::k8s::{Image, Placement};
use ethwasm_plugin::workload::Persistence;
use serde::Deserialize;
use serde_json::Value;

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
            resources: Value::Null,
            service: BeaconService::default(),
        }
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
            placement: Placement::default(),
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
    pub max_unavailable: u32,
}

impl Default for ValidatorPdb {
    fn default() -> Self {
        ValidatorPdb { enabled: true, max_unavailable: 0 }
    }
}
