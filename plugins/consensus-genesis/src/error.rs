//! Errors of genesis building: every one names the input that caused it.

use thiserror::Error;

/// Why the genesis could not be built from the given input.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GenesisError {
    /// No validator, or none with enough effective balance to be active at genesis.
    #[error("no validator is active at genesis (each needs an effective balance of at least 32 ETH)")]
    NoActiveValidators,
    /// More validators than this crate accepts.
    #[error("{0} validators exceed the supported maximum of {max}", max = crate::MAX_VALIDATORS)]
    TooManyValidators(usize),
    /// A validator's balance is below the deposit minimum of 1 ETH.
    #[error("validator {index}: balance {balance_gwei} gwei is below the 1 ETH deposit minimum")]
    ValidatorBalanceTooLow {
        /// The validator's index.
        index: usize,
        /// Its balance.
        balance_gwei: u64,
    },
    /// The same BLS public key appears twice.
    #[error("validator {index}: duplicate public key 0x{pubkey}")]
    DuplicateValidator {
        /// The second validator with the key.
        index: usize,
        /// The key, hex.
        pubkey: String,
    },
    /// Withdrawal credentials with an unknown prefix.
    #[error("validator {index}: withdrawal credentials prefix 0x{prefix:02x} is not 0x00, 0x01 or 0x02")]
    BadWithdrawalCredentials {
        /// The validator's index.
        index: usize,
        /// The credentials' first byte.
        prefix: u8,
    },
    /// A prefunded balance that is not a decimal or 0x-hex number below 2^256.
    #[error("prefunded account 0x{address}: balance {balance:?} is not a decimal or 0x-hex number below 2^256")]
    BadBalance {
        /// The account, hex.
        address: String,
        /// The balance as given.
        balance: String,
    },
    /// An address given twice, or one that collides with a contract the genesis deploys.
    #[error("account 0x{0} is allocated twice (prefunded twice, or also a genesis contract)")]
    DuplicateAccount(String),
    /// Execution-layer extra data longer than the 32 bytes a header may carry.
    #[error("extra data is {0} bytes, at most 32 are allowed")]
    ExtraDataTooLong(usize),
    /// Blob-parameter-only forks scheduled out of order, too many, on an Electra genesis, or
    /// with parameters geth refuses.
    #[error("scheduled blob-parameter-only forks: {0}")]
    BadBpoSchedule(String),
    /// A gas limit of zero (geth would silently substitute its own default).
    #[error("gas limit must be greater than zero")]
    ZeroGasLimit,
    /// A slot time of zero, or one whose milliseconds overflow.
    #[error("seconds per slot must be between 1 and 3600, got {0}")]
    BadSlotTime(u64),
    /// A network name that clients reject.
    #[error("config name {0:?} must be 1-64 characters of [a-z0-9-] and not \"mainnet\"")]
    BadConfigName(String),
    /// Two forks with the same fork version, or one equal to a mainnet version.
    #[error("fork version 0x{0} is used twice or equals a mainnet fork version")]
    BadForkVersion(String),
    /// The caller's BLS aggregation failed (e.g. a public key is not a valid G1 point).
    #[error("aggregating the sync committee public keys failed: {0}")]
    Aggregation(String),
}
