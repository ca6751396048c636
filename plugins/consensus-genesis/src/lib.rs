//! Genesis of a private Ethereum proof-of-stake network, Electra/Prague or Fulu/Osaka at genesis:
//! geth's genesis.json with the genesis block's state root and hash, the consensus config.yaml, and the
//! genesis BeaconState (genesis.ssz, mainnet preset) with its validators root and fork digest.
//!
//! Pure Rust and deterministic (no clock, randomness, files or threads), so it runs inside a
//! wasm32-unknown-unknown plugin. BLS aggregation of the sync committee keys is the caller's
//! ([`PubkeyAggregator`]), so no BLS library is linked here.
//!
//! Sources followed: go-ethereum core/genesis.go and params/config.go (header fields, blob schedule),
//! EIP-4788/2935/7002/7251 (system contracts), the consensus specs (Electra/Fulu beacon-chain, genesis
//! test helper, configs/mainnet.yaml), and ethpandaops' eth-beacon-genesis and
//! ethereum-genesis-generator (alloc contents, file set); where the last two differ from the specs, the
//! specs win (see [`GenesisArtefacts`] and the crate's README).

#![cfg_attr(test, allow(clippy::unwrap_used))]
#![deny(missing_docs)]

mod config;
mod el;
mod error;
pub mod preset;
mod shuffle;
pub mod signing;
mod ssz;
mod state;
mod trie;

pub use error::GenesisError;

use preset::{
    COMPOUNDING_WITHDRAWAL_PREFIX, EFFECTIVE_BALANCE_INCREMENT, MAX_BLOBS_PER_BLOCK_ELECTRA,
    MAX_EFFECTIVE_BALANCE_ELECTRA, MIN_ACTIVATION_BALANCE, MIN_DEPOSIT_AMOUNT, UNSET_DEPOSIT_REQUESTS_START_INDEX,
};
use std::collections::BTreeSet;

/// Largest validator set accepted (2^20): far above any private network, and it keeps every SSZ
/// offset of the state well inside 32 bits.
pub const MAX_VALIDATORS: usize = 1 << 20;

/// Default deposit contract address of devnets (0x4242...4242).
pub const DEFAULT_DEPOSIT_CONTRACT_ADDRESS: [u8; 20] = [0x42; 20];

/// Default execution gas limit of the genesis block (60M, mainnet's limit since 2025).
pub const DEFAULT_GAS_LIMIT: u64 = 60_000_000;

/// The consensus fork active at genesis, with its execution counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GenesisFork {
    /// Electra with Prague (Shanghai, Cancun, Prague at time 0).
    Electra,
    /// Fulu with Osaka and the blob-parameter-only forks BPO1 and BPO2, all at genesis.
    Fulu,
}

/// One genesis validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorInput {
    /// Compressed BLS12-381 G1 public key.
    pub pubkey: [u8; 48],
    /// 0x00 (BLS), 0x01 (execution address) or 0x02 (compounding) withdrawal credentials.
    pub withdrawal_credentials: [u8; 32],
    /// Balance in gwei; the effective balance is this rounded down to whole ETH and capped at 32 ETH
    /// (2048 ETH with 0x02 credentials). Validators below 32 ETH effective are not active at genesis.
    pub balance_gwei: u64,
}

impl ValidatorInput {
    /// A validator with the usual 32 ETH.
    pub fn new(pubkey: [u8; 48], withdrawal_credentials: [u8; 32]) -> Self {
        ValidatorInput { pubkey, withdrawal_credentials, balance_gwei: MIN_ACTIVATION_BALANCE }
    }
}

/// An execution account funded at genesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefundedAccount {
    /// The 20-byte address.
    pub address: [u8; 20],
    /// Balance in wei: decimal digits, or 0x-prefixed hex, below 2^256.
    pub balance_wei: String,
}

/// Fork versions of the network; they must differ from each other and from mainnet's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ForkVersions {
    /// GENESIS_FORK_VERSION (phase 0).
    pub genesis: [u8; 4],
    /// ALTAIR_FORK_VERSION.
    pub altair: [u8; 4],
    /// BELLATRIX_FORK_VERSION (the Merge).
    pub bellatrix: [u8; 4],
    /// CAPELLA_FORK_VERSION (Shanghai on the execution side).
    pub capella: [u8; 4],
    /// DENEB_FORK_VERSION (Cancun).
    pub deneb: [u8; 4],
    /// ELECTRA_FORK_VERSION (Prague).
    pub electra: [u8; 4],
    /// FULU_FORK_VERSION (Osaka).
    pub fulu: [u8; 4],
    /// GLOAS_FORK_VERSION.
    pub gloas: [u8; 4],
    /// HEZE_FORK_VERSION.
    pub heze: [u8; 4],
}

impl ForkVersions {
    /// Versions derived from the chain id: first byte `0x10` (genesis), `0x20` (Altair) ... `0x90`
    /// (Heze), then the low 24 bits of the chain id big-endian; e.g. chain 1337 has genesis version
    /// 0x10000539 and Electra 0x60000539. Mainnet's versions start with 0x00..0x08, so these never
    /// collide with them, and two chains differ unless their ids agree modulo 2^24.
    pub fn for_chain(chain_id: u64) -> Self {
        let id = (chain_id & 0x00ff_ffff) as u32;
        let v = |n: u32| ((n << 28) | id).to_be_bytes();
        ForkVersions {
            genesis: v(1),
            altair: v(2),
            bellatrix: v(3),
            capella: v(4),
            deneb: v(5),
            electra: v(6),
            fulu: v(7),
            gloas: v(8),
            heze: v(9),
        }
    }

    fn all(&self) -> [[u8; 4]; 9] {
        [
            self.genesis,
            self.altair,
            self.bellatrix,
            self.capella,
            self.deneb,
            self.electra,
            self.fulu,
            self.gloas,
            self.heze,
        ]
    }

    /// The version of the genesis fork (`state.fork.current_version`).
    pub fn of(&self, fork: GenesisFork) -> [u8; 4] {
        match fork {
            GenesisFork::Electra => self.electra,
            GenesisFork::Fulu => self.fulu,
        }
    }
}

/// Everything the genesis is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisInput {
    /// Execution chain id, also DEPOSIT_CHAIN_ID and DEPOSIT_NETWORK_ID.
    pub chain_id: u64,
    /// Unix seconds: the beacon genesis time and the execution genesis timestamp (GENESIS_DELAY 0).
    pub genesis_time: u64,
    /// The fork the chain starts at (every earlier one active at genesis).
    pub fork: GenesisFork,
    /// SECONDS_PER_SLOT.
    pub seconds_per_slot: u64,
    /// The genesis validators, in index order.
    pub validators: Vec<ValidatorInput>,
    /// Execution accounts funded at genesis.
    pub prefunded: Vec<PrefundedAccount>,
    /// DEPOSIT_CONTRACT_ADDRESS (the contract is deployed there at genesis).
    pub deposit_contract_address: [u8; 20],
    /// The execution genesis block's gas limit.
    pub gas_limit: u64,
    /// Execution extra data, at most 32 bytes.
    pub extra_data: Vec<u8>,
    /// CONFIG_NAME: [a-z0-9-], not "mainnet".
    pub config_name: String,
    /// The fork versions the network's config.yaml names.
    pub fork_versions: ForkVersions,
    /// Write an `osaka` entry in genesis.json's blobSchedule. geth ignores it since v1.17.5
    /// (go-ethereum #35029: from Osaka until BPO1 it uses the `prague` entry), so new chains
    /// leave it out; chains made before keep it, since their genesis.json bytes name the chain.
    pub osaka_blob_entry: bool,
    /// Blob-parameter-only forks after genesis, in epoch order: BPO3, BPO4 and BPO5 of geth's
    /// chain config (a Fulu genesis already has BPO1 and BPO2 at time 0). They change
    /// config.yaml's BLOB_SCHEDULE and genesis.json's config, never the genesis state or block.
    pub scheduled_bpos: Vec<ScheduledBpo>,
}

/// A blob-parameter-only fork scheduled at an epoch after genesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledBpo {
    /// The first epoch with the new parameters (geth: the epoch's first slot's time).
    pub epoch: u64,
    /// geth's `blobSchedule.<fork>.target`.
    pub target: u64,
    /// Blobs per block at most: geth's `max`, config.yaml's `MAX_BLOBS_PER_BLOCK`.
    pub max: u64,
    /// geth's `baseFeeUpdateFraction`.
    pub base_fee_update_fraction: u64,
}

/// The names geth's chain config gives the forks [`GenesisInput::scheduled_bpos`] schedule, in
/// order (go-ethereum params/config.go: `bpo3Time` .. `bpo5Time` and `blobSchedule.bpo3` ..).
pub const SCHEDULED_BPO_NAMES: [&str; 3] = ["bpo3", "bpo4", "bpo5"];

/// Slots per epoch (the mainnet preset every ethwasm network uses).
pub const SLOTS_PER_EPOCH: u64 = 32;

impl GenesisInput {
    /// The Unix time epoch `epoch` starts at: `genesis_time + epoch * 32 * seconds_per_slot`.
    pub fn epoch_time(&self, epoch: u64) -> u64 {
        self.genesis_time.saturating_add(epoch.saturating_mul(SLOTS_PER_EPOCH * self.seconds_per_slot))
    }
}

impl GenesisInput {
    /// An input with the defaults: 12 s slots, deposit contract at 0x4242...4242, 60M gas,
    /// no extra data, config name `ethwasm-<chain id>`, fork versions from [`ForkVersions::for_chain`],
    /// and no validators or prefunded accounts yet.
    pub fn new(chain_id: u64, genesis_time: u64, fork: GenesisFork) -> Self {
        GenesisInput {
            chain_id,
            genesis_time,
            fork,
            seconds_per_slot: 12,
            validators: Vec::new(),
            prefunded: Vec::new(),
            deposit_contract_address: DEFAULT_DEPOSIT_CONTRACT_ADDRESS,
            gas_limit: DEFAULT_GAS_LIMIT,
            extra_data: Vec::new(),
            config_name: format!("ethwasm-{chain_id}"),
            fork_versions: ForkVersions::for_chain(chain_id),
            osaka_blob_entry: false,
            scheduled_bpos: Vec::new(),
        }
    }
}

/// Aggregates BLS public keys (the spec's `eth_aggregate_pubkeys`: decompress each G1 point, add,
/// compress). Implemented by the caller; closures of the same shape implement it.
pub trait PubkeyAggregator {
    /// The aggregate of `pubkeys` (never empty), or why it cannot be formed.
    fn aggregate(&self, pubkeys: &[[u8; 48]]) -> Result<[u8; 48], String>;
}

impl<F> PubkeyAggregator for F
where
    F: Fn(&[[u8; 48]]) -> Result<[u8; 48], String>,
{
    fn aggregate(&self, pubkeys: &[[u8; 48]]) -> Result<[u8; 48], String> {
        self(pubkeys)
    }
}

/// The genesis files and the values derived from them.
///
/// Spec choices (where eth-beacon-genesis differs, the specs are followed):
/// - effective balance = balance rounded down to whole ETH, capped per credentials; active iff
///   >= 32 ETH (eth-beacon-genesis does not round down);
/// - sync committees by Electra's `get_next_sync_committee` (seed of epoch 1, 16-bit random values
///   against MAX_EFFECTIVE_BALANCE_ELECTRA; eth-beacon-genesis seeds with epoch 0 and weighs against
///   32 ETH, so its committees differ);
/// - `deposit_requests_start_index` = UNSET (2^64-1) for Electra and `eth1_data.deposit_count` (0) for
///   Fulu, as the specs' genesis helper sets it (eth-beacon-genesis leaves 0 for both);
/// - `eth1_data` = (empty deposit tree root, 0, execution genesis hash), `eth1_deposit_index` 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisArtefacts {
    /// geth genesis.json (pretty-printed, trailing newline).
    pub genesis_json: String,
    /// Execution genesis block hash.
    pub execution_block_hash: [u8; 32],
    /// Execution genesis state root.
    pub execution_state_root: [u8; 32],
    /// Consensus config.yaml.
    pub config_yaml: String,
    /// deposit_contract_block.txt ("0": the contract is in the genesis alloc).
    pub deposit_contract_block: String,
    /// deposit_contract_block_hash.txt (the execution genesis hash, 0x-hex; read by Nimbus).
    pub deposit_contract_block_hash: String,
    /// genesis.ssz: the SSZ-serialised genesis BeaconState.
    pub genesis_ssz: Vec<u8>,
    /// `hash_tree_root(state.validators)`.
    pub genesis_validators_root: [u8; 32],
    /// `compute_fork_digest` at epoch 0 (Fulu: masked with the epoch-0 blob parameters).
    pub fork_digest: [u8; 4],
    /// `hash_tree_root(state)`.
    pub beacon_state_root: [u8; 32],
    /// Root of the genesis block header (slot 0, this state root, the empty body root).
    pub beacon_block_root: [u8; 32],
    /// Validators active at genesis (MIN_GENESIS_ACTIVE_VALIDATOR_COUNT).
    pub active_validators: usize,
}

/// Scheduled BPO forks: a Fulu genesis, at most three, epochs after genesis in increasing
/// order, `0 < target <= max`, and a non-zero update fraction.
fn check_scheduled_bpos(input: &GenesisInput) -> Result<(), GenesisError> {
    let bad = |why: String| Err(GenesisError::BadBpoSchedule(why));
    if input.scheduled_bpos.is_empty() {
        return Ok(());
    }
    if input.fork != GenesisFork::Fulu {
        return bad("blob-parameter-only forks follow Fulu; the genesis fork is electra".into());
    }
    if input.scheduled_bpos.len() > SCHEDULED_BPO_NAMES.len() {
        return bad(format!(
            "{} forks given; geth's chain config has room for {} after BPO2 (bpo3 to bpo5)",
            input.scheduled_bpos.len(),
            SCHEDULED_BPO_NAMES.len()
        ));
    }
    let mut last = 0;
    for (b, name) in input.scheduled_bpos.iter().zip(SCHEDULED_BPO_NAMES) {
        if b.epoch <= last {
            return bad(format!("{name} at epoch {}: epochs must increase, and start after epoch 0", b.epoch));
        }
        if b.target == 0 || b.target > b.max || b.base_fee_update_fraction == 0 {
            return bad(format!(
                "{name}: target {} and max {} must satisfy 0 < target <= max, and baseFeeUpdateFraction {} > 0",
                b.target, b.max, b.base_fee_update_fraction
            ));
        }
        last = b.epoch;
    }
    Ok(())
}

fn validate(input: &GenesisInput) -> Result<(), GenesisError> {
    if input.validators.len() > MAX_VALIDATORS {
        return Err(GenesisError::TooManyValidators(input.validators.len()));
    }
    if input.extra_data.len() > 32 {
        return Err(GenesisError::ExtraDataTooLong(input.extra_data.len()));
    }
    if input.gas_limit == 0 {
        return Err(GenesisError::ZeroGasLimit);
    }
    if input.seconds_per_slot == 0 || input.seconds_per_slot > 3600 {
        return Err(GenesisError::BadSlotTime(input.seconds_per_slot));
    }
    let name = &input.config_name;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name != "mainnet"
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !name_ok {
        return Err(GenesisError::BadConfigName(name.clone()));
    }
    check_scheduled_bpos(input)?;
    let mut versions = BTreeSet::new();
    for version in input.fork_versions.all() {
        let mainnet_like = version[1..] == [0, 0, 0] && version[0] <= 0x0a;
        if mainnet_like || !versions.insert(version) {
            return Err(GenesisError::BadForkVersion(hex::encode(version)));
        }
    }
    let mut pubkeys = BTreeSet::new();
    for (index, v) in input.validators.iter().enumerate() {
        if v.balance_gwei < MIN_DEPOSIT_AMOUNT {
            return Err(GenesisError::ValidatorBalanceTooLow { index, balance_gwei: v.balance_gwei });
        }
        if v.withdrawal_credentials[0] > COMPOUNDING_WITHDRAWAL_PREFIX {
            return Err(GenesisError::BadWithdrawalCredentials { index, prefix: v.withdrawal_credentials[0] });
        }
        if !pubkeys.insert(v.pubkey) {
            return Err(GenesisError::DuplicateValidator { index, pubkey: hex::encode(v.pubkey) });
        }
    }
    Ok(())
}

/// Electra `get_max_effective_balance`.
fn max_effective_balance(withdrawal_credentials: &[u8; 32]) -> u64 {
    if withdrawal_credentials[0] == COMPOUNDING_WITHDRAWAL_PREFIX {
        MAX_EFFECTIVE_BALANCE_ELECTRA
    } else {
        MIN_ACTIVATION_BALANCE
    }
}

/// `compute_fork_digest(genesis_validators_root, epoch 0)`: Electra takes the first four bytes of the
/// fork data root; Fulu XORs it with `hash(uint64(blob_epoch) + uint64(max_blobs))` of the blob
/// parameters in force at epoch 0.
pub fn fork_digest(fork: GenesisFork, version: [u8; 4], genesis_validators_root: &[u8; 32]) -> [u8; 4] {
    let base = state::fork_data_root(version, genesis_validators_root);
    let mask = match fork {
        GenesisFork::Electra => [0u8; 32],
        GenesisFork::Fulu => {
            let max_blobs = blob_parameters_at_genesis(fork);
            let mut input = [0u8; 16];
            input[8..].copy_from_slice(&max_blobs.to_le_bytes());
            ssz::hash(&input)
        }
    };
    [base[0] ^ mask[0], base[1] ^ mask[1], base[2] ^ mask[2], base[3] ^ mask[3]]
}

/// Max blobs per block at epoch 0 (`get_blob_parameters(0).max_blobs_per_block`).
fn blob_parameters_at_genesis(fork: GenesisFork) -> u64 {
    match fork {
        GenesisFork::Electra => MAX_BLOBS_PER_BLOCK_ELECTRA,
        GenesisFork::Fulu => config::FULU_GENESIS_MAX_BLOBS,
    }
}

/// `hash_tree_root` of the genesis state's validators (the network's genesis validators root)
/// for `input`'s validators, without building the rest of the genesis: what a plugin that signs
/// for the network (a voluntary exit) needs, equal to [`GenesisArtefacts::genesis_validators_root`].
pub fn genesis_validators_root(input: &GenesisInput) -> [u8; 32] {
    state::validators_root(&genesis_validators(input))
}

/// Builds every genesis artefact. Deterministic: the same input gives byte-identical output.
pub fn build_genesis(input: &GenesisInput, bls: &dyn PubkeyAggregator) -> Result<GenesisArtefacts, GenesisError> {
    validate(input)?;

    // Execution layer.
    let el = el::build(input)?;
    let execution_block_hash = el.header.hash().0;
    let execution_state_root = el.header.state_root;

    // Validators and their activation.
    let validators = genesis_validators(input);
    let active: Vec<u64> =
        validators.iter().enumerate().filter(|(_, v)| v.activation_epoch == 0).map(|(i, _)| i as u64).collect();
    if active.is_empty() {
        return Err(GenesisError::NoActiveValidators);
    }
    let effective_balances: Vec<u64> = validators.iter().map(|v| v.effective_balance).collect();
    let genesis_validators_root = state::validators_root(&validators);

    // Randomness at genesis: every randao mix is the execution genesis hash.
    let mix = execution_block_hash;
    let sync_committee = sync_committee(&mix, &active, &effective_balances, &validators, bls)?;
    let proposer_lookahead = match input.fork {
        GenesisFork::Electra => Vec::new(),
        GenesisFork::Fulu => shuffle::proposer_lookahead(&mix, &active, &effective_balances),
    };

    let payload_header = payload_header(&el.header, execution_block_hash);

    let eth1_deposit_count = 0;
    let genesis_state = state::GenesisState {
        fork: input.fork,
        genesis_time: input.genesis_time,
        genesis_validators_root,
        fork_version: input.fork_versions.of(input.fork),
        latest_block_body_root: state::empty_block_body_root(),
        eth1_deposit_root: state::empty_deposit_root(),
        eth1_deposit_count,
        eth1_block_hash: execution_block_hash,
        eth1_deposit_index: 0,
        balances: input.validators.iter().map(|v| v.balance_gwei).collect(),
        validators,
        randao_mix: mix,
        sync_committee,
        latest_execution_payload_header: payload_header,
        deposit_requests_start_index: match input.fork {
            GenesisFork::Electra => UNSET_DEPOSIT_REQUESTS_START_INDEX,
            GenesisFork::Fulu => eth1_deposit_count,
        },
        earliest_exit_epoch: 0,
        earliest_consolidation_epoch: 0,
        proposer_lookahead,
    };
    let genesis_ssz = genesis_state.ssz();
    let beacon_state_root = genesis_state.root();
    let beacon_block_root = state::genesis_block_root(&beacon_state_root, &genesis_state.latest_block_body_root);

    Ok(GenesisArtefacts {
        genesis_json: el.genesis_json,
        execution_block_hash,
        execution_state_root,
        config_yaml: config::config_yaml(input, active.len()),
        deposit_contract_block: "0".to_string(),
        deposit_contract_block_hash: format!("0x{}", hex::encode(execution_block_hash)),
        genesis_ssz,
        genesis_validators_root,
        fork_digest: fork_digest(input.fork, input.fork_versions.of(input.fork), &genesis_validators_root),
        beacon_state_root,
        beacon_block_root,
        active_validators: active.len(),
    })
}

/// The genesis validators: the effective balance is the balance rounded down to whole ETH and
/// capped by the credentials; validators with at least 32 ETH effective are active from epoch 0.
fn genesis_validators(input: &GenesisInput) -> Vec<state::Validator> {
    input
        .validators
        .iter()
        .map(|v| {
            let rounded = v.balance_gwei - v.balance_gwei % EFFECTIVE_BALANCE_INCREMENT;
            let effective_balance = rounded.min(max_effective_balance(&v.withdrawal_credentials));
            let epoch = if effective_balance >= MIN_ACTIVATION_BALANCE { 0 } else { preset::FAR_FUTURE_EPOCH };
            state::Validator {
                pubkey: v.pubkey,
                withdrawal_credentials: v.withdrawal_credentials,
                effective_balance,
                activation_eligibility_epoch: epoch,
                activation_epoch: epoch,
            }
        })
        .collect()
}

/// The genesis sync committee: its members drawn from the `active` validators with randao mix
/// `mix`, and the aggregate of their public keys.
fn sync_committee(
    mix: &[u8; 32],
    active: &[u64],
    effective_balances: &[u64],
    validators: &[state::Validator],
    bls: &dyn PubkeyAggregator,
) -> Result<state::SyncCommittee, GenesisError> {
    let committee_indices = shuffle::sync_committee_indices(mix, active, effective_balances);
    let pubkeys: Vec<[u8; 48]> = committee_indices.iter().map(|i| validators[*i as usize].pubkey).collect();
    let aggregate_pubkey = bls.aggregate(&pubkeys).map_err(GenesisError::Aggregation)?;
    Ok(state::SyncCommittee { pubkeys, aggregate_pubkey })
}

/// The execution genesis block's header as the state's latest execution payload header.
fn payload_header(header: &el::ExecutionHeader, execution_block_hash: [u8; 32]) -> state::ExecutionPayloadHeader {
    state::ExecutionPayloadHeader {
        parent_hash: header.parent_hash,
        fee_recipient: header.beneficiary,
        state_root: header.state_root,
        receipts_root: header.receipts_root,
        logs_bloom: header.logs_bloom,
        prev_randao: header.mix_hash,
        block_number: header.number,
        gas_limit: header.gas_limit,
        gas_used: header.gas_used,
        timestamp: header.timestamp,
        extra_data: header.extra_data.clone(),
        base_fee_per_gas: header.base_fee_per_gas.unwrap_or_default().to_le_bytes::<32>(),
        block_hash: execution_block_hash,
        transactions_root: state::empty_transactions_root(),
        withdrawals_root: state::empty_withdrawals_root(),
        blob_gas_used: 0,
        excess_blob_gas: 0,
    }
}
