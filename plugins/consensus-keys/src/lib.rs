//! Validator key material for proof-of-stake devnets, deterministic and without I/O.
//!
//! Every function is a pure computation: callers pass in all entropy, salts, IVs and UUID
//! bytes, so the same inputs always give the same keys, keystores and credentials. The crate
//! builds natively and for `wasm32-unknown-unknown` (pure Rust, no `getrandom`, no threads).
//!
//! | module | job |
//! | --- | --- |
//! | [`bip39`] | mnemonic from entropy, checksum validation, mnemonic + passphrase -> seed |
//! | [`eip2333`] | BLS12-381 key tree (EIP-2333) and validator paths (EIP-2334) |
//! | [`bls`] | secret key -> compressed G1 public key, public key aggregation |
//! | [`credentials`] | `0x00` / `0x01` / `0x02` withdrawal credentials |
//! | [`keystore`] | EIP-2335 version 4 keystores (pbkdf2 or scrypt, AES-128-CTR) |
//! | [`backend`], [`best`] | the expensive ones as batches: here, or in the ethwasm host (feature `host`) |
//!
//! Typical use for validator `i` of a devnet:
//!
//! ```
//! use consensus_keys::{bip39, bls, credentials, eip2333::ValidatorKeyDeriver};
//! let mnemonic = bip39::mnemonic_from_entropy(&[7u8; 32]).unwrap();
//! let seed = bip39::mnemonic_to_seed(&mnemonic, "").unwrap();
//! let deriver = ValidatorKeyDeriver::from_seed(&seed).unwrap();
//! let keys = deriver.validator(0);
//! let pubkey = bls::public_key(&keys.signing).unwrap();
//! let creds = credentials::bls_withdrawal_credentials(&bls::public_key(&keys.withdrawal).unwrap());
//! assert_eq!(pubkey.len(), 48);
//! assert_eq!(creds[0], 0x00);
//! ```
//!
//! The rendered keys and keystores are cross-checked against independent Python implementations
//! (py_ecc, ethstaker-deposit, python-mnemonic) by the repository's `tests/pos/run.sh`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod backend;
pub mod best;
pub mod bip39;
pub mod bls;
pub mod credentials;
pub mod eip2333;
mod error;
#[cfg(feature = "host")]
pub mod host;
pub mod keystore;

pub use error::Error;

/// Result type of this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// A BLS12-381 secret key: a big-endian scalar in `1..r`.
pub type SecretKey = [u8; 32];

/// A compressed BLS12-381 G1 public key (48 bytes, ZCash/Ethereum encoding).
pub type PublicKey = [u8; 48];
