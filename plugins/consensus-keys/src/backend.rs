//! Where the expensive primitives run.
//!
//! Key derivation (EIP-2333), BLS12-381 public keys and their aggregate, and the keystore KDFs
//! are most of a render's time. [`Backend`] names them as batches: [`Native`] runs them here,
//! in this process, one after another; a plugin passes [`crate::best::backend`], which inside the
//! ethwasm host (feature `host`, on wasm32) is the host's `crypto` interface (WIT 0.3.0): the
//! same functions of this crate, compiled natively and spread over the machine's cores. Both give the same
//! bytes for the same arguments: the host links this crate, and `tests/pos/run.sh` checks the
//! rendered keys against independent implementations.

use crate::eip2333::{self, ValidatorKeyDeriver};
use crate::keystore::{normalize_password, Kdf};
use crate::{bls, Error, PublicKey, Result, SecretKey};

/// The batched primitives a render needs.
pub trait Backend {
    /// EIP-2333 `derive_child_SK` along each path below `parent`: the key at the end of each
    /// path, in order.
    fn derive_paths(&self, parent: &SecretKey, paths: &[Vec<u32>]) -> Result<Vec<SecretKey>>;
    /// The compressed public key of each secret key, in order.
    fn public_keys(&self, secret_keys: &[SecretKey]) -> Result<Vec<PublicKey>>;
    /// `eth_aggregate_pubkeys` ([`bls::aggregate_public_keys`]).
    fn aggregate_public_keys(&self, public_keys: &[PublicKey]) -> Result<PublicKey>;
    /// The 32-byte key `kdf` derives from `password` (bytes as given: EIP-2335 callers
    /// normalise first, see [`Backend::keystore_keys`]) under each salt, in order.
    fn kdf(&self, password: &[u8], salts: &[&[u8]], kdf: Kdf) -> Result<Vec<[u8; 32]>>;

    /// The EIP-2335 decryption keys of keystores that share `password` and `kdf`, one per salt.
    fn keystore_keys(&self, password: &str, salts: &[&[u8]], kdf: Kdf) -> Result<Vec<[u8; 32]>> {
        self.kdf(&normalize_password(password), salts, kdf)
    }
}

/// Everything in this process, on the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Native;

impl Backend for Native {
    fn derive_paths(&self, parent: &SecretKey, paths: &[Vec<u32>]) -> Result<Vec<SecretKey>> {
        Ok(paths.iter().map(|path| derive_path_from(parent, path)).collect())
    }

    fn public_keys(&self, secret_keys: &[SecretKey]) -> Result<Vec<PublicKey>> {
        bls::public_keys(secret_keys)
    }

    fn aggregate_public_keys(&self, public_keys: &[PublicKey]) -> Result<PublicKey> {
        bls::aggregate_public_keys(public_keys)
    }

    fn kdf(&self, password: &[u8], salts: &[&[u8]], kdf: Kdf) -> Result<Vec<[u8; 32]>> {
        salts.iter().map(|salt| kdf.derive(password, salt)).collect()
    }
}

/// The key reached from `parent` by `derive_child_SK` at each index of `path` in turn.
pub fn derive_path_from(parent: &SecretKey, path: &[u32]) -> SecretKey {
    path.iter().fold(*parent, |sk, &i| eip2333::derive_child_sk(&sk, i))
}

/// [`ValidatorKeyDeriver::from_seed`] with the two hardened steps to `m/12381/3600` taken by
/// `backend`.
pub fn deriver_from_seed(seed: &[u8], backend: &dyn Backend) -> Result<ValidatorKeyDeriver> {
    let master = eip2333::derive_master_sk(seed)?;
    let coin = backend.derive_paths(&master, &[vec![eip2333::PURPOSE, eip2333::COIN_TYPE]])?;
    let coin_sk = coin.first().copied().ok_or_else(|| Error::Host("no key for m/12381/3600".into()))?;
    Ok(ValidatorKeyDeriver::from_coin_sk(coin_sk))
}

/// Signing keys `m/12381/3600/i/0/0` of validators `indices`, in order, derived by `backend` in
/// one batch.
pub fn signing_sks(
    deriver: &ValidatorKeyDeriver,
    indices: std::ops::Range<u32>,
    backend: &dyn Backend,
) -> Result<Vec<SecretKey>> {
    let paths: Vec<Vec<u32>> = indices.map(|i| vec![i, 0, 0]).collect();
    backend.derive_paths(deriver.coin_sk(), &paths)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The batch route gives the keys the one-by-one deriver gives (the host runs the same).
    #[test]
    fn batches_agree_with_the_deriver() {
        let seed = [7u8; 64];
        let direct = ValidatorKeyDeriver::from_seed(&seed).unwrap();
        let batched = deriver_from_seed(&seed, &Native).unwrap();
        let keys = signing_sks(&batched, 3..6, &Native).unwrap();
        assert_eq!(keys, (3..6).map(|i| direct.signing_sk(i)).collect::<Vec<_>>());
        let salts: [&[u8]; 2] = [b"a", b"b"];
        let kdf = Kdf::Pbkdf2 { c: 2 };
        let dks = Native.keystore_keys("pw", &salts, kdf).unwrap();
        assert_eq!(dks[1], kdf.derive(&normalize_password("pw"), b"b").unwrap());
        assert!(Native.kdf(b"pw", &[b""], kdf).is_err(), "an empty salt is refused as keystore::encrypt refuses it");
    }
}
