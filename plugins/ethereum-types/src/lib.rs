//! The outputs the Ethereum chart's plugins exchange (`provides`/`requires`), typed once so the
//! producer and every consumer agree on the JSON. Field names are camelCase on the wire; add
//! fields rather than change them, since third-party plugins may read these outputs too.

use serde::{Deserialize, Serialize};

mod clients;
pub use clients::{Clients, ConsensusClient, ExecutionClient, NodeChoice, NodeClients, RpcChoice, RpcSet};

/// Output names, for `provides`/`requires` and the `input`/`output` calls, so a typo fails to compile.
pub mod names {
    pub const SIGNERS: &str = "signers";
    pub const PREFUNDED: &str = "prefunded";
    pub const NODE_KEYS: &str = "node-keys";
    pub const ETHSTATS_SECRET: &str = "ethstats-secret";
    pub const GENESIS: &str = "genesis";
    pub const BOOTNODES: &str = "bootnodes";
    pub const ETHSTATS: &str = "ethstats";
    pub const VALIDATORS: &str = "validators";
    pub const TOOL_ACCOUNTS: &str = "tool-accounts";
    pub const NETWORK: &str = "network";
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
    /// Block producers: Clique signers, ethash miners, or (proof of stake) execution and
    /// consensus node pairs that each run a validator client with a slice of the keys.
    pub signers: u32,
    pub rpc_nodes: u32,
    pub bootnodes: u32,
    /// Proof of stake only: the validators that run, split across the signers: the genesis
    /// validators, then those that join by deposit.
    pub validators: u32,
    /// Proof of stake only: the validators of the genesis (the chart keeps the count of the
    /// first install, chart.yaml `keep`). None: all of `validators`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis_validators: Option<u32>,
}

impl Topology {
    /// The validators of the genesis: `genesis_validators`, else every one of `validators`.
    pub fn genesis_validators(&self) -> u32 {
        self.genesis_validators.unwrap_or(self.validators)
    }
}

impl Default for Topology {
    fn default() -> Self {
        Topology { signers: 2, rpc_nodes: 1, bootnodes: 1, validators: 64, genesis_validators: None }
    }
}

/// Chains created from this time on (2026-12-07T00:00:00Z, Unix seconds) get the genesis of
/// chart 0.2: a longer genesis delay, no `osaka` blobSchedule entry, and a funded deposit
/// account (validators join by deposit from it). A chain keeps the genesis it was made with: its
/// creation time never changes, so a release made before keeps the older genesis on every
/// upgrade, and its genesis hash with it.
pub const GENESIS_DEFAULTS_V2: u64 = 1_796_601_600;

/// Signers when `global.topology.signers` is not given: proof of stake splits the validators
/// over 4 clients, the fewest even slices of which one can be lost without losing finality
/// (each holds a quarter, under a third); Clique and ethash keep 2, as charts before proof of
/// stake did (a Clique genesis lists its signers, so a new default would be a new chain).
pub fn default_signers(consensus: Option<Consensus>) -> u32 {
    match consensus {
        Some(Consensus::Pos) => 4,
        _ => 2,
    }
}

/// `global.topology` as values write it: `signers` may be left out (or null) for the
/// consensus's default, [`default_signers`].
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct TopologyValues {
    signers: Option<u32>,
    rpc_nodes: Option<u32>,
    bootnodes: Option<u32>,
    validators: Option<u32>,
    genesis_validators: Option<u32>,
}

/// The `global` section as values write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GlobalValues {
    topology: TopologyValues,
    cluster_domain: String,
    consensus: Option<Consensus>,
    chain_id: Option<u64>,
    deposit_contract: Option<String>,
    clients: Clients,
}

impl Default for GlobalValues {
    fn default() -> Self {
        let g = Global::default();
        GlobalValues {
            topology: TopologyValues::default(),
            cluster_domain: g.cluster_domain,
            consensus: None,
            chain_id: None,
            deposit_contract: None,
            clients: Clients::default(),
        }
    }
}

impl From<GlobalValues> for Global {
    fn from(g: GlobalValues) -> Self {
        let (t, d) = (g.topology, Topology::default());
        Global {
            topology: Topology {
                signers: t.signers.unwrap_or_else(|| default_signers(g.consensus)),
                rpc_nodes: t.rpc_nodes.unwrap_or(d.rpc_nodes),
                bootnodes: t.bootnodes.unwrap_or(d.bootnodes),
                validators: t.validators.unwrap_or(d.validators),
                genesis_validators: t.genesis_validators,
            },
            cluster_domain: g.cluster_domain,
            consensus: g.consensus,
            chain_id: g.chain_id,
            deposit_contract: g.deposit_contract,
            clients: g.clients,
        }
    }
}

/// The `global` values section of the Ethereum chart.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(from = "GlobalValues")]
pub struct Global {
    pub topology: Topology,
    /// The cluster's DNS domain, for enode URLs.
    pub cluster_domain: String,
    /// The consensus engine, for plugins that cannot see `genesis.consensus` (the chart copies
    /// it here: chart.yaml `globals`). Absent: clique.
    pub consensus: Option<Consensus>,
    /// The execution chain id, for plugins that sign for the network (the chart copies
    /// `genesis.chainId` here). Absent: not known.
    pub chain_id: Option<u64>,
    /// The deposit contract's address, for plugins that deposit (the chart copies
    /// `genesis.pos.depositContractAddress` here). Absent: not known.
    pub deposit_contract: Option<String>,
    /// Proof of stake: which execution and consensus client each node runs.
    pub clients: Clients,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            topology: Topology::default(),
            cluster_domain: "cluster.local".into(),
            consensus: None,
            chain_id: None,
            deposit_contract: None,
            clients: Clients::default(),
        }
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

/// Output `network` (miners): where the network's clients answer, for the plugins of the tools
/// that read them (explorers, faucet, load generator, dashboards).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub consensus: Option<Consensus>,
    pub chain_id: u64,
    /// JSON-RPC over HTTP and WebSocket through the RPC nodes' Service; None without RPC nodes.
    pub rpc_http: Option<String>,
    pub rpc_ws: Option<String>,
    /// Each RPC node's own JSON-RPC over HTTP (proof of stake), by pod.
    pub rpc_nodes: Vec<Endpoint>,
    /// Proof of stake: every beacon node's API (signers first, then RPC nodes), by pod.
    pub beacon_nodes: Vec<Endpoint>,
    /// Proof of stake: the beacon API through the RPC nodes' beacon Service.
    pub beacon_service: Option<String>,
    /// Proof of stake: genesis time (Unix seconds) and slot length.
    pub genesis_time: Option<u64>,
    pub seconds_per_slot: Option<u64>,
    /// The ConfigMap and key of geth's genesis.json.
    pub genesis_config_map: String,
    /// Metrics endpoints the pods serve (none unless `miners.metrics.enabled`).
    pub metrics: Vec<MetricsEndpoint>,
}

/// A named HTTP endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub name: String,
    pub url: String,
}

/// Where one kind of pod serves Prometheus metrics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MetricsEndpoint {
    /// What serves them: `geth`, `beacon` or `validator`.
    pub job: String,
    /// The pods' labels to select them by.
    pub selector: std::collections::BTreeMap<String, String>,
    /// The container port's name and number.
    pub port_name: String,
    pub port: u16,
    pub path: String,
}

/// Output `tool-accounts` (secrets): accounts the genesis funds for the network's tools, whether
/// or not they run, so turning a tool on never changes the genesis: one for the faucet, one for
/// the load generator, and a funder that tools to come draw from at run time. Null for chains
/// created before [`GENESIS_DEFAULTS_V2`], whose genesis funds none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ToolAccounts {
    pub funder: Account,
    pub faucet: Account,
    pub load_generator: Account,
}

/// A funded account whose key is in a Secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// EIP-55 address.
    pub address: String,
    /// Its private key, 64 hex digits without 0x; the same Secret has it with 0x as `key-0x`.
    pub key: SecretKeyRef,
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
    /// Proof of stake: an execution client and a beacon node per node, validator clients.
    Pos,
}

impl Consensus {
    /// The name values use for it (`genesis.consensus`).
    pub fn as_str(self) -> &'static str {
        match self {
            Consensus::Clique => "clique",
            Consensus::Ethash => "ethash",
            Consensus::Pos => "pos",
        }
    }
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
    /// The genesis block's gas limit, which the nodes keep (`--miner.gaslimit`). Absent from
    /// genesis plugins that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<u64>,
    /// Proof of stake: the consensus side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<PosGenesis>,
}

/// The proof-of-stake part of output `genesis`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PosGenesis {
    /// `electra` or `fulu`.
    pub fork: String,
    /// Unix seconds.
    pub genesis_time: u64,
    pub seconds_per_slot: u64,
    /// 0x-hex: the execution genesis block hash (also in the beacon state's payload header).
    pub execution_genesis_hash: String,
    /// 0x-hex.
    pub genesis_validators_root: String,
    /// 0x-hex, 4 bytes.
    pub fork_digest: String,
    /// ConfigMap with config.yaml, deposit_contract_block.txt and deposit_contract_block_hash.txt
    /// (Lighthouse's `--testnet-dir`, with genesis.ssz unpacked beside them).
    pub testnet_config_map: String,
    /// ConfigMaps holding genesis.ssz gzip'd and cut into parts (binaryData key
    /// `genesis.ssz.gz.part`), in order: `cat` the parts, then `gunzip`.
    pub genesis_ssz_parts: Vec<String>,
    /// sha256 of the uncompressed genesis.ssz, 0x-hex.
    pub genesis_ssz_sha256: String,
    /// 0x-hex: `hash_tree_root` of the genesis BeaconState. It decides the chain on both sides
    /// (the state holds the genesis time, fork, validators and the execution genesis block's
    /// header) and nothing scheduled for later (forks after genesis, blob schedules) changes
    /// it; workloads carry it as `ethwasm.io/genesis-id`. Empty from genesis plugins that
    /// predate it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state_root: String,
}

/// One validator client: a slice of the validator keys, run beside one signer node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorClient {
    /// The signer it runs with.
    pub signer: u32,
    /// Genesis validator indices `first .. first + count`.
    pub first: u32,
    pub count: u32,
    /// Validator indices past the genesis ones that join by deposit, ascending (the chart's
    /// secrets plugin gives index `i` to client `i % clients`, so adding validators never moves
    /// a key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<u32>,
    /// Secrets holding its EIP-2335 keystores, key `<0xpubkey>.json` each (split to stay under
    /// the 1 MiB object limit).
    pub keystore_secrets: Vec<String>,
    /// The password of all its keystores.
    pub password: SecretKeyRef,
}

impl ValidatorClient {
    /// Every validator index it runs: its genesis slice, then those that joined.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        (self.first..self.first + self.count).chain(self.joined.iter().copied())
    }

    /// How many validators it runs.
    pub fn held(&self) -> u32 {
        self.count + self.joined.len() as u32
    }
}

/// Ascending `indices` as inclusive ranges, `0-15,64,68-69` (the form of the chart's
/// `ethwasm.io/validators` and `ethwasm.io/holds-set` annotations).
pub fn ranges_text(indices: impl IntoIterator<Item = u32>) -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for i in indices {
        match ranges.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(i) => *end = i,
            _ => ranges.push((i, i)),
        }
    }
    let text: Vec<String> =
        ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
    text.join(",")
}

/// A node key of a beacon node, with the libp2p peer id it gives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BeaconNodeKey {
    pub pod: String,
    /// `16Uiu2...`: base58 of the identity multihash of the secp256k1 public key.
    pub peer_id: String,
    /// The raw 32 key bytes (binary, in the Secret's `data`): the file Lighthouse reads as
    /// `<datadir>/beacon/network/key`, which must hold exactly those bytes.
    pub node_key: SecretKeyRef,
    /// The same key as Lodestar's `peer-id.json` (`id`, `pubKey`, `privKey`: libp2p's protobuf
    /// keys in padded base64), for pods whose beacon node is Lodestar; else none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id_json: Option<SecretKeyRef>,
}

/// Output `validators` (secrets): the proof-of-stake key material. Empty unless the network is
/// proof of stake.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Validators {
    /// 0x-hex compressed BLS12-381 public keys, in validator index order.
    pub pubkeys: Vec<String>,
    /// 0x-hex withdrawal credentials, one per validator.
    pub withdrawal_credentials: Vec<String>,
    /// EIP-55 execution address the validators withdraw to.
    pub withdrawal_address: String,
    /// The BIP-39 mnemonic every validator key derives from (EIP-2334 paths).
    pub mnemonic: Option<SecretKeyRef>,
    pub clients: Vec<ValidatorClient>,
    /// The engine API JWT secret (64 hex digits) by pod: one per execution/beacon pair.
    pub jwt: Vec<(String, SecretKeyRef)>,
    pub beacon_nodes: Vec<BeaconNodeKey>,
    /// Voluntary exits signed for `secrets.validators.exits`, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exits: Option<ExitsRef>,
    /// Deposits of the validators past the genesis ones, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposits: Option<DepositsRef>,
}

/// Deposits for the validators that join a running chain, signed in the sandbox: their
/// deposit data and the transactions that send it to the deposit contract, in one Secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DepositsRef {
    /// The Secret: `deposit_data.json` (deposit-cli's shape) and `transactions`, a line per
    /// deposit in nonce order: `<validator index> <0x transaction hash> <0x signed transaction>`.
    pub secret: String,
    /// The validator indices, ascending.
    pub indices: Vec<u32>,
    /// The EIP-55 address of the account that sends them (funded at genesis).
    pub account: String,
}

/// Signed voluntary exits, one JSON file per validator (`exit-<index>.json`, a
/// `SignedVoluntaryExit` as the beacon API's `POST /eth/v1/beacon/pool/voluntary_exits` takes
/// it) in one Secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExitsRef {
    /// The Secret holding them.
    pub secret: String,
    /// The validator indices, ascending.
    pub indices: Vec<u32>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_text_joins_runs() {
        assert_eq!(ranges_text([0, 1, 2, 3, 10, 14, 15]), "0-3,10,14-15");
        assert_eq!(ranges_text([7]), "7");
        assert_eq!(ranges_text([]), "");
        assert_eq!(ranges_text([u32::MAX - 1, u32::MAX]), format!("{}-{}", u32::MAX - 1, u32::MAX));
    }
}
