//! EIP-2335 keystore known answers, round trips and password processing.

mod common;

use common::{hex_n, stream};
use consensus_keys::keystore::{self, Kdf, KeystoreInput};
use consensus_keys::{bls, Error};
use serde_json::Value;

/// Test vectors of EIP-2335 (ethereum/ERCs, ERCS/erc-2335.md, "Test Cases").
const PASSWORD: &str = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const ENCODED_PASSWORD: &str = "7465737470617373776f7264f09f9491";
const SECRET: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

/// "Scrypt Test Vector" of EIP-2335.
const SCRYPT_VECTOR: &str = r#"{
    "crypto": {
        "kdf": {
            "function": "scrypt",
            "params": {
                "dklen": 32,
                "n": 262144,
                "p": 1,
                "r": 8,
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f"
        }
    },
    "description": "This is a test keystore that uses scrypt to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/3141592653/589793238",
    "uuid": "1d85ae20-35c5-4611-98e8-aa14a633906f",
    "version": 4
}"#;

/// "PBKDF2 Test Vector" of EIP-2335.
const PBKDF2_VECTOR: &str = r#"{
    "crypto": {
        "kdf": {
            "function": "pbkdf2",
            "params": {
                "dklen": 32,
                "c": 262144,
                "prf": "hmac-sha256",
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad"
        }
    },
    "description": "This is a test keystore that uses PBKDF2 to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/0/0",
    "uuid": "64625def-3331-4eea-ab6f-782f3ed16a83",
    "version": 4
}"#;

fn field<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no {pointer}"))
}

/// Re-encrypts the vector's secret with its own salt, IV, UUID, path and description and
/// compares the whole document (and so the ciphertext and checksum) with the vector.
fn reencrypt_matches(vector: &str, kdf: Kdf) {
    let expected: Value = serde_json::from_str(vector).unwrap();
    let secret = hex::decode(SECRET).unwrap();
    let salt = hex::decode(field(&expected, "/crypto/kdf/params/salt")).unwrap();
    let iv = hex_n::<16>(field(&expected, "/crypto/cipher/params/iv"));
    let uuid = hex_n::<16>(&field(&expected, "/uuid").replace('-', ""));
    let pubkey = hex_n::<48>(field(&expected, "/pubkey"));
    let json = keystore::encrypt(&KeystoreInput {
        secret: &secret,
        password: PASSWORD,
        kdf,
        salt: &salt,
        iv: &iv,
        uuid: &uuid,
        path: field(&expected, "/path"),
        pubkey: &pubkey,
        description: field(&expected, "/description"),
    })
    .unwrap();
    let actual: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(field(&actual, "/crypto/cipher/message"), field(&expected, "/crypto/cipher/message"));
    assert_eq!(field(&actual, "/crypto/checksum/message"), field(&expected, "/crypto/checksum/message"));
    assert_eq!(actual, expected);
}

#[test]
fn password_of_the_vectors() {
    assert_eq!(hex::encode(keystore::normalize_password(PASSWORD)), ENCODED_PASSWORD);
}

#[test]
fn vector_pubkey_matches_secret() {
    let sk = hex_n::<32>(SECRET);
    assert_eq!(
        hex::encode(bls::public_key(&sk).unwrap()),
        "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07"
    );
}

#[test]
fn pbkdf2_vector() {
    assert_eq!(hex::encode(keystore::decrypt(PBKDF2_VECTOR, PASSWORD).unwrap()), SECRET);
    let (sk, pk) = keystore::decrypt_validator_key(PBKDF2_VECTOR, PASSWORD).unwrap();
    assert_eq!(hex::encode(sk), SECRET);
    assert_eq!(pk, bls::public_key(&sk).unwrap());
    reencrypt_matches(PBKDF2_VECTOR, Kdf::PBKDF2_STANDARD);
}

#[test]
fn scrypt_vector() {
    assert_eq!(hex::encode(keystore::decrypt(SCRYPT_VECTOR, PASSWORD).unwrap()), SECRET);
    reencrypt_matches(SCRYPT_VECTOR, Kdf::SCRYPT_STANDARD);
}

#[test]
fn wrong_password() {
    assert!(matches!(keystore::decrypt(PBKDF2_VECTOR, "testpassword"), Err(Error::WrongPassword)));
}

/// Encrypts with cheap parameters and decrypts again; output is a pure function of the inputs.
#[test]
fn round_trips() {
    let sk = hex_n::<32>(SECRET);
    let pubkey = bls::public_key(&sk).unwrap();
    let salt = stream("salt", 32);
    let iv: [u8; 16] = stream("iv", 16).try_into().unwrap();
    let uuid: [u8; 16] = stream("uuid", 16).try_into().unwrap();
    for kdf in [
        Kdf::Pbkdf2 { c: 2 },
        Kdf::Pbkdf2 { c: 1000 },
        Kdf::Scrypt { n: 16, r: 8, p: 1 },
        Kdf::Scrypt { n: 1024, r: 1, p: 2 },
    ] {
        let input = KeystoreInput {
            secret: &sk,
            password: "devnet password\u{7}",
            kdf,
            salt: &salt,
            iv: &iv,
            uuid: &uuid,
            path: "m/12381/3600/0/0/0",
            pubkey: &pubkey,
            description: "",
        };
        let json = keystore::encrypt(&input).unwrap();
        assert_eq!(json, keystore::encrypt(&input).unwrap(), "deterministic");
        // The BEL control character is stripped, so the password without it decrypts too.
        assert_eq!(keystore::decrypt(&json, "devnet password").unwrap(), sk);
        assert_eq!(keystore::decrypt_validator_key(&json, "devnet password\u{7}").unwrap(), (sk, pubkey));
        assert!(matches!(keystore::decrypt(&json, "devnet passwordx"), Err(Error::WrongPassword)));

        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["version"], 4);
        assert_eq!(field(&v, "/pubkey"), hex::encode(pubkey));
        assert_eq!(field(&v, "/crypto/checksum/function"), "sha256");
        assert_eq!(v.pointer("/crypto/checksum/params").unwrap(), &serde_json::json!({}));
        assert_eq!(field(&v, "/crypto/cipher/function"), "aes-128-ctr");
        assert_eq!(field(&v, "/crypto/kdf/message"), "");
        assert_eq!(v.pointer("/crypto/kdf/params/dklen").unwrap(), 32);
    }
}

/// A keystore input for the EIP's secret with fixed salt, IV and uuid, pbkdf2 c=2.
fn simple_input<'a>(sk: &'a [u8; 32], pubkey: &'a [u8; 48], path: &'a str, description: &'a str) -> KeystoreInput<'a> {
    KeystoreInput {
        secret: sk,
        password: "p",
        kdf: Kdf::Pbkdf2 { c: 2 },
        salt: &[1; 32],
        iv: &[2; 16],
        uuid: &[3; 16],
        path,
        pubkey,
        description,
    }
}

/// Key order of the written JSON follows the EIP's examples.
#[test]
fn json_key_order() {
    let sk = hex_n::<32>(SECRET);
    let pubkey = bls::public_key(&sk).unwrap();
    let input = simple_input(&sk, &pubkey, "m/12381/3600/0/0/0", "d");
    let json = keystore::encrypt(&input).unwrap();
    let order = [
        "\"crypto\"",
        "\"kdf\"",
        "\"dklen\"",
        "\"c\"",
        "\"prf\"",
        "\"salt\"",
        "\"checksum\"",
        "\"cipher\"",
        "\"iv\"",
        "\"description\"",
        "\"pubkey\"",
        "\"path\"",
        "\"uuid\"",
        "\"version\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| json.find(k).unwrap_or_else(|| panic!("{k} missing"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    let scrypt = keystore::encrypt(&KeystoreInput { kdf: Kdf::Scrypt { n: 16, r: 8, p: 1 }, ..input }).unwrap();
    let order = ["\"dklen\"", "\"n\"", "\"p\"", "\"r\"", "\"salt\""];
    let positions: Vec<usize> = order.iter().map(|k| scrypt.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{scrypt}");
}

#[test]
fn password_normalisation() {
    // C0, Delete and C1 control codes are stripped; space is kept.
    assert_eq!(keystore::normalize_password("a\u{0}b\u{1f}c\u{7f}d\u{80}e\u{9f}f g\n"), b"abcdef g");
    assert_eq!(keystore::normalize_password("\t\r\n"), b"");
    // Characters just outside the control ranges stay.
    assert_eq!(keystore::normalize_password("\u{a0}~"), "\u{20}~".as_bytes()); // NBSP -> NFKD space
    assert_eq!(keystore::normalize_password("\u{a1}"), "\u{a1}".as_bytes());
    // NFKD: composed and decomposed forms agree; compatibility forms fold.
    assert_eq!(keystore::normalize_password("caf\u{e9}"), keystore::normalize_password("cafe\u{301}"));
    assert_eq!(keystore::normalize_password("caf\u{e9}"), "cafe\u{301}".as_bytes());
    assert_eq!(keystore::normalize_password("\u{fb01}"), b"fi");
    assert_eq!(keystore::normalize_password("ｐａｓｓ"), b"pass");
}

#[test]
fn uuid_formatting() {
    assert_eq!(keystore::uuid_v4(&[0u8; 16]), "00000000-0000-4000-8000-000000000000");
    assert_eq!(keystore::uuid_v4(&[0xffu8; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    // Already-v4 bytes are kept as they are (the EIP's vector UUIDs).
    assert_eq!(
        keystore::uuid_v4(&hex_n::<16>("1d85ae2035c5461198e8aa14a633906f")),
        "1d85ae20-35c5-4611-98e8-aa14a633906f"
    );
}

#[test]
fn rejects_bad_parameters_and_documents() {
    let sk = hex_n::<32>(SECRET);
    let pubkey = bls::public_key(&sk).unwrap();
    let base = simple_input(&sk, &pubkey, "", "");
    for kdf in [
        Kdf::Pbkdf2 { c: 0 },
        Kdf::Scrypt { n: 1, r: 8, p: 1 },
        Kdf::Scrypt { n: 1000, r: 8, p: 1 },
        Kdf::Scrypt { n: 16, r: 0, p: 1 },
        Kdf::Scrypt { n: 1 << 30, r: 8, p: 1 },
    ] {
        assert!(
            matches!(keystore::encrypt(&KeystoreInput { kdf, ..base }), Err(Error::InvalidKdfParams(_))),
            "{kdf:?}"
        );
    }
    assert!(matches!(keystore::encrypt(&KeystoreInput { salt: &[], ..base }), Err(Error::InvalidKdfParams(_))));

    let good: Value = serde_json::from_str(&keystore::encrypt(&base).unwrap()).unwrap();
    let mutate = |pointer: &str, value: Value| {
        let mut v = good.clone();
        *v.pointer_mut(pointer).unwrap() = value;
        keystore::decrypt(&v.to_string(), "p")
    };
    assert!(keystore::decrypt(&good.to_string(), "p").is_ok());
    assert!(matches!(mutate("/version", 3.into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/kdf/function", "argon2".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/kdf/params/prf", "hmac-sha512".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/kdf/params/dklen", 64.into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/cipher/function", "aes-256-ctr".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/cipher/params/iv", "0011".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/checksum/function", "keccak256".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/checksum/message", "zz".into()), Err(Error::InvalidKeystore(_))));
    assert!(matches!(mutate("/crypto/checksum/message", "00".into()), Err(Error::WrongPassword)));
    assert!(matches!(mutate("/crypto/cipher/message", hex::encode([0u8; 32]).into()), Err(Error::WrongPassword)));
    assert!(matches!(keystore::decrypt("{", "p"), Err(Error::InvalidKeystore(_))));
    // A pubkey field that does not belong to the secret.
    let mut v = good.clone();
    v["pubkey"] = hex::encode(bls::public_key(&hex_n::<32>(&format!("{:064x}", 5))).unwrap()).into();
    assert!(matches!(keystore::decrypt_validator_key(&v.to_string(), "p"), Err(Error::InvalidKeystore(_))));
}
