//! Test helpers shared by the integration tests and examples: BLS keys from small scalars and a
//! zkcrypto bls12_381 implementation of the crate's `PubkeyAggregator`, plus a sample network.
#![allow(dead_code, clippy::unwrap_used)]

use bls12_381::{G1Affine, G1Projective, Scalar};
use consensus_genesis::{GenesisFork, GenesisInput, PrefundedAccount, ValidatorInput};
use sha2::{Digest, Sha256};

/// Compressed public key of secret key `secret` (`SkToPk`).
pub fn pubkey_of(secret: u64) -> [u8; 48] {
    G1Affine::from(G1Affine::generator() * Scalar::from(secret)).to_compressed()
}

/// `eth_aggregate_pubkeys`: decompress (with subgroup check), reject infinity, add, compress.
pub fn aggregate(pubkeys: &[[u8; 48]]) -> Result<[u8; 48], String> {
    if pubkeys.is_empty() {
        return Err("no public keys".into());
    }
    let mut sum = G1Projective::identity();
    for (i, pk) in pubkeys.iter().enumerate() {
        let point: Option<G1Affine> = G1Affine::from_compressed(pk).into();
        let point = point.ok_or_else(|| format!("public key {i} is not a valid G1 point"))?;
        if bool::from(point.is_identity()) {
            return Err(format!("public key {i} is the point at infinity"));
        }
        sum += G1Projective::from(point);
    }
    Ok(G1Affine::from(sum).to_compressed())
}

/// The sample network of the examples and cross-checks: validators with secret keys 1..=count,
/// mostly 32 ETH with 0x00 credentials, plus a few 0x01/0x02 ones and odd balances so that every
/// effective-balance rule is exercised.
pub fn sample_input(count: usize, fork: GenesisFork) -> GenesisInput {
    let mut input = GenesisInput::new(1337, 1_750_000_000, fork);
    input.extra_data = b"ethwasm".to_vec();
    for i in 1..=count as u64 {
        let pubkey = pubkey_of(i);
        let mut wc = [0u8; 32];
        let mut balance = 32_000_000_000u64;
        match i % 16 {
            3 => {
                wc[0] = 0x01;
                wc[12..].copy_from_slice(&[i as u8; 20]);
            }
            5 => {
                wc[0] = 0x02;
                wc[12..].copy_from_slice(&[i as u8; 20]);
                balance = 2_100_000_000_000; // capped at 2048 ETH
            }
            7 => {
                wc[0] = 0x02;
                wc[12..].copy_from_slice(&[i as u8; 20]);
                balance = 64_500_000_000; // effective 64 ETH
            }
            9 => balance = 32_700_000_000,  // effective 32 ETH
            11 => balance = 31_500_000_000, // effective 31 ETH: not active at genesis
            _ => {
                let h = Sha256::digest(pubkey);
                wc[1..].copy_from_slice(&h[1..]);
            }
        }
        input.validators.push(ValidatorInput { pubkey, withdrawal_credentials: wc, balance_gwei: balance });
    }
    input.prefunded = vec![
        PrefundedAccount { address: [0x11; 20], balance_wei: "1000000000000000000000000".into() },
        PrefundedAccount { address: [0x22; 20], balance_wei: "0x3635c9adc5dea00000".into() },
        PrefundedAccount { address: [0x33; 20], balance_wei: "0".into() },
        PrefundedAccount {
            address: [0x44; 20],
            balance_wei: "1606938044258990275541962092341162602522202993782792835301376".into(), // 2^200
        },
    ];
    input
}
