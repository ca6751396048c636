//! The outputs the Ethereum chart's plugins exchange (`provides`/`requires`), typed once so the
//! producer and every consumer agree on the JSON. Field names are camelCase on the wire; add
//! fields rather than change them, since third-party plugins may read these outputs too.

use serde::{Deserialize, Serialize};

/// Output names.
pub mod names {
    pub const SIGNERS: &str = "signers";
    pub const PREFUNDED: &str = "prefunded";
    pub const NODE_KEYS: &str = "node-keys";
    pub const ETHSTATS_SECRET: &str = "ethstats-secret";
    pub const GENESIS: &str = "genesis";
    pub const BOOTNODES: &str = "bootnodes";
    pub const ETHSTATS: &str = "ethstats";
}

/// A reference to one key of a Secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    pub secret_name: String,
    pub key: String,
}

/// `global.topology`: how many of each node the network has.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Topology {
    pub signers: u32,
    pub rpc_nodes: u32,
    pub bootnodes: u32,
}

impl Default for Topology {
    fn default() -> Self {
        Topology { signers: 2, rpc_nodes: 1, bootnodes: 1 }
    }
}

/// The `global` values section of the Ethereum chart.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Global {
    pub topology: Topology,
    /// The cluster's DNS domain, for enode URLs.
    pub cluster_domain: String,
}

impl Default for Global {
    fn default() -> Self {
        Global { topology: Topology::default(), cluster_domain: "cluster.local".into() }
    }
}

/// One signer (Clique sealer or ethash miner).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Signer {
    pub index: u32,
    /// EIP-55 address.
    pub address: String,
    /// The StatefulSet that runs this signer (one replica).
    pub stateful_set: String,
    /// Its pod.
    pub pod: String,
    /// Its keystore v3 file.
    pub keystore: SecretKeyRef,
    /// Its node key file.
    pub node_key: SecretKeyRef,
    /// Its enode id (128 hex digits).
    pub node_id: String,
}

/// Output `signers` (secrets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Signers {
    pub signers: Vec<Signer>,
    /// The keystore password every signer unlocks with.
    pub password: SecretKeyRef,
}

/// One pod of a replicated StatefulSet, with its node key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub pod: String,
    pub node_id: String,
    pub node_key: SecretKeyRef,
}

/// A StatefulSet of interchangeable nodes and their keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NodeSet {
    pub stateful_set: String,
    pub nodes: Vec<Node>,
}

/// Output `node-keys` (secrets): bootnodes and RPC nodes (signers' keys are in `signers`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NodeKeys {
    pub bootnodes: NodeSet,
    pub rpc: NodeSet,
}

/// Output `prefunded` (secrets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Prefunded {
    /// Signer addresses (genesis decides whether to fund them).
    pub signers: Vec<String>,
    /// Generated and supplied account addresses, always funded.
    pub accounts: Vec<String>,
}

/// Consensus engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Consensus {
    /// Proof of authority; geth v1.13.15 is the last to seal it.
    Clique,
    /// Proof of work; geth v1.11.6 is the last to mine it.
    Ethash,
}

/// Output `genesis` (genesis).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GenesisRef {
    /// ConfigMap holding genesis.json.
    pub config_map: String,
    /// Its key.
    pub key: String,
    pub chain_id: u64,
    pub network_id: u64,
    pub consensus: Consensus,
    /// sha256 of genesis.json, for a pod annotation that rolls workloads on change.
    pub hash: String,
}

/// Output `bootnodes` (bootnode).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Bootnodes {
    /// `enode://<id>@<dns name>:<port>`, one per bootnode.
    pub enodes: Vec<String>,
    /// The DNS names in the enodes, which must resolve before geth 1.13 starts.
    pub hosts: Vec<String>,
}

/// Output `ethstats` (ethstats).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EthstatsEndpoint {
    pub enabled: bool,
    /// `host:port` that `--ethstats name:secret@<address>` dials.
    pub address: String,
    /// The WS secret both sides read.
    pub secret: SecretKeyRef,
}
