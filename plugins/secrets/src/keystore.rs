//! Web3 Secret Storage v3 (what `geth account import` writes and `--unlock` reads):
//! scrypt-derived key, AES-128-CTR ciphertext, keccak256 MAC.

use crate::eth::{keccak256, PrivateKey};
use aes::cipher::{KeyIvInit, StreamCipher};
use consensus_keys::backend::Backend;
use consensus_keys::keystore::Kdf;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// scrypt cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScryptParams {
    pub n: u32,
    pub r: u32,
    pub p: u32,
}

impl ScryptParams {
    /// geth's `StandardScryptN/P`: 2^18, 8, 1 (~1 s and 256 MiB per key).
    pub const STANDARD: ScryptParams = ScryptParams { n: 1 << 18, r: 8, p: 1 };
    /// geth's `LightScryptN/P`: 2^12, 8, 6.
    pub const LIGHT: ScryptParams = ScryptParams { n: 1 << 12, r: 8, p: 6 };
    /// ethwasm's default: 2^12, 8, 1 (4 MiB). The password sits in a Secret beside the
    /// keystore, so a high cost protects little while it costs every render.
    pub const FAST: ScryptParams = ScryptParams { n: 1 << 12, r: 8, p: 1 };

    fn to_scrypt(self) -> Result<scrypt::Params, String> {
        if !self.n.is_power_of_two() || self.n < 2 {
            return Err(format!("scrypt n = {} must be a power of two >= 2", self.n));
        }
        scrypt::Params::new(self.n.trailing_zeros() as u8, self.r, self.p)
            .map_err(|e| format!("scrypt parameters: {e}"))
    }
}

/// Randomness for one keystore: salt, iv and id, derived by the caller.
pub struct KeystoreNonce {
    pub salt: [u8; 32],
    pub iv: [u8; 16],
    pub id: [u8; 16],
}

fn derived_key(password: &str, salt: &[u8], params: ScryptParams) -> Result<[u8; 32], String> {
    let mut dk = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), salt, &params.to_scrypt()?, &mut dk).map_err(|e| e.to_string())?;
    Ok(dk)
}

/// Encrypts `key` under `password` into keystore v3 JSON.
pub fn encrypt(key: &PrivateKey, password: &str, params: ScryptParams, nonce: &KeystoreNonce) -> Result<Value, String> {
    let dk = derived_key(password, &nonce.salt, params)?;
    Ok(encrypt_with_key(key, &dk, params, nonce))
}

/// The scrypt keys of keystores that share `password` and `params`, one per nonce's salt, in one
/// batch on `backend` (the host's cores inside ethwasm): what [`encrypt_with_key`] takes.
pub fn derived_keys(
    password: &str,
    nonces: &[KeystoreNonce],
    params: ScryptParams,
    backend: &dyn Backend,
) -> Result<Vec<[u8; 32]>, String> {
    if nonces.is_empty() {
        return Ok(Vec::new());
    }
    params.to_scrypt()?;
    let salts: Vec<&[u8]> = nonces.iter().map(|n| &n.salt[..]).collect();
    let kdf = Kdf::Scrypt { n: params.n, r: params.r, p: params.p };
    backend.kdf(password.as_bytes(), &salts, kdf).map_err(|e| e.to_string())
}

/// The scrypt keys of one release's v3 keystores, which all open with the release's keystore
/// password.
///
/// With `shared_salt` (chains created from [`ethwasm_ethereum_types::GENESIS_DEFAULTS_V2`] on),
/// every keystore of the same scrypt cost uses one salt, so one scrypt serves them all. That
/// costs an attacker nothing: the keystores already share their password, so one guess tests all
/// of them either way, and each keystore's scrypt cost (N, r, p) is unchanged. Each keystore
/// keeps its own IV (no two share a key stream) and its own id. Older chains keep a salt per
/// keystore, and with it their keystores' bytes.
pub struct ReleaseKdf<'a> {
    password: &'a str,
    shared_salt: bool,
    /// The shared salt and its key, per scrypt cost, made at first use.
    shared: Vec<(ScryptParams, [u8; 32], [u8; 32])>,
}

impl<'a> ReleaseKdf<'a> {
    /// The keys of keystores under `password`.
    pub fn new(password: &'a str, shared_salt: bool) -> Self {
        ReleaseKdf { password, shared_salt, shared: Vec::new() }
    }

    /// The password every keystore opens with.
    pub fn password(&self) -> &'a str {
        self.password
    }

    /// The scrypt key of each nonce's keystore under `params`, in one batch on the host's cores;
    /// with a shared salt, each nonce's salt is set to it first.
    pub fn keys(
        &mut self,
        nonces: &mut [KeystoreNonce],
        params: ScryptParams,
        salt: impl FnOnce() -> KeystoreNonce,
    ) -> Result<Vec<[u8; 32]>, String> {
        if !self.shared_salt || nonces.is_empty() {
            return derived_keys(self.password, nonces, params, consensus_keys::best::backend());
        }
        let (salt, dk) = match self.shared.iter().find(|(p, _, _)| *p == params) {
            Some((_, salt, dk)) => (*salt, *dk),
            None => {
                let shared = salt();
                let dk = derived_keys(
                    self.password,
                    std::slice::from_ref(&shared),
                    params,
                    consensus_keys::best::backend(),
                )?;
                let dk = *dk.first().ok_or("scrypt gave no key")?;
                self.shared.push((params, shared.salt, dk));
                (shared.salt, dk)
            }
        };
        nonces.iter_mut().for_each(|n| n.salt = salt);
        Ok(vec![dk; nonces.len()])
    }
}

/// [`encrypt`] with the scrypt key `dk` already derived from the password and `nonce.salt`
/// under `params` ([`derived_keys`]).
pub fn encrypt_with_key(key: &PrivateKey, dk: &[u8; 32], params: ScryptParams, nonce: &KeystoreNonce) -> Value {
    let mut ciphertext = key.to_bytes().to_vec();
    Aes128Ctr::new(dk[..16].into(), (&nonce.iv).into()).apply_keystream(&mut ciphertext);
    let mut mac_input = dk[16..32].to_vec();
    mac_input.extend_from_slice(&ciphertext);
    let mac = keccak256(&mac_input);
    json!({
        "address": hex::encode(key.address_bytes()),
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": { "iv": hex::encode(nonce.iv) },
            "ciphertext": hex::encode(&ciphertext),
            "kdf": "scrypt",
            "kdfparams": { "dklen": 32, "n": params.n, "p": params.p, "r": params.r, "salt": hex::encode(nonce.salt) },
            "mac": hex::encode(mac),
        },
        "id": uuid_v4(&nonce.id),
        "version": 3,
    })
}

/// Decrypts a keystore v3 JSON (scrypt) with `password`; fails on a wrong MAC.
pub fn decrypt(keystore: &Value, password: &str) -> Result<Vec<u8>, String> {
    let c = &keystore["crypto"];
    let field = |p: &str| c.pointer(p).and_then(Value::as_str).ok_or(format!("keystore has no {p}"));
    if field("/kdf")? != "scrypt" || field("/cipher")? != "aes-128-ctr" {
        return Err("only scrypt + aes-128-ctr keystores are supported".into());
    }
    let num = |p: &str| c.pointer(p).and_then(Value::as_u64).ok_or(format!("keystore has no {p}"));
    let params =
        ScryptParams { n: num("/kdfparams/n")? as u32, r: num("/kdfparams/r")? as u32, p: num("/kdfparams/p")? as u32 };
    let unhex = |p: &str| -> Result<Vec<u8>, String> { hex::decode(field(p)?).map_err(|e| format!("{p}: {e}")) };
    let salt = unhex("/kdfparams/salt")?;
    let iv = unhex("/cipherparams/iv")?;
    let mut ciphertext = unhex("/ciphertext")?;
    let dk = derived_key(password, &salt, params)?;
    let mut mac_input = dk[16..32].to_vec();
    mac_input.extend_from_slice(&ciphertext);
    if hex::encode(keccak256(&mac_input)) != field("/mac")? {
        return Err("MAC mismatch: wrong password or corrupt keystore".into());
    }
    let iv: [u8; 16] = iv.try_into().map_err(|_| "iv is not 16 bytes".to_string())?;
    Aes128Ctr::new(dk[..16].into(), (&iv).into()).apply_keystream(&mut ciphertext);
    Ok(ciphertext)
}

/// Formats 16 bytes as a version-4 UUID (the version and variant bits set).
pub fn uuid_v4(b: &[u8; 16]) -> String {
    let mut b = *b;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-ethereum accounts/keystore/testdata/v3_test_vector.json, "wikipage_test_vector_scrypt".
    #[test]
    fn go_ethereum_v3_test_vector_decrypts() {
        let ks = json!({
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": { "iv": "83dbcc02d8ccb40e466191a123791e0e" },
                "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
                "kdf": "scrypt",
                "kdfparams": { "dklen": 32, "n": 262144, "r": 1, "p": 8,
                               "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
                "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"
            },
            "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
            "version": 3
        });
        let key = decrypt(&ks, "testpassword").unwrap();
        assert_eq!(hex::encode(key), "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");
        assert!(decrypt(&ks, "wrong").unwrap_err().contains("MAC mismatch"));
    }

    /// Same file, "31_byte_key": geth pads nothing; the plaintext is what was encrypted.
    #[test]
    fn go_ethereum_31_byte_vector_decrypts() {
        let ks = json!({
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": { "iv": "e0c41130a323adc1446fc82f724bca2f" },
                "ciphertext": "9517cd5bdbe69076f9bf5057248c6c050141e970efa36ce53692d5d59a3984",
                "kdf": "scrypt",
                "kdfparams": { "dklen": 32, "n": 2, "r": 8, "p": 1,
                               "salt": "711f816911c92d649fb4c84b047915679933555030b3552c1212609b38208c63" },
                "mac": "d5e116151c6aa71470e67a7d42c9620c75c4d23229847dcc127794f0732b0db5"
            },
            "version": 3
        });
        assert_eq!(
            hex::encode(decrypt(&ks, "foo").unwrap()),
            "fa7b3db73dc7dfdf8c5fbdb796d741e4488628c41fc4febd9160a866ba0f35"
        );
    }

    #[test]
    fn round_trip_with_each_preset() {
        let key = PrivateKey::from_hex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").unwrap();
        let nonce = KeystoreNonce { salt: [7; 32], iv: [9; 16], id: [1; 16] };
        for params in [ScryptParams::FAST, ScryptParams::LIGHT] {
            let ks = encrypt(&key, "pw", params, &nonce).unwrap();
            assert_eq!(ks["address"], "2c7536e3605d9c16a7a3d7b1898e529396a65c23");
            assert_eq!(ks["crypto"]["kdfparams"]["n"], params.n);
            assert_eq!(decrypt(&ks, "pw").unwrap(), key.to_bytes());
        }
    }

    #[test]
    fn uuid_has_version_and_variant() {
        let u = uuid_v4(&[0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn bad_scrypt_n_is_refused() {
        let key = PrivateKey::from_hex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").unwrap();
        let nonce = KeystoreNonce { salt: [7; 32], iv: [9; 16], id: [1; 16] };
        let e = encrypt(&key, "pw", ScryptParams { n: 1000, r: 8, p: 1 }, &nonce).unwrap_err();
        assert!(e.contains("power of two"), "{e}");
    }
}
