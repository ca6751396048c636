//! What the other plugins hand the miners plugin, resolved from their outputs.

use ethwasm_ethereum_types::{Bootnodes, Clients, EthstatsEndpoint, GenesisRef, NodeSet, Signers, Validators};

/// Everything the plugin renders from.
#[derive(Debug)]
pub struct Inputs {
    pub genesis: GenesisRef,
    pub bootnodes: Bootnodes,
    pub signers: Signers,
    pub rpc: NodeSet,
    pub ethstats: EthstatsEndpoint,
    /// Proof of stake only (empty otherwise).
    pub validators: Validators,
    /// `global.clusterDomain`, for the pods' DNS names.
    pub cluster_domain: String,
    /// `global.clients`: which clients each proof-of-stake node runs.
    pub clients: Clients,
}
