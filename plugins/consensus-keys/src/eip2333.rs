//! EIP-2333 BLS12-381 key derivation and the EIP-2334 validator paths.
//!
//! Follows the EIP text step by step (the September 2020 version, with the re-hashed salt loop
//! in `HKDF_mod_r`). Secret keys are 32-byte big-endian integers below the group order r.

use crate::{Error, Result, SecretKey};
use bls12_381::Scalar;
use hkdf::{Hkdf, HkdfExtract};
use sha2::{Digest, Sha256};

/// Salt that `HKDF_mod_r` starts from (and re-hashes until the key is non-zero).
const KEYGEN_SALT: &[u8] = b"BLS-SIG-KEYGEN-SALT-";
/// `L = ceil(3 * ceil(log2(r)) / 16)`: HKDF output length of `HKDF_mod_r`.
const L: usize = 48;
/// Number of 32-byte chunks in a Lamport secret key (HKDF-SHA256 stretches at most 255 blocks).
pub const LAMPORT_CHUNKS: usize = 255;

/// EIP-2334 purpose: BLS12-381 keys.
pub const PURPOSE: u32 = 12381;
/// EIP-2334 coin type of Ethereum.
pub const COIN_TYPE: u32 = 3600;

/// `HKDF_mod_r(IKM, key_info)`: hashes key material into a non-zero secret key below r.
pub fn hkdf_mod_r(ikm: &[u8], key_info: &[u8]) -> SecretKey {
    let mut salt: [u8; 32] = Sha256::digest(KEYGEN_SALT).into();
    loop {
        let mut extract = HkdfExtract::<Sha256>::new(Some(&salt));
        extract.input_ikm(ikm);
        extract.input_ikm(&[0u8]); // I2OSP(0, 1)
        let (_, hk) = extract.finalize();
        let mut okm = [0u8; L];
        // Infallible: 48 bytes is far below HKDF-SHA256's 255 * 32 byte limit.
        #[allow(clippy::expect_used)]
        hk.expand_multi_info(&[key_info, &(L as u16).to_be_bytes()], &mut okm).expect("48 <= 255 * 32");
        let sk = os2ip_mod_r(&okm);
        if sk != [0u8; 32] {
            return sk;
        }
        salt = Sha256::digest(salt).into();
    }
}

/// `OS2IP(okm) mod r` for a 48-byte big-endian string, as a 32-byte big-endian integer.
fn os2ip_mod_r(okm: &[u8; L]) -> SecretKey {
    let mut wide = [0u8; 64];
    for (dst, src) in wide.iter_mut().zip(okm.iter().rev()) {
        *dst = *src;
    }
    let mut sk = Scalar::from_bytes_wide(&wide).to_bytes();
    sk.reverse();
    sk
}

/// `derive_master_SK(seed)`: the root of the key tree; the seed must be at least 32 bytes.
pub fn derive_master_sk(seed: &[u8]) -> Result<SecretKey> {
    if seed.len() < 32 {
        return Err(Error::SeedTooShort(seed.len()));
    }
    Ok(hkdf_mod_r(seed, b""))
}

/// `derive_child_SK(parent_SK, index)`: a hardened child via the parent's Lamport public key.
pub fn derive_child_sk(parent_sk: &SecretKey, index: u32) -> SecretKey {
    hkdf_mod_r(&parent_sk_to_lamport_pk(parent_sk, index), b"")
}

/// `IKM_to_lamport_SK(IKM, salt)`: 255 chunks of 32 bytes from HKDF-SHA256.
pub fn ikm_to_lamport_sk(ikm: &[u8], salt: &[u8]) -> Vec<[u8; 32]> {
    let (_, hk) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let mut okm = vec![0u8; 32 * LAMPORT_CHUNKS];
    // Infallible: 255 * 32 bytes is exactly HKDF-SHA256's output limit.
    #[allow(clippy::expect_used)]
    hk.expand(b"", &mut okm).expect("255 * 32 is HKDF-SHA256's limit");
    okm.chunks_exact(32)
        .map(|c| {
            let mut chunk = [0u8; 32];
            chunk.copy_from_slice(c);
            chunk
        })
        .collect()
}

/// `parent_SK_to_lamport_PK(parent_SK, index)`: the compressed (hashed) Lamport public key.
pub fn parent_sk_to_lamport_pk(parent_sk: &SecretKey, index: u32) -> [u8; 32] {
    let salt = index.to_be_bytes();
    let not_ikm = parent_sk.map(|b| !b);
    let mut compressed = Sha256::new();
    for ikm in [&parent_sk[..], &not_ikm[..]] {
        for chunk in ikm_to_lamport_sk(ikm, &salt) {
            compressed.update(Sha256::digest(chunk));
        }
    }
    compressed.finalize().into()
}

/// Parses an EIP-2334 path such as `m/12381/3600/0/0/0` into its indices.
pub fn parse_path(path: &str) -> Result<Vec<u32>> {
    let invalid = || Error::InvalidPath(path.to_string());
    let mut parts = path.split('/');
    if parts.next() != Some("m") {
        return Err(invalid());
    }
    parts
        .map(|p| {
            // Decimal digits only: u32::from_str would also accept a leading '+'.
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            p.parse::<u32>().map_err(|_| invalid())
        })
        .collect()
}

/// Derives the secret key at an EIP-2334 path (e.g. `m/12381/3600/0/0/0`) from a seed.
pub fn derive_path(seed: &[u8], path: &str) -> Result<SecretKey> {
    let indices = parse_path(path)?;
    let master = derive_master_sk(seed)?;
    Ok(indices.iter().fold(master, |sk, &i| derive_child_sk(&sk, i)))
}

/// EIP-2334 path of validator `i`'s signing key: `m/12381/3600/i/0/0`.
pub fn signing_key_path(index: u32) -> String {
    format!("m/{PURPOSE}/{COIN_TYPE}/{index}/0/0")
}

/// EIP-2334 path of validator `i`'s BLS withdrawal key: `m/12381/3600/i/0`.
pub fn withdrawal_key_path(index: u32) -> String {
    format!("m/{PURPOSE}/{COIN_TYPE}/{index}/0")
}

/// The two secret keys of one validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorSecretKeys {
    /// BLS withdrawal key, path `m/12381/3600/i/0`.
    pub withdrawal: SecretKey,
    /// Signing (voting) key, path `m/12381/3600/i/0/0`.
    pub signing: SecretKey,
}

/// Derives validator keys from one seed, computing the shared prefix `m/12381/3600` only once.
#[derive(Clone)]
pub struct ValidatorKeyDeriver {
    /// Secret key at `m/12381/3600`.
    coin_sk: SecretKey,
}

impl std::fmt::Debug for ValidatorKeyDeriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValidatorKeyDeriver { .. }")
    }
}

impl ValidatorKeyDeriver {
    /// Derives `m/12381/3600` from an EIP-2333 seed (usually a BIP-39 seed).
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        let master = derive_master_sk(seed)?;
        Ok(Self { coin_sk: derive_child_sk(&derive_child_sk(&master, PURPOSE), COIN_TYPE) })
    }

    /// The deriver below `coin_sk`, the key at `m/12381/3600` (made by a [`crate::backend::Backend`]).
    pub(crate) fn from_coin_sk(coin_sk: SecretKey) -> Self {
        Self { coin_sk }
    }

    /// The key at `m/12381/3600`.
    pub(crate) fn coin_sk(&self) -> &SecretKey {
        &self.coin_sk
    }

    /// Withdrawal key `m/12381/3600/i/0` and signing key `m/12381/3600/i/0/0` of validator `i`.
    pub fn validator(&self, index: u32) -> ValidatorSecretKeys {
        let withdrawal = self.withdrawal_sk(index);
        ValidatorSecretKeys { withdrawal, signing: derive_child_sk(&withdrawal, 0) }
    }

    /// Signing key `m/12381/3600/i/0/0` of validator `i`.
    pub fn signing_sk(&self, index: u32) -> SecretKey {
        derive_child_sk(&self.withdrawal_sk(index), 0)
    }

    /// BLS withdrawal key `m/12381/3600/i/0` of validator `i`.
    pub fn withdrawal_sk(&self, index: u32) -> SecretKey {
        derive_child_sk(&derive_child_sk(&self.coin_sk, index), 0)
    }
}
