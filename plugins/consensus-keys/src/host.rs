//! [`Host`]: the [`Backend`] of a plugin inside the ethwasm host, through WIT 0.3.0's `crypto`
//! interface. Requests are cut to the interface's bounds here, so callers pass batches of any
//! size.

use crate::backend::Backend;
use crate::keystore::Kdf;
use crate::{Error, PublicKey, Result, SecretKey};
use ethwasm_plugin::crypto;

/// The host's native, multi-core implementation of this crate's primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Host;

/// Most items (paths, keys, salts) one call carries; the interface allows 4,096 indices and
/// keys, and 1,024 salts.
const INDICES_PER_CALL: usize = 4_096;
const KEYS_PER_CALL: usize = 4_096;
const SALTS_PER_CALL: usize = 1_024;
/// The interface's other bounds: KDF parameters past them run natively in the plugin.
const MAX_SALT_LEN: usize = 1_024;
const MAX_LOG_N: u32 = 24;
const MAX_SCRYPT_BYTES: u64 = 1 << 30;
const MAX_PBKDF2_ITERATIONS: u32 = 1 << 24;

/// `count` items of `N` bytes from the host's answer, or an error if it has another length.
fn split<const N: usize>(bytes: &[u8], count: usize) -> Result<Vec<[u8; N]>> {
    if bytes.len() != N * count {
        return Err(answer(bytes.len(), N * count));
    }
    Ok(bytes.chunks_exact(N).map(|c| c.try_into().unwrap_or([0; N])).collect())
}

fn answer(got: usize, expected: usize) -> Error {
    Error::Host(format!("the host's crypto answered with {got} items or bytes where {expected} were due"))
}

impl Backend for Host {
    fn derive_paths(&self, parent: &SecretKey, paths: &[Vec<u32>]) -> Result<Vec<SecretKey>> {
        let mut keys = Vec::with_capacity(paths.len());
        let mut start = 0;
        while start < paths.len() {
            // As many paths as fit in one call's index budget (each path has at most 8).
            let (mut end, mut indices) = (start, 0);
            while end < paths.len() && indices + paths[end].len() <= INDICES_PER_CALL {
                indices += paths[end].len();
                end += 1;
            }
            let bytes = crypto::eip2333_derive(parent, &paths[start..end]);
            keys.extend(split::<32>(&bytes, end - start)?);
            start = end.max(start + 1);
        }
        Ok(keys)
    }

    fn public_keys(&self, secret_keys: &[SecretKey]) -> Result<Vec<PublicKey>> {
        let mut out = Vec::with_capacity(secret_keys.len());
        for batch in secret_keys.chunks(KEYS_PER_CALL) {
            let bytes = crypto::bls_public_keys(batch.concat().as_slice()).map_err(|_| Error::InvalidSecretKey)?;
            out.extend(split::<48>(&bytes, batch.len())?);
        }
        Ok(out)
    }

    fn aggregate_public_keys(&self, public_keys: &[PublicKey]) -> Result<PublicKey> {
        if public_keys.len() > KEYS_PER_CALL {
            // Larger than one call: the native sum (no Ethereum aggregate is this large).
            return crate::backend::Native.aggregate_public_keys(public_keys);
        }
        if public_keys.is_empty() {
            return Err(Error::EmptyAggregate);
        }
        let bytes = crypto::bls_aggregate_public_keys(public_keys.concat().as_slice()).map_err(|message| {
            // "public key N: ..." names the first key that failed.
            let position = message
                .strip_prefix("public key ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            Error::InvalidPublicKey(position)
        })?;
        <PublicKey>::try_from(bytes.as_slice()).map_err(|_| Error::InvalidPublicKey(0))
    }

    fn kdf(&self, password: &[u8], salts: &[&[u8]], kdf: Kdf) -> Result<Vec<[u8; 32]>> {
        kdf.validate()?;
        let in_bounds = match kdf {
            Kdf::Pbkdf2 { c } => c <= MAX_PBKDF2_ITERATIONS,
            Kdf::Scrypt { n, r, p } => {
                n.trailing_zeros() <= MAX_LOG_N && 128 * u64::from(n) * u64::from(r) * u64::from(p) <= MAX_SCRYPT_BYTES
            }
        };
        if !in_bounds || salts.iter().any(|s| s.is_empty() || s.len() > MAX_SALT_LEN) {
            // Past what the interface takes: here, with the error (if any) the native KDF gives.
            return crate::backend::Native.kdf(password, salts, kdf);
        }
        let mut out = Vec::with_capacity(salts.len());
        for batch in salts.chunks(SALTS_PER_CALL) {
            let batch: Vec<Vec<u8>> = batch.iter().map(|s| s.to_vec()).collect();
            let keys = match kdf {
                Kdf::Pbkdf2 { c } => crypto::pbkdf2_sha256(password, &batch, c, 32),
                Kdf::Scrypt { n, r, p } => crypto::scrypt(password, &batch, n.trailing_zeros() as u8, r, p, 32),
            };
            if keys.len() != batch.len() {
                return Err(answer(keys.len(), batch.len()));
            }
            for key in keys {
                out.extend(split::<32>(&key, 1)?);
            }
        }
        Ok(out)
    }
}
