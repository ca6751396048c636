//! Ethereum key facts: secp256k1 keys, addresses with EIP-55 checksums, enode ids.

use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::SecretKey;
use sha3::{Digest, Keccak256};

/// keccak256 (not SHA3-256: Ethereum uses the original Keccak padding).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// A secp256k1 private key, validated to lie in [1, n-1].
#[derive(Clone)]
pub struct PrivateKey(SecretKey);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.address())
    }
}

impl PrivateKey {
    /// A key from 32 bytes; `None` when they are zero or not below the curve order.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == 32).then(|| SecretKey::from_slice(bytes).ok().map(PrivateKey)).flatten()
    }

    /// A key from 64 hex digits (optional `0x`).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let t = text.trim().trim_start_matches("0x");
        let bytes = hex::decode(t).map_err(|e| format!("not hex: {e}"))?;
        if bytes.len() != 32 {
            return Err(format!("{} bytes; a private key is 32 bytes (64 hex digits)", bytes.len()));
        }
        Self::from_bytes(&bytes).ok_or_else(|| "not a valid secp256k1 private key (zero or >= the curve order)".into())
    }

    /// The first valid key from `derive(label)`, `derive(label + "/1")`, ... (a 32-byte value is
    /// out of range with probability about 2^-128, so the retry exists for correctness only).
    pub fn derive(label: &str, mut derive: impl FnMut(&str) -> Vec<u8>) -> Self {
        let mut attempt = 0u32;
        loop {
            let l = if attempt == 0 { label.to_string() } else { format!("{label}/{attempt}") };
            if let Some(k) = Self::from_bytes(&derive(&l)) {
                return k;
            }
            attempt += 1;
        }
    }

    /// The 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// 64 lower-case hex digits, as geth's `--nodekey` file holds.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// The uncompressed public key without the 0x04 prefix (64 bytes).
    pub fn public_key(&self) -> [u8; 64] {
        let point = self.0.public_key().to_encoded_point(false);
        let mut out = [0u8; 64];
        out.copy_from_slice(&point.as_bytes()[1..]);
        out
    }

    /// The compressed SEC1 public key (33 bytes), as libp2p encodes it.
    pub fn compressed_public_key(&self) -> [u8; 33] {
        let point = self.0.public_key().to_encoded_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// The account address: the last 20 bytes of keccak256(public key).
    pub fn address_bytes(&self) -> [u8; 20] {
        let h = keccak256(&self.public_key());
        let mut a = [0u8; 20];
        a.copy_from_slice(&h[12..]);
        a
    }

    /// The address with its EIP-55 checksum.
    pub fn address(&self) -> String {
        checksum(&self.address_bytes())
    }

    /// The enode id: 128 hex digits of the public key.
    pub fn node_id(&self) -> String {
        hex::encode(self.public_key())
    }
}

/// EIP-55: hex digit i is upper case when nibble i of keccak256(lower-case hex) is >= 8.
pub fn checksum(address: &[u8; 20]) -> String {
    let lower = hex::encode(address);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        out.push(if nibble >= 8 { c.to_ascii_uppercase() } else { c });
    }
    out
}

/// Parses an address (`0x` + 40 hex digits). Mixed case must carry a valid EIP-55 checksum.
pub fn parse_address(text: &str) -> Result<[u8; 20], String> {
    let t = text.strip_prefix("0x").ok_or_else(|| format!("`{text}` must start with 0x"))?;
    let bytes = hex::decode(t).map_err(|e| format!("`{text}` is not hex: {e}"))?;
    let a: [u8; 20] = bytes.try_into().map_err(|_| format!("`{text}` is not 20 bytes (40 hex digits)"))?;
    let mixed = t.chars().any(|c| c.is_ascii_lowercase()) && t.chars().any(|c| c.is_ascii_uppercase());
    if mixed && checksum(&a) != text {
        return Err(format!("`{text}` has a wrong EIP-55 checksum (expected {})", checksum(&a)));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_is_not_sha3() {
        // keccak256("") from the Ethereum yellow paper (KEC of the empty string).
        assert_eq!(hex::encode(keccak256(b"")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    #[test]
    fn address_from_private_key() {
        // web3.js documentation, web3.eth.accounts.privateKeyToAccount example.
        let k = PrivateKey::from_hex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").unwrap();
        assert_eq!(k.address(), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
        // go-ethereum accounts/keystore/testdata/v3_test_vector.json key; address from
        // go-ethereum's keystore test (TestV3_PBKDF2_1 expects 008aeeda4d805471df9b2a5b0f38a0c3bcba786b).
        let k = PrivateKey::from_hex("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d").unwrap();
        assert_eq!(hex::encode(k.address_bytes()), "008aeeda4d805471df9b2a5b0f38a0c3bcba786b");
    }

    #[test]
    fn eip55_vectors() {
        // The test cases listed in EIP-55 itself.
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let bytes: [u8; 20] = hex::decode(a[2..].to_lowercase()).unwrap().try_into().unwrap();
            assert_eq!(checksum(&bytes), a);
            assert_eq!(parse_address(a).unwrap(), bytes);
        }
        assert!(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
            .unwrap_err()
            .contains("wrong EIP-55 checksum"));
        assert!(
            parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").is_ok(),
            "all lower case carries no checksum"
        );
        assert!(parse_address("5aaeb6").unwrap_err().contains("must start with 0x"));
        assert!(parse_address("0x5aaeb6").unwrap_err().contains("not 20 bytes"));
    }

    #[test]
    fn enode_id_is_the_uncompressed_public_key() {
        // EIP-778 (Ethereum Node Records) example record: private key b71c71a6...f291 has the
        // compressed public key 03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138.
        let k = PrivateKey::from_hex("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291").unwrap();
        let id = k.node_id();
        assert_eq!(id.len(), 128);
        assert_eq!(&id[..64], "ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138");
        let y_last = u8::from_str_radix(&id[126..], 16).unwrap();
        assert_eq!(y_last % 2, 1, "prefix 03 means odd y");
    }

    #[test]
    fn invalid_keys_are_refused() {
        assert!(PrivateKey::from_hex(&"00".repeat(32)).unwrap_err().contains("not a valid secp256k1"));
        assert!(PrivateKey::from_hex(&"ff".repeat(32)).is_err());
        assert!(PrivateKey::from_hex("abcd").unwrap_err().contains("2 bytes"));
        let mut calls = 0;
        let k = PrivateKey::derive("x", |l| {
            calls += 1;
            if l == "x" {
                vec![0u8; 32]
            } else {
                vec![1u8; 32]
            }
        });
        assert_eq!(calls, 2);
        assert_eq!(k.to_bytes(), [1u8; 32]);
    }
}
