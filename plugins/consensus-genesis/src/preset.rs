//! Constants of the consensus specs' mainnet preset (presets/mainnet/*.yaml) and of the specs
//! themselves that the genesis state uses. The genesis is always built for the mainnet preset.

/// `FAR_FUTURE_EPOCH`.
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;
/// `SLOTS_PER_EPOCH`.
pub(crate) const SLOTS_PER_EPOCH: u64 = 32;
/// `MIN_SEED_LOOKAHEAD`.
pub(crate) const MIN_SEED_LOOKAHEAD: u64 = 1;
/// `SHUFFLE_ROUND_COUNT`.
pub(crate) const SHUFFLE_ROUND_COUNT: u8 = 90;
/// `SYNC_COMMITTEE_SIZE`.
pub(crate) const SYNC_COMMITTEE_SIZE: usize = 512;
/// `SLOTS_PER_HISTORICAL_ROOT` (length of `block_roots` and `state_roots`).
pub(crate) const SLOTS_PER_HISTORICAL_ROOT: u64 = 8192;
/// `EPOCHS_PER_HISTORICAL_VECTOR` (length of `randao_mixes`).
pub(crate) const EPOCHS_PER_HISTORICAL_VECTOR: u64 = 65536;
/// `EPOCHS_PER_SLASHINGS_VECTOR`.
pub(crate) const EPOCHS_PER_SLASHINGS_VECTOR: u64 = 8192;
/// `HISTORICAL_ROOTS_LIMIT` (also bounds `historical_summaries`).
pub(crate) const HISTORICAL_ROOTS_LIMIT: u64 = 1 << 24;
/// `VALIDATOR_REGISTRY_LIMIT`.
pub(crate) const VALIDATOR_REGISTRY_LIMIT: u64 = 1 << 40;
/// `EPOCHS_PER_ETH1_VOTING_PERIOD * SLOTS_PER_EPOCH` (limit of `eth1_data_votes`).
pub(crate) const ETH1_DATA_VOTES_LIMIT: u64 = 64 * 32;
/// `PENDING_DEPOSITS_LIMIT`.
pub(crate) const PENDING_DEPOSITS_LIMIT: u64 = 1 << 27;
/// `PENDING_PARTIAL_WITHDRAWALS_LIMIT`.
pub(crate) const PENDING_PARTIAL_WITHDRAWALS_LIMIT: u64 = 1 << 27;
/// `PENDING_CONSOLIDATIONS_LIMIT`.
pub(crate) const PENDING_CONSOLIDATIONS_LIMIT: u64 = 1 << 18;
/// `DEPOSIT_CONTRACT_TREE_DEPTH`.
pub(crate) const DEPOSIT_CONTRACT_TREE_DEPTH: u32 = 32;
/// `MAX_EXTRA_DATA_BYTES`.
pub(crate) const MAX_EXTRA_DATA_BYTES: u64 = 32;
/// `BYTES_PER_LOGS_BLOOM`.
pub(crate) const BYTES_PER_LOGS_BLOOM: usize = 256;
/// `MAX_TRANSACTIONS_PER_PAYLOAD`.
pub(crate) const MAX_TRANSACTIONS_PER_PAYLOAD: u64 = 1 << 20;
/// `MAX_WITHDRAWALS_PER_PAYLOAD`.
pub(crate) const MAX_WITHDRAWALS_PER_PAYLOAD: u64 = 16;
/// Block body list limits (Electra, unchanged in Fulu).
pub(crate) const MAX_PROPOSER_SLASHINGS: u64 = 16;
pub(crate) const MAX_ATTESTER_SLASHINGS_ELECTRA: u64 = 1;
pub(crate) const MAX_ATTESTATIONS_ELECTRA: u64 = 8;
pub(crate) const MAX_DEPOSITS: u64 = 16;
pub(crate) const MAX_VOLUNTARY_EXITS: u64 = 16;
pub(crate) const MAX_BLS_TO_EXECUTION_CHANGES: u64 = 16;
pub(crate) const MAX_BLOB_COMMITMENTS_PER_BLOCK: u64 = 4096;
pub(crate) const MAX_DEPOSIT_REQUESTS_PER_PAYLOAD: u64 = 8192;
pub(crate) const MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD: u64 = 16;
pub(crate) const MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD: u64 = 2;

/// `EFFECTIVE_BALANCE_INCREMENT` in gwei.
pub(crate) const EFFECTIVE_BALANCE_INCREMENT: u64 = 1_000_000_000;
/// `MIN_ACTIVATION_BALANCE` in gwei (32 ETH).
pub const MIN_ACTIVATION_BALANCE: u64 = 32_000_000_000;
/// `MAX_EFFECTIVE_BALANCE_ELECTRA` in gwei (2048 ETH).
pub const MAX_EFFECTIVE_BALANCE_ELECTRA: u64 = 2_048_000_000_000;
/// `MIN_DEPOSIT_AMOUNT` in gwei (1 ETH).
pub(crate) const MIN_DEPOSIT_AMOUNT: u64 = 1_000_000_000;
/// `UNSET_DEPOSIT_REQUESTS_START_INDEX`.
pub const UNSET_DEPOSIT_REQUESTS_START_INDEX: u64 = u64::MAX;
/// `COMPOUNDING_WITHDRAWAL_PREFIX`.
pub(crate) const COMPOUNDING_WITHDRAWAL_PREFIX: u8 = 0x02;

/// `DOMAIN_BEACON_PROPOSER`.
pub(crate) const DOMAIN_BEACON_PROPOSER: [u8; 4] = [0, 0, 0, 0];
/// `DOMAIN_SYNC_COMMITTEE`.
pub(crate) const DOMAIN_SYNC_COMMITTEE: [u8; 4] = [7, 0, 0, 0];

/// Electra's `MAX_BLOBS_PER_BLOCK_ELECTRA` (the Fulu blob limit before any BPO entry).
pub(crate) const MAX_BLOBS_PER_BLOCK_ELECTRA: u64 = 9;
