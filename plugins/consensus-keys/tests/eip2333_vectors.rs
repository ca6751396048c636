//! EIP-2333 known answers and EIP-2334 paths.

mod common;

use common::{dec_to_be32, hex_n};
use consensus_keys::{bip39, eip2333, Error};

/// The four test cases of EIP-2333 (ethereum/EIPs, EIPS/eip-2333.md, "Test Cases"):
/// seed, master_SK, child_index, child_SK.
const CASES: &[(&str, &str, u32, &str)] = &[
    (
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        "6083874454709270928345386274498605044986640685124978867557563392430687146096",
        0,
        "20397789859736650942317412262472558107875392172444076792671091975210932703118",
    ),
    (
        "3141592653589793238462643383279502884197169399375105820974944592",
        "29757020647961307431480504535336562678282505419141012933316116377660817309383",
        3141592653,
        "25457201688850691947727629385191704516744796114925897962676248250929345014287",
    ),
    (
        "0099FF991111002299DD7744EE3355BBDD8844115566CC55663355668888CC00",
        "27580842291869792442942448775674722299803720648445448686099262467207037398656",
        4294967295,
        "29358610794459428860402234341874281240803786294062035874021252734817515685787",
    ),
    (
        "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
        "19022158461524446591288038168518313374041767046816487870552872741050760015818",
        42,
        "31372231650479070279774297061823572166496564838472787488249775572789064611981",
    ),
];

#[test]
fn eip2333_test_cases() {
    for (seed, master, index, child) in CASES {
        let seed = hex::decode(seed).unwrap();
        let master_sk = eip2333::derive_master_sk(&seed).unwrap();
        assert_eq!(master_sk, dec_to_be32(master), "master_SK of seed {}", hex::encode(&seed));
        assert_eq!(eip2333::derive_child_sk(&master_sk, *index), dec_to_be32(child), "child_SK index {index}");
    }
}

/// Test case 0 extended to the whole stack (EIP-2333: "This test case can be extended to test the
/// entire mnemonic-to-child_SK stack"): mnemonic "abandon ... about", passphrase "TREZOR".
#[test]
fn eip2333_case0_from_mnemonic() {
    let mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let seed = bip39::mnemonic_to_seed(mnemonic, "TREZOR").unwrap();
    assert_eq!(hex::encode(seed), CASES[0].0);
    assert_eq!(eip2333::derive_path(&seed, "m/0").unwrap(), dec_to_be32(CASES[0].3));
    assert_eq!(eip2333::derive_path(&seed, "m").unwrap(), dec_to_be32(CASES[0].1));
}

/// EIP-2333 "Test Vector with Intermediate values" (seed of test case 0, child_index 0):
/// the first, second and last entries of lamport_0 and lamport_1, and compressed_lamport_PK.
#[test]
fn eip2333_intermediate_values() {
    let master_sk = dec_to_be32(CASES[0].1);
    let salt = 0u32.to_be_bytes();
    let lamport_0 = eip2333::ikm_to_lamport_sk(&master_sk, &salt);
    let lamport_1 = eip2333::ikm_to_lamport_sk(&master_sk.map(|b| !b), &salt);
    assert_eq!(lamport_0.len(), 255);
    assert_eq!(lamport_1.len(), 255);
    assert_eq!(lamport_0[0], hex_n::<32>("e345d0ad7be270737de05cf036f688f385d5f99c7fddb054837658bdd2ebd519"));
    assert_eq!(lamport_0[1], hex_n::<32>("65050bd4db9c77c051f67dcc801bf1cdf33d81131e608505bb3e4523868eb76c"));
    assert_eq!(lamport_0[254], hex_n::<32>("65963bb743d5db080005c4db59e29c4a4e86f92ab1dd7a59f69ea7eaf8e9aa79"));
    assert_eq!(lamport_1[0], hex_n::<32>("9c0bfb14de8d2779f88fc8d5b016f8668be9e231e745640096d35dd5f53b0ae2"));
    assert_eq!(lamport_1[1], hex_n::<32>("756586b0f3227ab0df6f4b7362786916bd89f353d0739fffa534368d8d793816"));
    assert_eq!(lamport_1[254], hex_n::<32>("261a605fa5f2a9bdc7cffac530edcf976e7ea7af4e443b625fe01ed39dad44b6"));
    assert_eq!(
        eip2333::parent_sk_to_lamport_pk(&master_sk, 0),
        hex_n::<32>("dd635d27d1d52b9a49df9e5c0c622360a4dd17cba7db4e89bce3cb048fb721a5")
    );
    assert_eq!(eip2333::hkdf_mod_r(&eip2333::parent_sk_to_lamport_pk(&master_sk, 0), b""), dec_to_be32(CASES[0].3));
}

#[test]
fn seed_too_short() {
    assert!(matches!(eip2333::derive_master_sk(&[0u8; 31]), Err(Error::SeedTooShort(31))));
    assert!(eip2333::derive_master_sk(&[0u8; 32]).is_ok());
}

#[test]
fn paths() {
    assert_eq!(eip2333::signing_key_path(7), "m/12381/3600/7/0/0");
    assert_eq!(eip2333::withdrawal_key_path(7), "m/12381/3600/7/0");
    assert_eq!(eip2333::parse_path("m").unwrap(), Vec::<u32>::new());
    assert_eq!(eip2333::parse_path("m/12381/3600/4294967295/0/0").unwrap(), vec![12381, 3600, u32::MAX, 0, 0]);
    for bad in ["", "/0", "m/", "m//0", "m/4294967296", "m/-1", "m/+1", "m/1a", "n/0", "m/0 ", "M/0"] {
        assert!(matches!(eip2333::parse_path(bad), Err(Error::InvalidPath(_))), "{bad:?}");
    }
}

/// The prefix-reusing deriver gives the same keys as walking each path from the seed.
#[test]
fn deriver_matches_paths() {
    let seed = bip39::mnemonic_to_seed(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "",
    )
    .unwrap();
    let deriver = eip2333::ValidatorKeyDeriver::from_seed(&seed).unwrap();
    for i in [0u32, 1, 2, 1000] {
        let keys = deriver.validator(i);
        assert_eq!(keys.signing, eip2333::derive_path(&seed, &eip2333::signing_key_path(i)).unwrap());
        assert_eq!(keys.withdrawal, eip2333::derive_path(&seed, &eip2333::withdrawal_key_path(i)).unwrap());
        assert_eq!(keys.signing, deriver.signing_sk(i));
        assert_eq!(keys.withdrawal, deriver.withdrawal_sk(i));
    }
    assert_ne!(deriver.signing_sk(0), deriver.signing_sk(1));
}
