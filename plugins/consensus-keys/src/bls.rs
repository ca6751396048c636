//! BLS12-381 public keys: secret key -> compressed G1 point, and public key aggregation; and
//! signatures as Ethereum makes them ([`sign`]).
//!
//! Uses zkcrypto's pure-Rust `bls12_381`. `sk * G` runs on a fixed-base table of multiples of
//! the generator, built once per process (a plugin builds it in every render, since each render
//! is a fresh instance): 64 windows x 16 entries (1,024 points to build, 64 mixed additions per
//! key) for up to 224 keys, 32 windows x 256 (8,192 points, 32 additions per key) beyond, the
//! width that costs least for the number of keys [`public_keys`] is asked for. The table lookup
//! indexes memory by secret bytes, so it is not constant-time; that is fine for devnet keys, and
//! [`public_key_constant_time`] gives the plain constant-time product when it matters.

use crate::{Error, PublicKey, Result, SecretKey};
use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, G2Projective, Scalar};
use std::sync::OnceLock;

/// Above this many keys the 8-bit table's 7,168 extra points to build cost less than the 4-bit
/// table's 32 extra additions per key.
const WIDE_FROM: usize = 225;

/// A fixed-base table: `256 / bits` windows of `2^bits` entries.
struct Table {
    bits: usize,
    points: Vec<G1Affine>,
}

impl Table {
    /// Row `w` holds `j * 2^(bits * w) * G` for `j` in `0..2^bits`.
    fn build(bits: usize) -> Table {
        let (windows, entries) = (256 / bits, 1usize << bits);
        let mut projective = Vec::with_capacity(windows * entries);
        let mut base = G1Projective::generator();
        for _ in 0..windows {
            let mut acc = G1Projective::identity();
            for _ in 0..entries {
                projective.push(acc);
                acc += base;
            }
            // acc is now 2^bits * base = the next window's base.
            base = acc;
        }
        let mut points = vec![G1Affine::identity(); projective.len()];
        G1Projective::batch_normalize(&projective, &mut points);
        Table { bits, points }
    }

    /// `sk * G`; `sk` must already be a valid scalar.
    fn mul(&self, sk: &SecretKey) -> G1Projective {
        let entries = 1usize << self.bits;
        let mask = (entries - 1) as u8;
        let mut acc = G1Projective::identity();
        let mut w = 0;
        // Byte 31 of the big-endian key holds the least significant bits.
        for &byte in sk.iter().rev() {
            let mut rest = byte;
            for _ in 0..8 / self.bits {
                acc = acc.add_mixed(&self.points[w * entries + (rest & mask) as usize]);
                rest = rest.checked_shr(self.bits as u32).unwrap_or(0);
                w += 1;
            }
        }
        acc
    }
}

/// The table for `count` keys.
fn table(count: usize) -> &'static Table {
    static NARROW: OnceLock<Table> = OnceLock::new();
    static WIDE: OnceLock<Table> = OnceLock::new();
    if count >= WIDE_FROM {
        WIDE.get_or_init(|| Table::build(8))
    } else {
        // A wide table built earlier serves small batches too.
        WIDE.get().unwrap_or_else(|| NARROW.get_or_init(|| Table::build(4)))
    }
}

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

/// Builds the fixed-base table for `count` keys now instead of at the first call (e.g. before
/// timing).
pub fn warm_up(count: usize) {
    table(count);
}

/// Secret key (big-endian scalar in `1..r`) -> 48-byte compressed G1 public key.
pub fn public_key(sk: &SecretKey) -> Result<PublicKey> {
    Ok(public_keys(std::slice::from_ref(sk))?.remove(0))
}

/// [`public_key`] of many keys: on the table that suits their number, with one field inversion
/// for all of them.
pub fn public_keys(sks: &[SecretKey]) -> Result<Vec<PublicKey>> {
    let table = table(sks.len());
    let mut projective = Vec::with_capacity(sks.len());
    for sk in sks {
        scalar_from_sk(sk)?;
        projective.push(table.mul(sk));
    }
    let mut affine = vec![G1Affine::identity(); projective.len()];
    G1Projective::batch_normalize(&projective, &mut affine);
    Ok(affine.iter().map(G1Affine::to_compressed).collect())
}

/// Whether `sk` is a secret key: a big-endian scalar in `1..r`.
pub fn public_key_checked(sk: &SecretKey) -> Result<()> {
    scalar_from_sk(sk).map(|_| ())
}

/// Same as [`public_key`] but with the library's constant-time `G * sk` (about 10x slower).
pub fn public_key_constant_time(sk: &SecretKey) -> Result<PublicKey> {
    let scalar = scalar_from_sk(sk)?;
    Ok(G1Affine::from(G1Affine::generator() * scalar).to_compressed())
}

/// The domain separation tag of Ethereum's BLS signatures: the IETF scheme with proof of
/// possession, hashing to G2 with SHA-256 (consensus-specs `bls.Sign`, py_ecc's
/// `G2ProofOfPossession`).
pub const SIGNATURE_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// A compressed BLS12-381 G2 signature (96 bytes).
pub type Signature = [u8; 96];

/// The point `message` hashes to in G2 (RFC 9380 `hash_to_curve`, BLS12381G2_XMD:SHA-256_SSWU_RO_).
fn message_point(message: &[u8]) -> G2Projective {
    <G2Projective as HashToCurve<ExpandMsgXmd<sha2_09::Sha256>>>::hash_to_curve(message, SIGNATURE_DST)
}

/// Signs `message` (for Ethereum, a 32-byte signing root) with `sk`: `sk * H(message)`,
/// compressed. Deterministic; not constant-time in the secret (devnet keys).
pub fn sign(sk: &SecretKey, message: &[u8]) -> Result<Signature> {
    let scalar = scalar_from_sk(sk)?;
    Ok(G2Affine::from(message_point(message) * scalar).to_compressed())
}

/// Whether `signature` is `pubkey`'s over `message`: `e(pk, H(m)) == e(G1, sig)`, with both
/// points decompressed and checked.
pub fn verify(pubkey: &PublicKey, message: &[u8], signature: &Signature) -> bool {
    let Ok(pk) = decompress_public_key(pubkey) else { return false };
    let Some(sig) = Option::<G2Affine>::from(G2Affine::from_compressed(signature)) else { return false };
    if bool::from(sig.is_identity()) {
        return false;
    }
    pairing(&pk, &G2Affine::from(message_point(message))) == pairing(&G1Affine::generator(), &sig)
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
    let mut all = Vec::with_capacity(pubkeys.len());
    for (i, pk) in pubkeys.iter().enumerate() {
        let point = match points.get(pk) {
            Some(p) => *p,
            None => *points.entry(pk).or_insert(decompress_at(pk, i)?),
        };
        all.push(point);
    }
    Ok(sum_points(all.iter()))
}

/// The sum of decompressed, checked points ([`decompress_public_key`]), compressed: the last step
/// of [`aggregate_public_keys`].
pub fn sum_points<'a>(points: impl Iterator<Item = &'a G1Affine>) -> PublicKey {
    let acc = points.fold(G1Projective::identity(), |acc, p| acc.add_mixed(p));
    G1Affine::from(acc).to_compressed()
}
