//! BLS12-381 public keys: secret key -> compressed G1 point, and public key aggregation.
//!
//! Uses zkcrypto's pure-Rust `bls12_381`. `sk * G` runs on a fixed-base table of
//! 32 windows x 256 multiples of the generator, built once per process: 32 mixed additions per
//! key instead of 255 doublings and additions. The table lookup indexes memory by secret bytes,
//! so it is not constant-time; that is fine for devnet keys, and [`public_key_constant_time`]
//! gives the plain constant-time product when it matters.

use crate::{Error, PublicKey, Result, SecretKey};
use bls12_381::{G1Affine, G1Projective, Scalar};
use std::sync::OnceLock;

/// Window width of the fixed-base table, in bits.
const WINDOW_BITS: usize = 8;
/// Number of windows covering a 256-bit scalar.
const WINDOWS: usize = 256 / WINDOW_BITS;
/// Entries per window: `0 * B, 1 * B, ..., 255 * B` with `B = 2^(8w) * G`.
const ENTRIES: usize = 1 << WINDOW_BITS;

/// Checks that a big-endian secret key is in `1..r` and returns it as a scalar.
fn scalar_from_sk(sk: &SecretKey) -> Result<Scalar> {
    let mut le = *sk;
    le.reverse();
    let scalar = Option::<Scalar>::from(Scalar::from_bytes(&le)).ok_or(Error::InvalidSecretKey)?;
    if scalar == Scalar::zero() {
        return Err(Error::InvalidSecretKey);
    }
    Ok(scalar)
}

/// The generator table, `WINDOWS * ENTRIES` affine points, row `w` holding `j * 2^(8w) * G`.
fn table() -> &'static [G1Affine] {
    static TABLE: OnceLock<Vec<G1Affine>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut projective = Vec::with_capacity(WINDOWS * ENTRIES);
        let mut base = G1Projective::generator();
        for _ in 0..WINDOWS {
            let mut acc = G1Projective::identity();
            for _ in 0..ENTRIES {
                projective.push(acc);
                acc += base;
            }
            // acc is now 256 * base = the next window's base.
            base = acc;
        }
        let mut affine = vec![G1Affine::identity(); projective.len()];
        G1Projective::batch_normalize(&projective, &mut affine);
        affine
    })
}

/// Builds the fixed-base table now instead of at the first [`public_key`] call (e.g. before timing).
pub fn warm_up() {
    table();
}

/// `sk * G` with the fixed-base table; `sk` must already be a valid scalar.
fn mul_generator(sk: &SecretKey) -> G1Projective {
    let table = table();
    let mut acc = G1Projective::identity();
    // Byte 31 of the big-endian key is window 0 (least significant).
    for (w, &digit) in sk.iter().rev().enumerate() {
        acc = acc.add_mixed(&table[w * ENTRIES + digit as usize]);
    }
    acc
}

/// Secret key (big-endian scalar in `1..r`) -> 48-byte compressed G1 public key.
pub fn public_key(sk: &SecretKey) -> Result<PublicKey> {
    scalar_from_sk(sk)?;
    Ok(G1Affine::from(mul_generator(sk)).to_compressed())
}

/// Same as [`public_key`] but with the library's constant-time `G * sk` (about 10x slower).
pub fn public_key_constant_time(sk: &SecretKey) -> Result<PublicKey> {
    let scalar = scalar_from_sk(sk)?;
    Ok(G1Affine::from(G1Affine::generator() * scalar).to_compressed())
}

/// Decompresses a public key, checking the encoding, curve, subgroup and that it is not the identity.
pub fn decompress_public_key(pubkey: &PublicKey) -> Result<G1Affine> {
    decompress_at(pubkey, 0)
}

fn decompress_at(pubkey: &PublicKey, position: usize) -> Result<G1Affine> {
    let point = Option::<G1Affine>::from(G1Affine::from_compressed(pubkey)).ok_or(Error::InvalidPublicKey(position))?;
    if bool::from(point.is_identity()) {
        return Err(Error::InvalidPublicKey(position));
    }
    Ok(point)
}

/// Sum of compressed public keys (each validated like the consensus specs' `KeyValidate`), compressed.
///
/// This is `eth_aggregate_pubkeys`, used for a sync committee's aggregate public key.
pub fn aggregate_public_keys(pubkeys: &[PublicKey]) -> Result<PublicKey> {
    if pubkeys.is_empty() {
        return Err(Error::EmptyAggregate);
    }
    // A sync committee repeats keys when there are fewer than 512 validators: decompress (a
    // square root and a subgroup check, the expensive part) each distinct key once.
    let mut points: std::collections::BTreeMap<&PublicKey, G1Affine> = std::collections::BTreeMap::new();
    let mut acc = G1Projective::identity();
    for (i, pk) in pubkeys.iter().enumerate() {
        let point = match points.get(pk) {
            Some(p) => *p,
            None => *points.entry(pk).or_insert(decompress_at(pk, i)?),
        };
        acc = acc.add_mixed(&point);
    }
    Ok(G1Affine::from(acc).to_compressed())
}
