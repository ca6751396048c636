//! BIP-39 mnemonics (English wordlist): entropy -> words, checksum validation, words -> seed.
//!
//! Wraps the `bip39` crate (rust-bitcoin), built without `std` or `rand`: no OS randomness,
//! the caller supplies the entropy.

use crate::{Error, Result};
use bip39::Mnemonic;

/// Entropy lengths (bytes) that BIP-39 allows: 12, 15, 18, 21 or 24 words.
pub const ENTROPY_LENGTHS: [usize; 5] = [16, 20, 24, 28, 32];

/// Turns 16-32 bytes of entropy (a multiple of 4) into an English mnemonic, words joined by one space.
pub fn mnemonic_from_entropy(entropy: &[u8]) -> Result<String> {
    if !ENTROPY_LENGTHS.contains(&entropy.len()) {
        return Err(Error::InvalidEntropyLength(entropy.len()));
    }
    let mnemonic = Mnemonic::from_entropy(entropy).map_err(|e| Error::InvalidMnemonic(e.to_string()))?;
    Ok(mnemonic.to_string())
}

/// Checks word count, wordlist membership and checksum of an English mnemonic (NFKD-normalised first).
pub fn validate_mnemonic(mnemonic: &str) -> Result<()> {
    parse(mnemonic).map(|_| ())
}

/// Returns the entropy encoded by a valid mnemonic.
pub fn mnemonic_to_entropy(mnemonic: &str) -> Result<Vec<u8>> {
    let (bytes, len) = parse(mnemonic)?.to_entropy_array();
    Ok(bytes[..len].to_vec())
}

/// Validates the mnemonic, then derives the 64-byte seed: PBKDF2-HMAC-SHA512, 2048 rounds,
/// salt `"mnemonic" + passphrase`, both NFKD-normalised.
pub fn mnemonic_to_seed(mnemonic: &str, passphrase: &str) -> Result<[u8; 64]> {
    Ok(parse(mnemonic)?.to_seed(passphrase))
}

fn parse(mnemonic: &str) -> Result<Mnemonic> {
    Mnemonic::parse(mnemonic).map_err(|e| Error::InvalidMnemonic(e.to_string()))
}
