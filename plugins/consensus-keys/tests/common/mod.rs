//! Helpers shared by the integration tests: decimal and hex parsing, a deterministic byte stream.

#![allow(dead_code)]

use sha2::{Digest, Sha256};

/// Parses a decimal integer below 2^256 into 32 big-endian bytes.
pub fn dec_to_be32(decimal: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for d in decimal.bytes() {
        assert!(d.is_ascii_digit(), "not a decimal digit in {decimal}");
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0, "{decimal} does not fit in 256 bits");
    }
    out
}

/// Decodes hex with an optional 0x prefix into a fixed-size array.
pub fn hex_n<const N: usize>(s: &str) -> [u8; N] {
    let v = hex::decode(s.trim_start_matches("0x")).expect("hex");
    v.try_into().expect("length")
}

/// Deterministic pseudo-random bytes: sha256(label || counter), concatenated.
pub fn stream(label: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 0u64;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}
