//! EIP-2335 (version 4) BLS keystores: encrypt a secret key into keystore JSON, decrypt it back.
//!
//! The KDF is pbkdf2 (HMAC-SHA256) or scrypt with a 32-byte derived key; the cipher is
//! AES-128-CTR keyed with its first 16 bytes; the checksum is `sha256(dk[16..32] || ciphertext)`.
//! Salt, IV and UUID bytes come from the caller, so output is deterministic.

use crate::{bls, Error, PublicKey, Result, SecretKey};
use aes::cipher::{KeyIvInit, StreamCipher};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// Derived key length; EIP-2335 keystores use 32 (16 for AES, 16 for the checksum).
const DKLEN: u32 = 32;
/// Keystore format version of EIP-2335.
const VERSION: u32 = 4;

/// Key derivation function of a keystore and its cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2-HMAC-SHA256 with `c` iterations.
    Pbkdf2 {
        /// Iteration count (> 0).
        c: u32,
    },
    /// scrypt with cost `n` (a power of two > 1), block size `r` and parallelism `p`.
    Scrypt {
        /// CPU/memory cost, a power of two > 1.
        n: u32,
        /// Block size (> 0).
        r: u32,
        /// Parallelism (> 0).
        p: u32,
    },
}

impl Kdf {
    /// pbkdf2 with the cost of the EIP-2335 test vector and staking-deposit-cli (c = 2^18).
    pub const PBKDF2_STANDARD: Kdf = Kdf::Pbkdf2 { c: 262_144 };
    /// scrypt with the cost of the EIP-2335 test vector and staking-deposit-cli (n = 2^18, r = 8, p = 1).
    pub const SCRYPT_STANDARD: Kdf = Kdf::Scrypt { n: 262_144, r: 8, p: 1 };

    /// Checks the parameters as Lighthouse does on load (positive, n a power of two, 128*n*r*p < 4 GiB).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::InvalidKdfParams(m.to_string()));
        match *self {
            Kdf::Pbkdf2 { c: 0 } => bad("pbkdf2 c must be > 0"),
            Kdf::Pbkdf2 { .. } => Ok(()),
            Kdf::Scrypt { n, .. } if n <= 1 || !n.is_power_of_two() => bad("scrypt n must be a power of two > 1"),
            Kdf::Scrypt { r, p, .. } if r == 0 || p == 0 => bad("scrypt r and p must be > 0"),
            Kdf::Scrypt { n, r, p } => {
                let memory = 128u64 * u64::from(n) * u64::from(r) * u64::from(p);
                if memory > u64::from(u32::MAX) {
                    return bad("scrypt 128 * n * r * p must stay below 4 GiB");
                }
                Ok(())
            }
        }
    }

    /// The 32-byte decryption key for already-normalised password bytes.
    pub fn derive(&self, password: &[u8], salt: &[u8]) -> Result<[u8; 32]> {
        self.validate()?;
        if salt.is_empty() {
            return Err(Error::InvalidKdfParams("salt must not be empty".into()));
        }
        let mut dk = [0u8; 32];
        match *self {
            Kdf::Pbkdf2 { c } => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, c, &mut dk),
            Kdf::Scrypt { n, r, p } => {
                let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p)
                    .map_err(|e| Error::InvalidKdfParams(format!("scrypt: {e}")))?;
                scrypt::scrypt(password, salt, &params, &mut dk)
                    .map_err(|e| Error::InvalidKdfParams(format!("scrypt: {e}")))?;
            }
        }
        Ok(dk)
    }
}

/// Everything a keystore is made from; salt, IV and UUID bytes are the caller's randomness.
#[derive(Debug, Clone, Copy)]
pub struct KeystoreInput<'a> {
    /// The secret to protect (a 32-byte BLS secret key for validators).
    pub secret: &'a [u8],
    /// The password, before EIP-2335 normalisation.
    pub password: &'a str,
    /// KDF and its cost.
    pub kdf: Kdf,
    /// KDF salt (non-empty; 32 bytes is usual).
    pub salt: &'a [u8],
    /// AES-128-CTR initial counter block.
    pub iv: &'a [u8; 16],
    /// Bytes of the v4 UUID (version and variant bits are overwritten).
    pub uuid: &'a [u8; 16],
    /// EIP-2334 path of the key, or "" if unknown.
    pub path: &'a str,
    /// Public key of the secret.
    pub pubkey: &'a PublicKey,
    /// Free-text description.
    pub description: &'a str,
}

/// EIP-2335 password processing: NFKD, drop C0 (0x00-0x1F), Delete (0x7F) and C1 (0x80-0x9F), UTF-8.
pub fn normalize_password(password: &str) -> Vec<u8> {
    let cleaned: String = password.nfkd().filter(|c| !matches!(*c as u32, 0x00..=0x1F | 0x7F..=0x9F)).collect();
    cleaned.into_bytes()
}

/// Formats 16 bytes as an RFC 4122 version 4 UUID (sets the version and variant bits).
pub fn uuid_v4(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn checksum(dk: &[u8; 32], cipher_message: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&dk[16..32]);
    h.update(cipher_message);
    h.finalize().into()
}

fn apply_ctr(dk: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    Aes128Ctr::new(dk[..16].into(), iv.into()).apply_keystream(data);
}

// --- JSON written: field order follows the EIP's examples. ---

#[derive(Serialize)]
struct KeystoreOut<'a> {
    crypto: CryptoOut,
    description: &'a str,
    pubkey: String,
    path: &'a str,
    uuid: String,
    version: u32,
}

#[derive(Serialize)]
struct CryptoOut {
    kdf: ModuleOut<KdfParamsOut>,
    checksum: ModuleOut<EmptyParams>,
    cipher: ModuleOut<CipherParams>,
}

#[derive(Serialize)]
struct ModuleOut<P> {
    function: &'static str,
    params: P,
    message: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum KdfParamsOut {
    Scrypt { dklen: u32, n: u32, p: u32, r: u32, salt: String },
    Pbkdf2 { dklen: u32, c: u32, prf: &'static str, salt: String },
}

#[derive(Serialize)]
struct EmptyParams {}

#[derive(Serialize)]
struct CipherParams {
    iv: String,
}

/// Encrypts `input.secret` into an EIP-2335 version 4 keystore, returned as compact JSON text.
pub fn encrypt(input: &KeystoreInput<'_>) -> Result<String> {
    let dk = input.kdf.derive(&normalize_password(input.password), input.salt)?;
    encrypt_with_key(input, &dk)
}

/// [`encrypt`] with the KDF's output `dk` already derived from `input`'s password, salt and
/// KDF (for example in a batch, by a [`crate::backend::Backend`]).
pub fn encrypt_with_key(input: &KeystoreInput<'_>, dk: &[u8; 32]) -> Result<String> {
    let dk = *dk;
    let mut cipher_message = input.secret.to_vec();
    apply_ctr(&dk, input.iv, &mut cipher_message);
    let salt = hex::encode(input.salt);
    let (function, params) = match input.kdf {
        Kdf::Pbkdf2 { c } => ("pbkdf2", KdfParamsOut::Pbkdf2 { dklen: DKLEN, c, prf: "hmac-sha256", salt }),
        Kdf::Scrypt { n, r, p } => ("scrypt", KdfParamsOut::Scrypt { dklen: DKLEN, n, p, r, salt }),
    };
    let keystore = KeystoreOut {
        crypto: CryptoOut {
            kdf: ModuleOut { function, params, message: String::new() },
            checksum: ModuleOut {
                function: "sha256",
                params: EmptyParams {},
                message: hex::encode(checksum(&dk, &cipher_message)),
            },
            cipher: ModuleOut {
                function: "aes-128-ctr",
                params: CipherParams { iv: hex::encode(input.iv) },
                message: hex::encode(&cipher_message),
            },
        },
        description: input.description,
        pubkey: hex::encode(input.pubkey),
        path: input.path,
        uuid: uuid_v4(input.uuid),
        version: VERSION,
    };
    serde_json::to_string(&keystore).map_err(|e| Error::InvalidKeystore(e.to_string()))
}

// --- JSON read: lenient about extra fields, strict about the modules it uses. ---

#[derive(Deserialize)]
struct KeystoreIn {
    crypto: CryptoIn,
    #[serde(default)]
    pubkey: Option<String>,
    version: u32,
}

#[derive(Deserialize)]
struct CryptoIn {
    kdf: ModuleIn,
    checksum: ModuleIn,
    cipher: ModuleIn,
}

#[derive(Deserialize)]
struct ModuleIn {
    function: String,
    #[serde(default)]
    params: Map<String, Value>,
    message: String,
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidKeystore(m.into())
}

fn param<'a>(module: &'a ModuleIn, name: &str) -> Result<&'a Value> {
    module.params.get(name).ok_or_else(|| invalid(format!("{} params lack {name:?}", module.function)))
}

fn param_u32(module: &ModuleIn, name: &str) -> Result<u32> {
    param(module, name)?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| invalid(format!("{} param {name:?} is not a u32", module.function)))
}

fn param_hex(module: &ModuleIn, name: &str) -> Result<Vec<u8>> {
    let s = param(module, name)?.as_str().ok_or_else(|| invalid(format!("{name:?} is not a string")))?;
    hex::decode(s).map_err(|_| invalid(format!("{name:?} is not hex")))
}

fn parse_kdf(module: &ModuleIn) -> Result<(Kdf, Vec<u8>)> {
    let kdf = match module.function.as_str() {
        "pbkdf2" => {
            if param(module, "prf")?.as_str() != Some("hmac-sha256") {
                return Err(invalid("pbkdf2 prf must be \"hmac-sha256\""));
            }
            Kdf::Pbkdf2 { c: param_u32(module, "c")? }
        }
        "scrypt" => Kdf::Scrypt { n: param_u32(module, "n")?, r: param_u32(module, "r")?, p: param_u32(module, "p")? },
        other => return Err(invalid(format!("unsupported kdf {other:?}"))),
    };
    if param_u32(module, "dklen")? != DKLEN {
        return Err(invalid("kdf dklen must be 32"));
    }
    Ok((kdf, param_hex(module, "salt")?))
}

fn parse(json: &str) -> Result<KeystoreIn> {
    let keystore: KeystoreIn = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
    if keystore.version != VERSION {
        return Err(invalid(format!("version {} is not 4", keystore.version)));
    }
    Ok(keystore)
}

/// Decrypts an EIP-2335 keystore: verifies the checksum (else [`Error::WrongPassword`]) and returns the secret.
pub fn decrypt(json: &str, password: &str) -> Result<Vec<u8>> {
    decrypt_parsed(&parse(json)?, password)
}

fn decrypt_parsed(keystore: &KeystoreIn, password: &str) -> Result<Vec<u8>> {
    let crypto = &keystore.crypto;
    let (kdf, salt) = parse_kdf(&crypto.kdf)?;
    if crypto.checksum.function != "sha256" {
        return Err(invalid(format!("unsupported checksum {:?}", crypto.checksum.function)));
    }
    if crypto.cipher.function != "aes-128-ctr" {
        return Err(invalid(format!("unsupported cipher {:?}", crypto.cipher.function)));
    }
    let iv: [u8; 16] =
        param_hex(&crypto.cipher, "iv")?.try_into().map_err(|_| invalid("aes-128-ctr iv must be 16 bytes"))?;
    let expected = hex::decode(&crypto.checksum.message).map_err(|_| invalid("checksum message is not hex"))?;
    let mut message = hex::decode(&crypto.cipher.message).map_err(|_| invalid("cipher message is not hex"))?;

    let dk = kdf.derive(&normalize_password(password), &salt)?;
    let actual = checksum(&dk, &message);
    // Length check first, then a comparison that does not stop at the first differing byte.
    if expected.len() != actual.len() || expected.iter().zip(actual.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0
    {
        return Err(Error::WrongPassword);
    }
    apply_ctr(&dk, &iv, &mut message);
    Ok(message)
}

/// Decrypts a validator keystore and checks that the secret is a BLS key matching the `pubkey` field.
pub fn decrypt_validator_key(json: &str, password: &str) -> Result<(SecretKey, PublicKey)> {
    let keystore = parse(json)?;
    let secret: SecretKey =
        decrypt_parsed(&keystore, password)?.try_into().map_err(|_| invalid("secret is not 32 bytes"))?;
    let pubkey = bls::public_key(&secret)?;
    if let Some(field) = keystore.pubkey.as_deref().filter(|s| !s.is_empty()) {
        let field = field.strip_prefix("0x").unwrap_or(field);
        if !field.eq_ignore_ascii_case(&hex::encode(pubkey)) {
            return Err(invalid("pubkey field does not match the decrypted secret"));
        }
    }
    Ok((secret, pubkey))
}
