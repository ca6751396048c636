//! Proof-of-stake genesis: geth's genesis.json (every fork through the genesis fork at time 0,
//! the deposit and system contracts, the prefunded accounts), the consensus clients'
//! config.yaml and deposit_contract_block(_hash).txt, and genesis.ssz (the genesis BeaconState),
//! all from the validators' public keys and withdrawal credentials that the secrets plugin
//! provides (`consensus-genesis` does the work; see its README for the rules followed).
//!
//! genesis.ssz is about 2.7 MB plus ~140 B per validator, over the 1 MiB object limit: it ships
//! gzip'd (randao_mixes alone is 2 MiB of one repeated hash), cut into ConfigMaps of at most
//! 512 KiB (`binaryData` key `genesis.ssz.gz.part`). Unpack: `cat part-0 part-1 ... | gunzip >
//! genesis.ssz`, and check its sha256 against the `genesis` output.

use crate::{address_bytes, wei, Values};
use consensus_genesis::{
    GenesisArtefacts, GenesisFork, GenesisInput, PrefundedAccount, ScheduledBpo, ValidatorInput, SCHEDULED_BPO_NAMES,
};
use ethwasm_ethereum_types::{GenesisRef, PosGenesis, Prefunded, Validators};
use ethwasm_plugin::{k8s, Output, PluginError};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Parts of the gzip'd genesis.ssz stay under this size.
const PART_BYTES: usize = 512 << 10;

/// `genesis.pos`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PosValues {
    /// The fork active at genesis: `fulu` (Osaka, BPO1, BPO2) or `electra` (Prague).
    pub fork: Fork,
    /// Unix seconds; 0: the release's creation time plus `genesis_delay`.
    pub genesis_time: u64,
    /// Seconds from the release's creation to genesis when `genesis_time` is 0: time for the
    /// nodes to start and peer before the first slot. Absent: [`default_genesis_delay`].
    pub genesis_delay: Option<u64>,
    pub seconds_per_slot: u64,
    /// The deposit contract's address in the genesis alloc.
    pub deposit_contract_address: String,
    /// Blob-parameter-only forks scheduled after genesis (BPO3 to BPO5), in epoch order.
    pub blob_schedule: Vec<BlobFork>,
}

/// A blob-parameter-only fork at an epoch after genesis (`genesis.pos.blobSchedule[]`).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlobFork {
    /// The first epoch with these parameters.
    pub epoch: u64,
    /// Blobs per block the base fee aims at.
    pub target: u64,
    /// Blobs per block at most.
    pub max: u64,
    /// How fast the blob base fee follows demand (EIP-4844's BLOB_BASE_FEE_UPDATE_FRACTION).
    pub base_fee_update_fraction: u64,
}

impl Default for PosValues {
    fn default() -> Self {
        PosValues {
            fork: Fork::Fulu,
            genesis_time: 0,
            genesis_delay: None,
            seconds_per_slot: 12,
            deposit_contract_address: format!("0x{}", "42".repeat(20)),
            blob_schedule: Vec::new(),
        }
    }
}

/// The genesis fork.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Fork {
    Electra,
    Fulu,
}

fn unhex<const N: usize>(what: &str, text: &str) -> Result<[u8; N], PluginError> {
    let bytes = hex::decode(text.trim_start_matches("0x"))
        .map_err(|e| PluginError::MissingInput(format!("validators: {what} `{text}` is not hex: {e}")))?;
    bytes.try_into().map_err(|_| PluginError::MissingInput(format!("validators: {what} `{text}` is not {N} bytes")))
}

/// The BLS aggregate of the sync committee's keys (by the host, natively, when there is one).
fn aggregate(pubkeys: &[[u8; 48]]) -> Result<[u8; 48], String> {
    consensus_keys::best::backend().aggregate_public_keys(pubkeys).map_err(|e| e.to_string())
}

/// gzip with no timestamp or name, so the same state always gives the same bytes. Chains created
/// from [`GENESIS_DEFAULTS_V2`] on use the fast level: the state is mostly zeros, so it packs to
/// 24 KB instead of 12 KB, in a fifth of the time (0.8 against 3.5 ms natively, more in wasm);
/// older chains keep the best level, and with it their ConfigMaps' bytes.
fn gzip(bytes: &[u8], created: u64) -> Vec<u8> {
    use std::io::Write;
    let level = if created >= GENESIS_DEFAULTS_V2 { flate2::Compression::fast() } else { flate2::Compression::best() };
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

/// Releases created from this time on get the genesis defaults of chart 0.2 (a longer genesis
/// delay, no `osaka` blobSchedule entry, and the secrets plugin's deposit account funded).
pub use ethwasm_ethereum_types::GENESIS_DEFAULTS_V2;

/// The genesis delay when `genesis.pos.genesisDelay` is not given: 300 s for chains created from
/// [`GENESIS_DEFAULTS_V2`] on, room for a first pull of the geth and Lighthouse images (about
/// 60 MB and 150 MB compressed) and for volumes to be provisioned before the first slot; 60 s
/// for chains created before.
pub fn default_genesis_delay(created: u64) -> u64 {
    if created >= GENESIS_DEFAULTS_V2 {
        300
    } else {
        60
    }
}

/// The genesis time: `genesis.pos.genesisTime`, else the release's creation time (`created`,
/// Unix seconds, the same on every upgrade) plus `genesis.pos.genesisDelay`.
pub fn genesis_time(p: &PosValues, created: u64) -> Result<u64, PluginError> {
    if p.genesis_time != 0 {
        return Ok(p.genesis_time);
    }
    if created == 0 {
        return Err(PluginError::InvalidValues(
            "pos.genesisTime: the release has no creation time to start from; set genesis.pos.genesisTime (unix \
             seconds), or render with --created"
                .into(),
        ));
    }
    let delay = p.genesis_delay.unwrap_or_else(|| default_genesis_delay(created));
    created.checked_add(delay).ok_or_else(|| PluginError::InvalidValues("pos.genesisDelay: too large".into()))
}

/// Renders the proof-of-stake genesis for `release`, created at `created` (Unix seconds).
pub fn render(
    release: &str,
    created: u64,
    v: &Values,
    prefunded: &Prefunded,
    validators: &Validators,
) -> Result<Output, PluginError> {
    let invalid = PluginError::InvalidValues;
    let p = &v.pos;
    if validators.pubkeys.is_empty() {
        return Err(PluginError::MissingInput(
            "validators: the secrets plugin made no validator keys. It makes them when global.consensus is pos \
             (a chart copies genesis.consensus there; with --plugins alone, also --set global.consensus=pos) and \
             global.topology.validators > 0"
                .into(),
        ));
    }
    let genesis_time = genesis_time(p, created)?;
    let mut input = genesis_input(created, genesis_time, v, validators)?;
    let input_gas_limit = input.gas_limit;
    input.prefunded = prefunded_accounts(v, prefunded)?;

    let g = consensus_genesis::build_genesis(&input, &aggregate).map_err(|e| invalid(e.to_string()))?;
    let ssz_sha = hex::encode(Sha256::digest(&g.genesis_ssz));
    let name = format!("{release}-genesis");
    let testnet = format!("{release}-testnet");
    let (out, parts) = config_maps(release, [&name, &testnet], (v.chain_id, created), &g, deadlines(&input));
    let pos = PosGenesis {
        fork: match p.fork {
            Fork::Electra => "electra",
            Fork::Fulu => "fulu",
        }
        .into(),
        genesis_time,
        seconds_per_slot: p.seconds_per_slot,
        execution_genesis_hash: format!("0x{}", hex::encode(g.execution_block_hash)),
        genesis_validators_root: format!("0x{}", hex::encode(g.genesis_validators_root)),
        fork_digest: format!("0x{}", hex::encode(g.fork_digest)),
        testnet_config_map: testnet,
        genesis_ssz_parts: parts,
        genesis_ssz_sha256: format!("0x{ssz_sha}"),
        state_root: format!("0x{}", hex::encode(g.beacon_state_root)),
    };
    let notes = format!(
        "Proof of stake ({fork}): genesis at {time} (unix), {n} validators, execution genesis {hash}, \
         genesis_validators_root {root}, fork digest {digest}",
        fork = pos.fork,
        time = genesis_time,
        n = validators.pubkeys.len(),
        hash = pos.execution_genesis_hash,
        root = pos.genesis_validators_root,
        digest = pos.fork_digest,
    );
    let out_ref = GenesisRef {
        config_map: name,
        key: "genesis.json".into(),
        chain_id: v.chain_id,
        network_id: v.chain_id,
        consensus: v.consensus,
        hash: content_hash(&g, &ssz_sha),
        gas_limit: Some(input_gas_limit),
        pos: Some(pos),
    };
    Ok(out.output("genesis", &out_ref).notes(notes))
}

/// The genesis input from the values, starting at `genesis_time`, with the validators' keys and
/// withdrawal credentials (the prefunded accounts are [`prefunded_accounts`]).
fn genesis_input(
    created: u64,
    genesis_time: u64,
    v: &Values,
    validators: &Validators,
) -> Result<GenesisInput, PluginError> {
    let invalid = PluginError::InvalidValues;
    let p = &v.pos;
    let fork = match p.fork {
        Fork::Electra => GenesisFork::Electra,
        Fork::Fulu => GenesisFork::Fulu,
    };
    let mut input = GenesisInput::new(v.chain_id, genesis_time, fork);
    input.seconds_per_slot = p.seconds_per_slot;
    input.osaka_blob_entry = created < GENESIS_DEFAULTS_V2;
    input.gas_limit =
        u64::from_str_radix(v.gas_limit.trim_start_matches("0x"), 16).map_err(|e| invalid(format!("gasLimit: {e}")))?;
    let deposit =
        address_bytes(&p.deposit_contract_address).map_err(|e| invalid(format!("pos.depositContractAddress: {e}")))?;
    input.deposit_contract_address = deposit.try_into().unwrap_or_default();
    input.scheduled_bpos = p
        .blob_schedule
        .iter()
        .map(|b| ScheduledBpo {
            epoch: b.epoch,
            target: b.target,
            max: b.max,
            base_fee_update_fraction: b.base_fee_update_fraction,
        })
        .collect();
    if validators.withdrawal_credentials.len() != validators.pubkeys.len() {
        return Err(PluginError::MissingInput("validators: one withdrawal credential per public key".into()));
    }
    for (pk, wc) in validators.pubkeys.iter().zip(&validators.withdrawal_credentials) {
        input.validators.push(ValidatorInput::new(unhex("public key", pk)?, unhex("withdrawal credential", wc)?));
    }
    Ok(input)
}

/// The accounts funded at genesis, by address: the secrets plugin's accounts at `balance`, then
/// the `alloc` entries (balances only).
fn prefunded_accounts(v: &Values, prefunded: &Prefunded) -> Result<Vec<PrefundedAccount>, PluginError> {
    let invalid = PluginError::InvalidValues;
    let balance = wei::parse(&v.balance).map_err(|e| invalid(format!("balance: {e}")))?.to_string();
    // The nodes' own accounts are not funded: they sign nothing on a proof-of-stake chain, and
    // leaving them out keeps the genesis when a node is added (the host refuses a changed
    // genesis). Generated and supplied accounts and the withdrawal account are.
    let funded = prefunded.accounts.iter();
    // By address bytes: one entry per account however its address is written, a `genesis.alloc`
    // entry winning over a generated one.
    let mut accounts: std::collections::BTreeMap<[u8; 20], String> = std::collections::BTreeMap::new();
    for a in funded {
        let bytes = address_bytes(a).map_err(|e| PluginError::MissingInput(format!("prefunded: {e}")))?;
        accounts.insert(bytes.try_into().unwrap_or_default(), balance.clone());
    }
    for (addr, entry) in &v.alloc {
        if let Some(extra) = entry.as_object().and_then(|e| e.keys().find(|k| *k != "balance")) {
            return Err(invalid(format!(
                "alloc.{addr}.{extra}: proof-of-stake genesis takes balances only in alloc (code, storage and \
                 nonce are for clique and ethash)"
            )));
        }
        let wei = match entry.get("balance") {
            Some(b) => wei::parse(b).map_err(|e| invalid(format!("alloc.{addr}.balance: {e}")))?.to_string(),
            None => "0".into(),
        };
        let bytes = address_bytes(addr).map_err(|e| invalid(format!("alloc.{addr}: {e}")))?;
        accounts.insert(bytes.try_into().unwrap_or_default(), wei);
    }
    let mut out = Vec::new();
    for (address, balance_wei) in accounts {
        out.push(PrefundedAccount { address, balance_wei });
    }
    Ok(out)
}

/// The annotation the host reads at deploy time: what must be rolled out before when, as a
/// JSON object of label -> Unix seconds. A render has no clock; the host refuses a newly
/// scheduled fork that has passed, or that a rollout might not finish before.
pub const DEADLINES_ANNOTATION: &str = "ethwasm.io/deadlines";

/// The scheduled forks' times as deadlines (the value of [`DEADLINES_ANNOTATION`]): every node
/// must have restarted onto the new config.yaml and chain config before each. None without any.
fn deadlines(input: &GenesisInput) -> Option<String> {
    if input.scheduled_bpos.is_empty() {
        return None;
    }
    let deadlines: serde_json::Map<String, serde_json::Value> = input
        .scheduled_bpos
        .iter()
        .zip(SCHEDULED_BPO_NAMES)
        .map(|(b, name)| (format!("{} at epoch {}", name.to_uppercase(), b.epoch), json!(input.epoch_time(b.epoch))))
        .collect();
    Some(serde_json::Value::Object(deadlines).to_string())
}

/// The genesis ConfigMaps: `name` (genesis.json and the network id), `testnet` (the consensus
/// clients' config.yaml and deposit contract block) and the gzip'd genesis.ssz in parts, whose
/// names are returned.
/// The testnet ConfigMap carries `deadlines` ([`DEADLINES_ANNOTATION`]) when forks are scheduled.
fn config_maps(
    release: &str,
    [name, testnet]: [&str; 2],
    (chain_id, created): (u64, u64),
    g: &GenesisArtefacts,
    deadlines: Option<String>,
) -> (Output, Vec<String>) {
    let packed = gzip(&g.genesis_ssz, created);
    let labels = json!({ "app.kubernetes.io/name": "genesis", "app.kubernetes.io/instance": release });
    let network_id = chain_id.to_string();
    let mut out = Output::new();
    let mut el = k8s::config_map(name, [("genesis.json", g.genesis_json.as_str()), ("networkId", network_id.as_str())]);
    el["metadata"]["labels"] = labels.clone();
    out = out.manifest(el);
    let mut cl = k8s::config_map(
        testnet,
        [
            ("config.yaml", g.config_yaml.as_str()),
            ("deposit_contract_block.txt", g.deposit_contract_block.as_str()),
            ("deposit_contract_block_hash.txt", g.deposit_contract_block_hash.as_str()),
        ],
    );
    cl["metadata"]["labels"] = labels.clone();
    if let Some(d) = deadlines {
        cl["metadata"]["annotations"] = json!({ DEADLINES_ANNOTATION: d });
    }
    out = out.manifest(cl);
    let mut parts = Vec::new();
    for (k, chunk) in packed.chunks(PART_BYTES).enumerate() {
        let part = format!("{release}-genesis-ssz-{k}");
        let mut cm = k8s::binary_config_map(&part, [("genesis.ssz.gz.part", chunk)]);
        cm["metadata"]["labels"] = labels.clone();
        out = out.manifest(cm);
        parts.push(part);
    }
    (out, parts)
}

/// The content hash workloads carry, so they roll when any genesis file changes: over
/// genesis.json, config.yaml and genesis.ssz's sha256 (`ssz_sha`).
fn content_hash(g: &GenesisArtefacts, ssz_sha: &str) -> String {
    let mut h = Sha256::new();
    for piece in [g.genesis_json.as_bytes(), g.config_yaml.as_bytes(), ssz_sha.as_bytes()] {
        h.update((piece.len() as u64).to_be_bytes());
        h.update(piece);
    }
    hex::encode(h.finalize())
}
