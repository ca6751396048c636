//! BLS public keys (fixed-base table vs plain product, known answers, aggregation) and withdrawal credentials.

mod common;

use common::{hex_n, stream};
use consensus_keys::{bls, credentials, Error};

/// The BLS12-381 group order r, big-endian.
const R: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
/// Compressed G1 generator (sk = 1), as in the ZCash serialisation that Ethereum uses.
const G1: &str = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

fn sk_from_u64(v: u64) -> [u8; 32] {
    let mut sk = [0u8; 32];
    sk[24..].copy_from_slice(&v.to_be_bytes());
    sk
}

/// Adds a small number to a big-endian 256-bit integer.
fn add_small(mut x: [u8; 32], mut v: u64) -> [u8; 32] {
    for byte in x.iter_mut().rev() {
        let s = u64::from(*byte) + (v & 0xff);
        *byte = s as u8;
        v = (v >> 8) + (s >> 8);
    }
    x
}

/// Subtracts a small number from a big-endian 256-bit integer (no underflow below zero expected).
fn sub_small(mut x: [u8; 32], mut v: u64) -> [u8; 32] {
    for byte in x.iter_mut().rev() {
        let (d, borrow) = byte.overflowing_sub((v & 0xff) as u8);
        *byte = d;
        v = (v >> 8) + u64::from(borrow);
    }
    x
}

#[test]
fn generator_known_answer() {
    assert_eq!(hex::encode(bls::public_key(&sk_from_u64(1)).unwrap()), G1);
    assert_eq!(hex::encode(bls::public_key_constant_time(&sk_from_u64(1)).unwrap()), G1);
}

/// The windowed table product equals the library's `G * sk` for many scalars, including edge digits.
#[test]
fn fixed_base_matches_plain_product() {
    let r = hex_n::<32>(R);
    let mut keys: Vec<[u8; 32]> =
        vec![sk_from_u64(1), sk_from_u64(2), sk_from_u64(255), sk_from_u64(256), sk_from_u64(u64::MAX)];
    // r - 1, r - 2, r - 256: the largest valid scalars.
    keys.extend([sub_small(r, 1), sub_small(r, 2), sub_small(r, 256)]);
    // Digit 0xff in every window below the top one, and single-window scalars.
    let mut all_ff = [0xffu8; 32];
    all_ff[0] = 0x3f; // below r
    keys.push(all_ff);
    for w in 0..32 {
        let mut k = [0u8; 32];
        k[w] = if w == 0 { 0x01 } else { 0x80 };
        keys.push(k);
    }
    // Pseudo-random scalars below r.
    let bytes = stream("fixed-base", 32 * 300);
    for chunk in bytes.chunks(32) {
        let mut k: [u8; 32] = chunk.try_into().unwrap();
        k[0] &= 0x3f;
        keys.push(k);
    }
    for k in &keys {
        assert_eq!(bls::public_key(k).unwrap(), bls::public_key_constant_time(k).unwrap(), "sk {}", hex::encode(k));
    }
}

#[test]
fn invalid_secret_keys() {
    let r = hex_n::<32>(R);
    for sk in [[0u8; 32], r, add_small(r, 1), [0xff; 32]] {
        assert!(matches!(bls::public_key(&sk), Err(Error::InvalidSecretKey)), "{}", hex::encode(sk));
        assert!(matches!(bls::public_key_constant_time(&sk), Err(Error::InvalidSecretKey)));
    }
}

#[test]
fn aggregation() {
    let pk = |v: u64| bls::public_key(&sk_from_u64(v)).unwrap();
    // Point addition: (1 + 2) * G and (5 + 7 + 11) * G.
    assert_eq!(bls::aggregate_public_keys(&[pk(1), pk(2)]).unwrap(), pk(3));
    assert_eq!(bls::aggregate_public_keys(&[pk(5), pk(7), pk(11)]).unwrap(), pk(23));
    assert_eq!(bls::aggregate_public_keys(&[pk(9)]).unwrap(), pk(9));
    // Order does not matter.
    assert_eq!(
        bls::aggregate_public_keys(&[pk(11), pk(5), pk(7)]).unwrap(),
        bls::aggregate_public_keys(&[pk(5), pk(7), pk(11)]).unwrap()
    );
    assert!(matches!(bls::aggregate_public_keys(&[]), Err(Error::EmptyAggregate)));
    // Identity (0xc0 followed by zeros) and garbage are rejected, with the position reported.
    let mut identity = [0u8; 48];
    identity[0] = 0xc0;
    assert!(matches!(bls::aggregate_public_keys(&[pk(1), identity]), Err(Error::InvalidPublicKey(1))));
    assert!(matches!(bls::aggregate_public_keys(&[[0xab; 48], pk(1)]), Err(Error::InvalidPublicKey(0))));
    assert!(bls::decompress_public_key(&pk(42)).is_ok());
    assert!(bls::decompress_public_key(&identity).is_err());
}

#[test]
fn withdrawal_credentials() {
    let pubkey = hex_n::<48>(G1);
    let creds = credentials::bls_withdrawal_credentials(&pubkey);
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(pubkey)
    };
    assert_eq!(creds[0], 0x00);
    assert_eq!(&creds[1..], &hash[1..]);

    let address = credentials::parse_execution_address("0x8943545177806ED17B9F23F0a21ee5948eCaa776").unwrap();
    assert_eq!(
        hex::encode(credentials::eth1_address_withdrawal_credentials(&address)),
        "0100000000000000000000008943545177806ed17b9f23f0a21ee5948ecaa776"
    );
    assert_eq!(
        hex::encode(credentials::compounding_withdrawal_credentials(&address)),
        "0200000000000000000000008943545177806ed17b9f23f0a21ee5948ecaa776"
    );
    for bad in ["8943545177806ED17B9F23F0a21ee5948eCaa776", "0x1234", "0x8943545177806ED17B9F23F0a21ee5948eCaa77g", ""]
    {
        assert!(matches!(credentials::parse_execution_address(bad), Err(Error::InvalidAddress(_))), "{bad}");
    }
}

#[test]
fn batches_on_either_table_match_the_constant_time_product() {
    // 300 keys take the 8-bit table, 7 the 4-bit one; both against the plain product.
    for n in [7u64, 300] {
        // Keys over the whole width (every window), below r (top two bits clear).
        let sks: Vec<[u8; 32]> = (1..=n)
            .map(|v| {
                let mut k: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(v.to_be_bytes()).into();
                k[0] &= 0x3f;
                k
            })
            .collect();
        let batch = bls::public_keys(&sks).unwrap();
        for (k, pk) in sks.iter().zip(&batch).step_by(13) {
            assert_eq!(*pk, bls::public_key_constant_time(k).unwrap(), "sk {}", hex::encode(k));
        }
    }
}
