//! Per-validator cost of key derivation, public keys and cheap keystores (run with --release).
//!
//! `cargo run --release --example keys_bench [N...]` (default N = 1024 16384).

use consensus_keys::keystore::{self, Kdf, KeystoreInput};
use consensus_keys::{bip39, bls, eip2333};
use std::time::{Duration, Instant};

fn per(d: Duration, n: usize) -> String {
    format!("{:8.1} us/validator  ({:7.3} s total)", d.as_secs_f64() * 1e6 / n as f64, d.as_secs_f64())
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1024, 16384] } else { sizes };

    let mnemonic = bip39::mnemonic_from_entropy(&[0x42; 32]).expect("entropy");
    let t = Instant::now();
    let seed = bip39::mnemonic_to_seed(&mnemonic, "").expect("mnemonic");
    let deriver = eip2333::ValidatorKeyDeriver::from_seed(&seed).expect("seed");
    println!("mnemonic -> seed -> m/12381/3600: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    bls::warm_up(1);
    println!("fixed-base table build, 4-bit (up to 224 keys): {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    bls::warm_up(usize::MAX);
    println!("fixed-base table build, 8-bit (225 keys and more): {:.2} ms", t.elapsed().as_secs_f64() * 1e3);

    for n in sizes {
        println!("--- {n} validators ---");
        let t = Instant::now();
        let keys: Vec<_> = (0..n as u32).map(|i| deriver.validator(i)).collect();
        let derive = t.elapsed();
        println!("withdrawal + signing key (EIP-2333, 3 child steps): {}", per(derive, n));

        let t = Instant::now();
        let signing: Vec<_> = keys.iter().map(|k| k.signing).collect();
        let pubkeys = bls::public_keys(&signing).expect("sk");
        let pk = t.elapsed();
        println!("pubkey, fixed-base table:                          {}", per(pk, n));

        let sample = n.min(1024);
        let t = Instant::now();
        for k in &keys[..sample] {
            std::hint::black_box(bls::public_key_constant_time(&k.signing).expect("sk"));
        }
        println!("pubkey, plain G * sk (sample of {sample:5}):            {}", per(t.elapsed(), sample));

        let t = Instant::now();
        let mut bytes = 0usize;
        for (i, (k, p)) in keys.iter().zip(&pubkeys).enumerate() {
            let path = eip2333::signing_key_path(i as u32);
            let json = keystore::encrypt(&KeystoreInput {
                secret: &k.signing,
                password: "devnet",
                kdf: Kdf::Pbkdf2 { c: 2 },
                salt: &[i as u8; 32],
                iv: &[7; 16],
                uuid: &[9; 16],
                path: &path,
                pubkey: p,
                description: "",
            })
            .expect("keystore");
            bytes += json.len();
            std::hint::black_box(json);
        }
        let ks = t.elapsed();
        println!("keystore pbkdf2 c=2, encrypt:                      {}  ({bytes} bytes)", per(ks, n));

        let agg_n = n.min(512);
        let t = Instant::now();
        std::hint::black_box(bls::aggregate_public_keys(&pubkeys[..agg_n]).expect("aggregate"));
        println!("aggregate {agg_n} pubkeys: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
        println!("total derive + pubkey + keystore:                  {}", per(derive + pk + ks, n));
    }

    let t = Instant::now();
    let sk = deriver.signing_sk(0);
    let pk = bls::public_key(&sk).expect("sk");
    let input = KeystoreInput {
        secret: &sk,
        password: "devnet",
        kdf: Kdf::PBKDF2_STANDARD,
        salt: &[1; 32],
        iv: &[2; 16],
        uuid: &[3; 16],
        path: "",
        pubkey: &pk,
        description: "",
    };
    keystore::encrypt(&input).expect("keystore");
    println!("one keystore with pbkdf2 c=2^18 (EIP vector cost): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    keystore::encrypt(&KeystoreInput { kdf: Kdf::SCRYPT_STANDARD, ..input }).expect("keystore");
    println!("one keystore with scrypt n=2^18 (EIP vector cost): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
}
