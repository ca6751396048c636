//! `global.clients`: which execution and consensus client each proof-of-stake node runs.
//!
//! The node plan is a pure function of the values, shared by every plugin that needs it: the
//! secrets plugin makes each node's keys in the formats its clients read, and the miners plugin
//! renders each node's containers. Both read the same `global.clients`, so they agree without
//! an output between them.
//!
//! A node is a signer pair (`r-signer-<i>`, with its validator client `r-validator-<i>`) or an
//! RPC pair (`r-rpc`, one StatefulSet whose pods are replicas, so every RPC node runs the same
//! pair). Choosing another client for a node keeps its pod name and so every key it was given.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An execution client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionClient {
    Geth,
    Besu,
    Reth,
    Nethermind,
}

impl ExecutionClient {
    /// Every supported execution client, in the order `spread` hands them out.
    pub const ALL: &'static [ExecutionClient] =
        &[ExecutionClient::Geth, ExecutionClient::Besu, ExecutionClient::Reth, ExecutionClient::Nethermind];

    pub fn name(self) -> &'static str {
        match self {
            ExecutionClient::Geth => "geth",
            ExecutionClient::Besu => "besu",
            ExecutionClient::Reth => "reth",
            ExecutionClient::Nethermind => "nethermind",
        }
    }
}

/// A consensus client: a beacon node, and the validator client of the same project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsensusClient {
    Lighthouse,
    Teku,
    Prysm,
    Lodestar,
}

impl ConsensusClient {
    /// Every supported consensus client, in the order `spread` hands them out.
    pub const ALL: &'static [ConsensusClient] =
        &[ConsensusClient::Lighthouse, ConsensusClient::Teku, ConsensusClient::Prysm, ConsensusClient::Lodestar];

    pub fn name(self) -> &'static str {
        match self {
            ConsensusClient::Lighthouse => "lighthouse",
            ConsensusClient::Teku => "teku",
            ConsensusClient::Prysm => "prysm",
            ConsensusClient::Lodestar => "lodestar",
        }
    }
}

impl fmt::Display for ExecutionClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for ConsensusClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeClients {
    pub execution: ExecutionClient,
    pub consensus: ConsensusClient,
    /// The validator client beside a signer pair (its consensus client's, unless asked).
    pub validator: ConsensusClient,
}

/// A node's choice as values write it: anything left out comes from the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NodeChoice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionClient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consensus: Option<ConsensusClient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validator: Option<ConsensusClient>,
}

/// `global.clients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Clients {
    /// Every node's execution client unless `signers`, `spread` or `rpc` say otherwise.
    pub execution: ExecutionClient,
    /// Every node's consensus client (and validator client) unless said otherwise.
    pub consensus: ConsensusClient,
    /// One of each: signer `i` runs the `i`-th supported execution client and the `i`-th
    /// consensus client (each list cycled), so every client runs once the signers number the
    /// longer list. `signers` entries still win.
    pub spread: bool,
    /// Signer `i` takes entry `i`, when there is one.
    pub signers: Vec<NodeChoice>,
    /// The RPC nodes' pair.
    pub rpc: NodeChoice,
}

impl Default for Clients {
    fn default() -> Self {
        Clients {
            execution: ExecutionClient::Geth,
            consensus: ConsensusClient::Lighthouse,
            spread: false,
            signers: Vec::new(),
            rpc: NodeChoice::default(),
        }
    }
}

impl Clients {
    /// What signer `i` runs.
    pub fn signer(&self, i: u32) -> NodeClients {
        let i = i as usize;
        let (mut execution, mut consensus) = (self.execution, self.consensus);
        if self.spread {
            execution = ExecutionClient::ALL[i % ExecutionClient::ALL.len()];
            consensus = ConsensusClient::ALL[i % ConsensusClient::ALL.len()];
        }
        self.resolve(self.signers.get(i).copied().unwrap_or_default(), execution, consensus)
    }

    /// What every RPC node runs.
    pub fn rpc(&self) -> NodeClients {
        self.resolve(self.rpc, self.execution, self.consensus)
    }

    fn resolve(&self, choice: NodeChoice, execution: ExecutionClient, consensus: ConsensusClient) -> NodeClients {
        let consensus = choice.consensus.unwrap_or(consensus);
        NodeClients {
            execution: choice.execution.unwrap_or(execution),
            consensus,
            validator: choice.validator.unwrap_or(consensus),
        }
    }

    /// The beacon node of every signer (in order) and of the RPC nodes.
    pub fn beacon_nodes(&self, signers: u32) -> impl Iterator<Item = ConsensusClient> + '_ {
        (0..signers).map(|i| self.signer(i).consensus)
    }

    /// Every client some node of `signers` signers and `rpc_nodes` RPC nodes runs (beacon
    /// nodes and validator clients alike).
    pub fn consensus_in_use(&self, signers: u32, rpc_nodes: u32) -> Vec<ConsensusClient> {
        let mut used: Vec<ConsensusClient> = (0..signers)
            .flat_map(|i| {
                let n = self.signer(i);
                [n.consensus, n.validator]
            })
            .collect();
        if rpc_nodes > 0 {
            used.push(self.rpc().consensus);
        }
        used.sort();
        used.dedup();
        used
    }

    /// Every execution client some node runs.
    pub fn execution_in_use(&self, signers: u32, rpc_nodes: u32) -> Vec<ExecutionClient> {
        let mut used: Vec<ExecutionClient> = (0..signers).map(|i| self.signer(i).execution).collect();
        if rpc_nodes > 0 {
            used.push(self.rpc().execution);
        }
        used.sort();
        used.dedup();
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_geth_and_lighthouse_everywhere() {
        let c = Clients::default();
        let want = NodeClients {
            execution: ExecutionClient::Geth,
            consensus: ConsensusClient::Lighthouse,
            validator: ConsensusClient::Lighthouse,
        };
        assert_eq!(c.signer(0), want);
        assert_eq!(c.signer(7), want);
        assert_eq!(c.rpc(), want);
        assert_eq!(c.consensus_in_use(4, 1), vec![ConsensusClient::Lighthouse]);
    }

    #[test]
    fn spread_cycles_every_client_and_listed_signers_win() {
        let c: Clients = serde_json::from_value(serde_json::json!({
            "spread": true,
            "signers": [{}, {"consensus": "lighthouse", "validator": "teku"}],
            "rpc": {"consensus": "teku"}
        }))
        .unwrap();
        assert_eq!(c.signer(0).consensus, ConsensusClient::Lighthouse);
        assert_eq!(c.signer(1).consensus, ConsensusClient::Lighthouse);
        assert_eq!(c.signer(1).validator, ConsensusClient::Teku);
        assert_eq!(c.signer(2).consensus, ConsensusClient::Prysm);
        assert_eq!(c.signer(3).consensus, ConsensusClient::Lodestar);
        assert_eq!(c.signer(4).consensus, ConsensusClient::Lighthouse);
        assert_eq!(c.signer(5).validator, ConsensusClient::Teku);
        assert_eq!(c.rpc().consensus, ConsensusClient::Teku);
        assert_eq!(c.consensus_in_use(2, 0), vec![ConsensusClient::Lighthouse, ConsensusClient::Teku]);
        assert_eq!(c.signer(1).execution, ExecutionClient::Besu, "spread cycles the execution clients too");
        assert_eq!(c.execution_in_use(2, 0), vec![ExecutionClient::Geth, ExecutionClient::Besu]);
        assert_eq!(c.execution_in_use(1, 0), vec![ExecutionClient::Geth]);
    }

    #[test]
    fn an_unknown_client_names_the_supported_ones() {
        let err = serde_json::from_value::<Clients>(serde_json::json!({"consensus": "prism"})).unwrap_err();
        assert!(err.to_string().contains("unknown variant `prism`, expected"), "{err}");
        let err = serde_json::from_value::<Clients>(serde_json::json!({"signers": [{"cl": "teku"}]})).unwrap_err();
        assert!(err.to_string().contains("unknown field `cl`"), "{err}");
    }
}
