//! `global.clients`: which execution and consensus client each proof-of-stake node runs.
//!
//! The node plan is a pure function of the values, shared by every plugin that needs it: the
//! secrets plugin makes each node's keys in the formats its clients read, and the miners plugin
//! renders each node's containers. Both read the same `global.clients`, so they agree without
//! an output between them.
//!
//! A node is a signer pair (`r-signer-<i>`, with its validator client `r-validator-<i>`) or an
//! RPC pair. RPC nodes running the same pair are replicas of one StatefulSet: `r-rpc` for the
//! default pair (or for every RPC node, when one choice is given for all), and
//! `r-rpc-<execution>-<consensus>` for each other pair a list of RPC choices asks for
//! ([`Clients::rpc_sets`]). Choosing another client for a signer keeps its pod name and so every
//! key it was given; an RPC node that changes pair moves to that pair's StatefulSet, and so gets
//! a new pod name and new keys (it holds no validator), and no other node changes set.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
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
    /// The RPC nodes' pair: one for all, or one an RPC node.
    pub rpc: RpcChoice,
}

/// `global.clients.rpc`: one choice for every RPC node, or a list whose entry `k` is RPC node
/// `k`'s (nodes past its end take the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RpcChoice {
    All(NodeChoice),
    Each(Vec<NodeChoice>),
}

impl Default for RpcChoice {
    fn default() -> Self {
        RpcChoice::All(NodeChoice::default())
    }
}

/// By hand rather than `untagged`, so that a wrong field or client in either form gets
/// [`NodeChoice`]'s own error (naming the field, or the supported clients).
impl<'de> Deserialize<'de> for RpcChoice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Choice;
        impl<'de> Visitor<'de> for Choice {
            type Value = RpcChoice;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a node's clients, or a list of them (one an RPC node)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RpcChoice, A::Error> {
                NodeChoice::deserialize(de::value::MapAccessDeserializer::new(map)).map(RpcChoice::All)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RpcChoice, A::Error> {
                Vec::<NodeChoice>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RpcChoice::Each)
            }
        }
        deserializer.deserialize_any(Choice)
    }
}

/// RPC nodes running one pair: one StatefulSet, its pods in the order of the nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcSet {
    pub stateful_set: String,
    pub clients: NodeClients,
    pub pods: Vec<String>,
}

impl Default for Clients {
    fn default() -> Self {
        Clients {
            execution: ExecutionClient::Geth,
            consensus: ConsensusClient::Lighthouse,
            spread: false,
            signers: Vec::new(),
            rpc: RpcChoice::default(),
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

    /// What RPC node `k` runs.
    pub fn rpc_node(&self, k: u32) -> NodeClients {
        let choice = match &self.rpc {
            RpcChoice::All(choice) => *choice,
            RpcChoice::Each(list) => list.get(k as usize).copied().unwrap_or_default(),
        };
        self.resolve(choice, self.execution, self.consensus)
    }

    /// The StatefulSets of `rpc_nodes` RPC nodes of `release`, in the order of their first
    /// node: `<release>-rpc` for every node when one choice is given for all (as before lists
    /// existed), and with a list for the nodes of the default pair; a set named
    /// `<release>-rpc-<execution>-<consensus>` for each other pair. A set is named by its pair
    /// alone, so a node that changes pair moves alone.
    pub fn rpc_sets(&self, release: &str, rpc_nodes: u32) -> Vec<RpcSet> {
        let pair = |c: NodeClients| (c.execution, c.consensus);
        let mut sets: Vec<RpcSet> = Vec::new();
        for k in 0..rpc_nodes {
            let clients = self.rpc_node(k);
            let at = match sets.iter().position(|s| pair(s.clients) == pair(clients)) {
                Some(at) => at,
                None => {
                    let plain =
                        matches!(self.rpc, RpcChoice::All(_)) || pair(clients) == (self.execution, self.consensus);
                    let stateful_set = if plain {
                        format!("{release}-rpc")
                    } else {
                        format!("{release}-rpc-{}-{}", clients.execution, clients.consensus)
                    };
                    sets.push(RpcSet { stateful_set, clients, pods: Vec::new() });
                    sets.len() - 1
                }
            };
            let set = &mut sets[at];
            set.pods.push(format!("{}-{}", set.stateful_set, set.pods.len()));
        }
        sets
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
        used.extend((0..rpc_nodes).map(|k| self.rpc_node(k).consensus));
        used.sort();
        used.dedup();
        used
    }

    /// Every execution client some node runs.
    pub fn execution_in_use(&self, signers: u32, rpc_nodes: u32) -> Vec<ExecutionClient> {
        let mut used: Vec<ExecutionClient> = (0..signers).map(|i| self.signer(i).execution).collect();
        used.extend((0..rpc_nodes).map(|k| self.rpc_node(k).execution));
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
        assert_eq!(c.rpc_node(0), want);
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
        assert_eq!(c.rpc_node(0).consensus, ConsensusClient::Teku);
        assert_eq!(c.rpc_node(3).consensus, ConsensusClient::Teku, "one choice for all");
        assert_eq!(c.consensus_in_use(2, 0), vec![ConsensusClient::Lighthouse, ConsensusClient::Teku]);
        assert_eq!(c.signer(1).execution, ExecutionClient::Besu, "spread cycles the execution clients too");
        assert_eq!(c.execution_in_use(2, 0), vec![ExecutionClient::Geth, ExecutionClient::Besu]);
        assert_eq!(c.execution_in_use(1, 0), vec![ExecutionClient::Geth]);
    }

    #[test]
    fn rpc_nodes_of_one_pair_share_a_stateful_set_named_by_the_pair() {
        let pods = |sets: &[RpcSet]| sets.iter().map(|s| (s.stateful_set.clone(), s.pods.clone())).collect::<Vec<_>>();
        // One choice for all: every node in `r-rpc`, whatever the pair.
        let c: Clients = serde_json::from_value(serde_json::json!({"rpc": {"execution": "besu"}})).unwrap();
        assert_eq!(pods(&c.rpc_sets("eth", 2)), [("eth-rpc".into(), vec!["eth-rpc-0".into(), "eth-rpc-1".into()])]);
        assert_eq!(c.rpc_sets("eth", 2)[0].clients.execution, ExecutionClient::Besu);
        assert!(c.rpc_sets("eth", 0).is_empty());
        // A list: node k takes entry k, past its end the defaults; a set per pair.
        let c: Clients = serde_json::from_value(serde_json::json!({
            "consensus": "teku",
            "rpc": [{}, {"execution": "reth", "consensus": "lodestar"}, {"consensus": "teku"}]
        }))
        .unwrap();
        let sets = c.rpc_sets("eth", 5);
        let want = |set: &str, n: usize| (set.to_string(), (0..n).map(|k| format!("{set}-{k}")).collect::<Vec<_>>());
        assert_eq!(pods(&sets), [want("eth-rpc", 4), want("eth-rpc-reth-lodestar", 1)]);
        assert_eq!(sets[1].clients.consensus, ConsensusClient::Lodestar);

        assert_eq!(c.rpc_node(1).execution, ExecutionClient::Reth);
        assert_eq!(c.rpc_node(4).consensus, ConsensusClient::Teku, "past the list: the defaults");
        assert_eq!(c.consensus_in_use(0, 5), vec![ConsensusClient::Teku, ConsensusClient::Lodestar]);
        assert_eq!(c.execution_in_use(0, 2), vec![ExecutionClient::Geth, ExecutionClient::Reth]);
        // Sets are named by their pair: node 0 leaving the defaults moves alone.
        let moved: Clients =
            serde_json::from_value(serde_json::json!({"rpc": [{"execution": "besu"}, {}, {"execution": "besu"}]}))
                .unwrap();
        assert_eq!(pods(&moved.rpc_sets("eth", 4)), [want("eth-rpc-besu-lighthouse", 2), want("eth-rpc", 2)]);
        // Both forms say what is wrong in an entry.
        let err = serde_json::from_value::<Clients>(serde_json::json!({"rpc": [{"cl": "teku"}]})).unwrap_err();
        assert!(err.to_string().contains("unknown field `cl`"), "{err}");
        let err = serde_json::from_value::<Clients>(serde_json::json!({"rpc": {"consensus": "prism"}})).unwrap_err();
        assert!(err.to_string().contains("unknown variant `prism`, expected"), "{err}");
    }

    #[test]
    fn an_unknown_client_names_the_supported_ones() {
        let err = serde_json::from_value::<Clients>(serde_json::json!({"consensus": "prism"})).unwrap_err();
        assert!(err.to_string().contains("unknown variant `prism`, expected"), "{err}");
        let err = serde_json::from_value::<Clients>(serde_json::json!({"signers": [{"cl": "teku"}]})).unwrap_err();
        assert!(err.to_string().contains("unknown field `cl`"), "{err}");
    }
}
