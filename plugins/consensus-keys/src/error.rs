//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// BIP-39 entropy must be 16, 20, 24, 28 or 32 bytes.
    #[error("BIP-39 entropy must be 16, 20, 24, 28 or 32 bytes, got {0}")]
    InvalidEntropyLength(usize),
    /// The mnemonic has a wrong word count, an unknown word or a bad checksum.
    #[error("invalid mnemonic: {0}")]
    InvalidMnemonic(String),
    /// EIP-2333 needs a seed of at least 32 bytes.
    #[error("EIP-2333 seed must be at least 32 bytes, got {0}")]
    SeedTooShort(usize),
    /// An EIP-2334 path could not be parsed.
    #[error("invalid key path {0:?}: expected m/<u32>/<u32>/...")]
    InvalidPath(String),
    /// A secret key is zero or not below the group order r.
    #[error("secret key is zero or not below the BLS12-381 group order")]
    InvalidSecretKey,
    /// A public key is not a valid compressed G1 point in the subgroup, or is the identity.
    #[error("invalid BLS public key at position {0}")]
    InvalidPublicKey(usize),
    /// Aggregation needs at least one public key.
    #[error("cannot aggregate an empty list of public keys")]
    EmptyAggregate,
    /// A string is not a 20-byte hex execution address.
    #[error("invalid execution address {0:?}: expected 0x followed by 40 hex digits")]
    InvalidAddress(String),
    /// KDF parameters that the keystore cannot use.
    #[error("invalid KDF parameters: {0}")]
    InvalidKdfParams(String),
    /// A keystore JSON document that is malformed or uses unsupported modules.
    #[error("invalid keystore: {0}")]
    InvalidKeystore(String),
    /// The host's `crypto` interface answered with something else than it promises.
    #[error("{0}")]
    Host(String),
    /// The keystore checksum does not match: wrong password (or a corrupted keystore).
    #[error("keystore checksum mismatch (wrong password?)")]
    WrongPassword,
}
