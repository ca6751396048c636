//! Deterministic key material from the host's `derive-key` import.
//!
//! The host derives bytes from the release seed, the plugin's name and a label, so the same
//! release always gets the same keys and different labels get independent ones.

use crate::bindings::ethwasm::plugin::host;

/// `length` bytes for `label`, derived by the host from the release seed and the plugin's name.
pub fn derive(label: &str, length: u32) -> Vec<u8> {
    host::derive_key(label, length)
}

/// A 32-byte key for `label`, as an array.
pub fn derive32(label: &str) -> [u8; 32] {
    let bytes = derive(label, 32);
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes);
    out
}

/// A password of `len` characters from `[A-Za-z0-9]` for `label`.
pub fn password(label: &str, len: usize) -> String {
    password_from_bytes(&derive(label, (len * 2) as u32), len)
}

/// Maps random bytes to a `[A-Za-z0-9]` string of `len` characters without modulo bias
/// (bytes >= 248 are skipped; callers pass twice as many bytes as characters).
pub fn password_from_bytes(bytes: &[u8], len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    for &b in bytes {
        if out.len() == len {
            break;
        }
        if b < 248 {
            out.push(ALPHABET[(b % 62) as usize] as char);
        }
    }
    // 2x bytes with a 3% skip rate runs out with probability far below 2^-100 for len >= 16;
    // fall back to hex rather than return a short password.
    while out.len() < len {
        out.push_str(&hex::encode(&bytes[..len.min(bytes.len())]));
        out.truncate(len);
    }
    out
}

/// Lower-case hex of `bytes`, without `0x`.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_alphanumeric_and_exact_length() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(64).collect();
        let p = password_from_bytes(&bytes, 32);
        assert_eq!(p.len(), 32);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric()), "{p}");
        assert_eq!(&p[..3], "ABC");
    }

    #[test]
    fn password_skips_biased_bytes() {
        let mut bytes = vec![250u8; 10];
        bytes.extend([0u8, 1, 2]);
        assert_eq!(password_from_bytes(&bytes, 3), "ABC");
    }
}
