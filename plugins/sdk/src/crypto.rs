//! The host's `crypto` interface (WIT 0.3.0): key derivation and BLS12-381 run natively by the
//! host, in batches spread over its cores. Pure functions: the same arguments give the same bytes
//! on every host. Each function's bounds are in `wit/0.3.0/plugin.wit`; past them the call traps.
//!
//! These are wasm imports: a native build (unit tests) has no host to call, so code that must
//! also run natively picks a native implementation there (`consensus_keys::best::backend` does).

use crate::bindings::ethwasm::plugin::crypto as host;

/// EIP-2333 `derive_child_SK` from `parent` (32 bytes) along each path: 32 bytes per path.
pub fn eip2333_derive(parent: &[u8], paths: &[Vec<u32>]) -> Vec<u8> {
    host::eip2333_derive(parent, paths)
}

/// Compressed BLS12-381 public keys (48 bytes each) of 32-byte secret keys, concatenated.
pub fn bls_public_keys(secret_keys: &[u8]) -> Result<Vec<u8>, String> {
    host::bls_public_keys(secret_keys)
}

/// `eth_aggregate_pubkeys` of 48-byte compressed public keys, concatenated.
pub fn bls_aggregate_public_keys(public_keys: &[u8]) -> Result<Vec<u8>, String> {
    host::bls_aggregate_public_keys(public_keys)
}

/// scrypt of `password` under each salt: `dklen` bytes each.
pub fn scrypt(password: &[u8], salts: &[Vec<u8>], log_n: u8, r: u32, p: u32, dklen: u32) -> Vec<Vec<u8>> {
    host::scrypt(password, salts, log_n, r, p, dklen)
}

/// PBKDF2-HMAC-SHA256 of `password` under each salt: `dklen` bytes each.
pub fn pbkdf2_sha256(password: &[u8], salts: &[Vec<u8>], iterations: u32, dklen: u32) -> Vec<Vec<u8>> {
    host::pbkdf2_sha256(password, salts, iterations, dklen)
}
