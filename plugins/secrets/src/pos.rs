//! Proof-of-stake key material: the validator mnemonic and keys (BIP-39, EIP-2333 at the
//! EIP-2334 paths, exactly as the staking deposit CLIs derive them, so every validator can be
//! recovered from the mnemonic with standard tools), EIP-2335 keystores per validator client,
//! the withdrawal address, the engine API JWT secrets and the beacon nodes' libp2p keys.

use crate::eth::{checksum, parse_address, PrivateKey};
use crate::keystore::{self as v3, ScryptParams};
use crate::{derive_key, labelled, nonce, KeySource};
use consensus_keys::best::backend;
use consensus_keys::keystore::{Kdf, KeystoreInput};
use consensus_keys::{bip39, credentials, eip2333, keystore as eip2335, PublicKey, SecretKey};
use ethwasm_ethereum_types::{
    BeaconNodeKey, DepositsRef, SecretKeyRef, ValidatorClient, Validators, GENESIS_DEFAULTS_V2,
};
use ethwasm_plugin::{k8s, keys, Output, PluginError};
use serde::Deserialize;

/// Keystores per Secret stay under this many bytes: the API server's limit is 1 MiB of data,
/// and the object also travels base64-encoded.
const SECRET_BUDGET: usize = 512 << 10;

/// `secrets.validators`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ValidatorValues {
    /// BIP-39 mnemonic (24 words); empty: derived from the release seed.
    pub mnemonic: String,
    /// Where withdrawals go; empty: a derived account, prefunded.
    pub withdrawal_address: String,
    /// Keystore KDF: pbkdf2 (default) or scrypt.
    pub kdf: KdfName,
    /// pbkdf2 iterations, or scrypt's N (a power of two, r = 8, p = 1). 0: the cheap default.
    pub kdf_cost: u32,
    /// Validator indices to exit: their signed voluntary exits are rendered, and the miners
    /// plugin submits them (see `exits`).
    pub exits: Vec<u32>,
}

/// `secrets.jwt`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JwtValues {
    /// One JWT secret for every execution/beacon pair instead of one per pair.
    pub shared: bool,
}

/// The keystore KDF.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KdfName {
    #[default]
    Pbkdf2,
    Scrypt,
}

/// Cheap defaults: the password sits in a Secret beside the keystore, so a high cost protects
/// nothing while every render pays it (Kurtosis uses pbkdf2 c=2 for devnets too). Lighthouse
/// opens them and prints "parameters are too weak" for each (harmless here; `kdfCost: 262144`
/// with pbkdf2 silences it at about 0.5 M SHA-256 compressions per key).
const DEFAULT_PBKDF2_C: u32 = 2;
/// The smallest scrypt N that every client opens: @chainsafe/bls-keystore (Lodestar) runs Node's
/// scrypt with `maxmem = 256 * N * r`, which OpenSSL refuses below N = 4 at r = 8, p = 1.
const DEFAULT_SCRYPT_N: u32 = 4;
const MIN_SCRYPT_N: u32 = 4;

impl ValidatorValues {
    fn kdf(&self) -> Result<Kdf, String> {
        match self.kdf {
            KdfName::Pbkdf2 => Ok(Kdf::Pbkdf2 { c: if self.kdf_cost == 0 { DEFAULT_PBKDF2_C } else { self.kdf_cost } }),
            KdfName::Scrypt => {
                let n = if self.kdf_cost == 0 { DEFAULT_SCRYPT_N } else { self.kdf_cost };
                if !n.is_power_of_two() || n < MIN_SCRYPT_N {
                    return Err(format!(
                        "validators.kdfCost: scrypt's N must be a power of two >= {MIN_SCRYPT_N} (Lodestar's keystore \
                         library refuses smaller), not {n}"
                    ));
                }
                Ok(Kdf::Scrypt { n, r: 8, p: 1 })
            }
        }
    }
}

/// What the proof-of-stake material is made for.
pub struct Request<'a> {
    pub release: &'a str,
    pub namespace: &'a str,
    pub validators: &'a ValidatorValues,
    pub jwt: &'a JwtValues,
    /// `global.topology.validators`: the validators that run.
    pub count: u32,
    /// `global.topology.genesisValidators` (else `count`): the first `genesis_count` are the
    /// genesis validators, the rest join by deposit.
    pub genesis_count: u32,
    /// When the release was created: chains created from [`GENESIS_DEFAULTS_V2`] on fund a
    /// deposit account at genesis.
    pub created: u64,
    /// Pods that run an execution client and a beacon node side by side: signers (each with a
    /// validator client), then RPC nodes.
    pub signer_pods: &'a [String],
    pub rpc_pods: &'a [String],
    /// The pods whose beacon node is Lodestar, which reads its key as `peer-id.json`.
    pub lodestar_pods: &'a [String],
    /// `global.chainId`: the network's fork versions derive from it (exits and deposits are
    /// signed over them, deposit transactions for the chain).
    pub chain_id: Option<u64>,
    /// `global.depositContract`: where deposits go.
    pub deposit_contract: Option<&'a str>,
}

/// What [`render`] adds besides its manifests.
pub struct Rendered {
    pub validators: Validators,
    /// Accounts to prefund: the derived withdrawal account (unless an address was given) and
    /// the deposit account (chains created from [`GENESIS_DEFAULTS_V2`] on).
    pub prefund: Vec<String>,
    pub notes: String,
}

fn secret_ref(secret_name: &str, key: &str) -> SecretKeyRef {
    SecretKeyRef { secret_name: secret_name.into(), key: key.into() }
}

/// libp2p's protobuf `PrivateKey` and `PublicKey` of a secp256k1 key (`KeyType Secp256k1 = 2`;
/// the 32 key bytes, the 33-byte compressed point).
fn libp2p_protobuf(key: &PrivateKey) -> (Vec<u8>, Vec<u8>) {
    let mut private = vec![0x08, 0x02, 0x12, 32];
    private.extend_from_slice(&key.to_bytes());
    let mut public = vec![0x08, 0x02, 0x12, 33];
    public.extend_from_slice(&key.compressed_public_key());
    (private, public)
}

/// Lodestar's `peer-id.json` for `key` (its `exportToJSON`: the peer id, and both protobuf keys
/// in padded base64; `packages/cli/src/config/peerId.ts` at v1.39.1).
pub fn peer_id_json(key: &PrivateKey) -> String {
    use base64::Engine;
    let (private, public) = libp2p_protobuf(key);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    serde_json::json!({ "id": peer_id(key), "pubKey": b64(&public), "privKey": b64(&private) }).to_string()
}

/// The libp2p peer id of a secp256k1 key: base58btc of the identity multihash of the
/// protobuf-encoded public key (`KeyType Secp256k1 = 2`, 33-byte compressed point).
pub fn peer_id(key: &PrivateKey) -> String {
    let (_, proto) = libp2p_protobuf(key);
    let mut multihash = vec![0x00, proto.len() as u8];
    multihash.extend_from_slice(&proto);
    bs58::encode(multihash).into_string()
}

/// The mnemonic: given (checked), or 24 words from 32 derived bytes.
fn mnemonic(v: &ValidatorValues, src: &mut dyn KeySource) -> Result<String, PluginError> {
    if v.mnemonic.trim().is_empty() {
        return bip39::mnemonic_from_entropy(&src.bytes("validators/mnemonic-entropy", 32))
            .map_err(|e| PluginError::Failed(format!("mnemonic: {e}")));
    }
    let words = v.mnemonic.split_whitespace().collect::<Vec<_>>().join(" ");
    // The error names the problem, never the words.
    bip39::validate_mnemonic(&words).map_err(|e| {
        PluginError::InvalidValues(format!("validators.mnemonic is not a valid BIP-39 English mnemonic: {e}"))
    })?;
    Ok(words)
}

/// Renders the proof-of-stake Secrets into `out`.
/// `v3_kdf` makes the scrypt key of the derived withdrawal account's v3 keystore (under the release's
/// keystore password).
pub fn render(
    r: &Request<'_>,
    v3_kdf: &mut v3::ReleaseKdf<'_>,
    src: &mut dyn KeySource,
    mut out: Output,
) -> Result<(Output, Rendered), PluginError> {
    let (release, v, count, genesis) = (r.release, r.validators, r.count, r.genesis_count);
    let invalid = PluginError::InvalidValues;
    if genesis == 0 {
        return Err(invalid("global.topology.validators: proof of stake needs at least one validator".into()));
    }
    if count < genesis {
        return Err(invalid(format!(
            "global.topology.validators: {count} is fewer than the chain's {genesis} genesis validators \
             (global.topology.genesisValidators); validators leave a running chain by exit \
             (secrets.validators.exits), not by a lower count"
        )));
    }
    let clients = r.signer_pods.len() as u32;
    if clients == 0 {
        return Err(invalid(
            "global.topology.signers: proof of stake needs at least one signer node to run the validator clients"
                .into(),
        ));
    }
    let kdf = v.kdf().map_err(invalid)?;
    let words = mnemonic(v, src)?;
    let seed = bip39::mnemonic_to_seed(&words, "").map_err(|e| PluginError::Failed(format!("mnemonic: {e}")))?;
    let deriver =
        consensus_keys::backend::deriver_from_seed(&seed, backend()).map_err(|e| PluginError::Failed(e.to_string()))?;
    let mnemonic_secret = format!("{release}-validator-mnemonic");
    out = out.manifest(labelled(k8s::secret(&mnemonic_secret, [("mnemonic", words.as_str())]), release));

    // Withdrawals: a given address, or a derived account whose key is kept in a Secret.
    let (out, withdrawal, withdrawal_prefund) = withdrawal_account(r, v3_kdf, src, out)?;
    let credentials = credentials::eth1_address_withdrawal_credentials(&withdrawal);

    let (signing, public) = validator_keys(&deriver, count)?;
    let (out, client_refs) = validator_clients(r, kdf, &signing, &public, src, out)?;
    let genesis_keys = &public[..genesis as usize];
    let (out, exits) =
        match crate::exits::signed_exits(release, &v.exits, r.chain_id, &signing, genesis_keys, credentials)? {
            Some((secret, exits)) => (out.manifest(labelled(secret, release)), Some(exits)),
            None => (out, None),
        };
    let (out, account, deposits) = deposit_account(r, &deriver, credentials, src, out)?;
    let prefund = withdrawal_prefund.into_iter().chain(account).collect();

    // Engine API JWT secrets and beacon node keys, one per execution/beacon pair.
    let (out, jwt_refs, beacon_nodes) = pair_keys(r, src, out)?;

    let notes = notes(r, &mnemonic_secret, &withdrawal, v.withdrawal_address.is_empty());
    let validators = Validators {
        withdrawal_credentials: vec![format!("0x{}", hex::encode(credentials)); genesis_keys.len()],
        pubkeys: genesis_keys.iter().map(|pk| format!("0x{}", hex::encode(pk))).collect(),
        withdrawal_address: checksum(&withdrawal),
        mnemonic: Some(secret_ref(&mnemonic_secret, "mnemonic")),
        clients: client_refs,
        jwt: jwt_refs,
        beacon_nodes,
        exits,
        deposits,
    };
    Ok((out, Rendered { validators, prefund, notes }))
}

/// Every validator's signing key and its public key, in batches on the backend (the host's
/// cores inside ethwasm), saying how far it is after each.
fn validator_keys(
    deriver: &eip2333::ValidatorKeyDeriver,
    count: u32,
) -> Result<(Vec<SecretKey>, Vec<PublicKey>), PluginError> {
    let failed = |e: consensus_keys::Error| PluginError::Failed(format!("validator keys: {e}"));
    let (mut signing, mut public) = (Vec::new(), Vec::new());
    for first in (0..count).step_by(KEYS_PER_BATCH as usize) {
        let batch = first..count.min(first.saturating_add(KEYS_PER_BATCH));
        let keys = consensus_keys::backend::signing_sks(deriver, batch.clone(), backend()).map_err(failed)?;
        public.extend(backend().public_keys(&keys).map_err(failed)?);
        signing.extend(keys);
        ethwasm_plugin::progress("validator keys", u64::from(batch.end), u64::from(count));
    }
    Ok((signing, public))
}

/// Validator keys per batch: 3 EIP-2333 steps each, so one host call of 3,072 derivations, about
/// 0.2 s on one core.
const KEYS_PER_BATCH: u32 = 1_024;

/// Where withdrawals go: the given address, or a derived account whose keystore and key are
/// added to `out` in a Secret (its address returned as well, to prefund).
fn withdrawal_account(
    r: &Request<'_>,
    kdf: &mut v3::ReleaseKdf<'_>,
    src: &mut dyn KeySource,
    mut out: Output,
) -> Result<(Output, [u8; 20], Option<String>), PluginError> {
    let (release, v) = (r.release, r.validators);
    let invalid = PluginError::InvalidValues;
    let (withdrawal, prefund) = if v.withdrawal_address.is_empty() {
        let key = derive_key(src, "validators/withdrawal-account");
        let mut nonce = [nonce(src, "validators/withdrawal-account")];
        let dk = kdf
            .keys(&mut nonce, ScryptParams::FAST, || crate::execution_keys::shared_salt(src))
            .map_err(|e| PluginError::Failed(format!("withdrawal keystore: {e}")))?;
        let (dk, nonce) =
            (dk.first().ok_or_else(|| PluginError::Failed("withdrawal keystore: no scrypt key".into()))?, &nonce[0]);
        let ks = v3::encrypt_with_key(&key, dk, ScryptParams::FAST, nonce);
        // Its keystore opens with the release's keystore password, as the signers' do.
        let name = format!("{release}-withdrawal-account");
        let ks_text = ks.to_string();
        let key_hex = key.to_hex();
        out = out.manifest(labelled(
            k8s::secret(&name, [("keystore.json", ks_text.as_str()), ("key", key_hex.as_str())]),
            release,
        ));
        (key.address_bytes(), Some(key.address()))
    } else {
        let a =
            parse_address(&v.withdrawal_address).map_err(|e| invalid(format!("validators.withdrawalAddress: {e}")))?;
        (a, None)
    };
    Ok((out, withdrawal, prefund))
}

/// The validator clients, one per signer pod, each with an even slice of the genesis validators
/// and every `clients`-th of those that joined later (index `i` runs in client `i % clients`, so
/// the totals stay an even split and adding validators never moves a key): their keystores in
/// Secrets of their own, and every client's keystore password in one Secret.
fn validator_clients(
    r: &Request<'_>,
    kdf: Kdf,
    signing: &[SecretKey],
    public: &[PublicKey],
    src: &mut dyn KeySource,
    mut out: Output,
) -> Result<(Output, Vec<ValidatorClient>), PluginError> {
    let (release, count, genesis) = (r.release, r.count, r.genesis_count);
    let clients = r.signer_pods.len() as u32;
    let mut client_refs = Vec::new();
    let password_secret = format!("{release}-validator-passwords");
    let mut passwords: Vec<(String, String)> = Vec::new();
    for c in 0..clients {
        // An even split of the genesis validators; the first `genesis % clients` take one more.
        let first = c * (genesis / clients) + c.min(genesis % clients);
        let n = genesis / clients + u32::from(c < genesis % clients);
        let joined: Vec<u32> = (genesis..count).filter(|i| i % clients == c).collect();
        let password = keys::password_from_bytes(&src.bytes(&format!("validators/client-{c}/password"), 64), 32);
        let indices = (first..first + n).chain(joined.iter().copied());
        let parts = keystore_parts(indices, signing, public, &password, kdf, src)?;
        let mut names = Vec::new();
        for (k, part) in parts.iter().enumerate() {
            let name = format!("{release}-signer-{c}-validators-{k}");
            out =
                out.manifest(labelled(k8s::secret(&name, part.iter().map(|(a, b)| (a.as_str(), b.as_str()))), release));
            names.push(name);
        }
        let key = format!("signer-{c}");
        passwords.push((key.clone(), password));
        client_refs.push(ValidatorClient {
            signer: c,
            first,
            count: n,
            joined,
            keystore_secrets: names,
            password: secret_ref(&password_secret, &key),
        });
    }
    out = out.manifest(labelled(
        k8s::secret(&password_secret, passwords.iter().map(|(a, b)| (a.as_str(), b.as_str()))),
        release,
    ));
    Ok((out, client_refs))
}

/// The EIP-2335 keystores of validators `indices` (file name `<pubkey>.json`, keystore), cut
/// into parts that each fit a Secret.
fn keystore_parts(
    indices: impl Iterator<Item = u32>,
    signing: &[SecretKey],
    public: &[PublicKey],
    password: &str,
    kdf: Kdf,
    src: &mut dyn KeySource,
) -> Result<Vec<Vec<(String, String)>>, PluginError> {
    let mut parts: Vec<Vec<(String, String)>> = vec![Vec::new()];
    let mut size = 0;
    let indices: Vec<u32> = indices.collect();
    let nonces: Vec<_> = indices.iter().map(|i| nonce(src, &format!("validators/{i}"))).collect();
    // Every keystore's KDF in one batch (pbkdf2 c=2 costs nothing; a chosen scrypt does).
    let salts: Vec<&[u8]> = nonces.iter().map(|n| &n.salt[..]).collect();
    let dks = backend()
        .keystore_keys(password, &salts, kdf)
        .map_err(|e| PluginError::Failed(format!("validator keystores: {e}")))?;
    for ((&i, nonce), dk) in indices.iter().zip(&nonces).zip(&dks) {
        let (sk, pk) = (signing[i as usize], public[i as usize]);
        let path = eip2333::signing_key_path(i);
        let input = KeystoreInput {
            secret: &sk,
            password,
            kdf,
            salt: &nonce.salt,
            iv: &nonce.iv,
            uuid: &nonce.id,
            path: &path,
            pubkey: &pk,
            description: "",
        };
        let keystore = eip2335::encrypt_with_key(&input, dk)
            .map_err(|e| PluginError::Failed(format!("validator {i} keystore: {e}")))?;
        if size + keystore.len() > SECRET_BUDGET && size > 0 {
            parts.push(Vec::new());
            size = 0;
        }
        size += keystore.len();
        let pk_hex = format!("0x{}", hex::encode(pk));
        if let Some(part) = parts.last_mut() {
            part.push((format!("{pk_hex}.json"), keystore));
        }
    }
    Ok(parts)
}

/// The deposit account (chains created from [`GENESIS_DEFAULTS_V2`] on: its key in a Secret,
/// its address to prefund) and, when validators join, their signed deposits in a Secret.
fn deposit_account(
    r: &Request<'_>,
    deriver: &eip2333::ValidatorKeyDeriver,
    credentials: [u8; 32],
    src: &mut dyn KeySource,
    mut out: Output,
) -> Result<(Output, Option<String>, Option<DepositsRef>), PluginError> {
    let (release, joining) = (r.release, r.genesis_count..r.count);
    let invalid = PluginError::InvalidValues;
    if r.created < GENESIS_DEFAULTS_V2 {
        if !joining.is_empty() {
            return Err(invalid(format!(
                "global.topology.validators: {} validators past the genesis's {} would join by deposit, but this \
                 chain was created before 2026-12-07 and its genesis funds no deposit account. Keep \
                 global.topology.validators at {}, or start a new chain (--new-chain)",
                joining.len(),
                r.genesis_count,
                r.genesis_count
            )));
        }
        return Ok((out, None, None));
    }
    let key = derive_key(src, "validators/deposit-account");
    let name = format!("{release}-deposit-account");
    let (address, key_hex) = (key.address(), key.to_hex());
    out =
        out.manifest(labelled(k8s::secret(&name, [("address", address.as_str()), ("key", key_hex.as_str())]), release));
    if joining.is_empty() {
        return Ok((out, Some(address), None));
    }
    let needs = |what: &str, how: &str| {
        invalid(format!("global.topology.validators: validators that join by deposit need {what}; {how}"))
    };
    let chain_id =
        r.chain_id.ok_or_else(|| needs("the chain id as global.chainId", "the chart copies genesis.chainId there"))?;
    let contract = r.deposit_contract.ok_or_else(|| {
        needs(
            "the deposit contract's address as global.depositContract",
            "the chart copies genesis.pos.depositContractAddress there",
        )
    })?;
    let deposit_contract = parse_address(contract).map_err(|e| invalid(format!("global.depositContract: {e}")))?;
    let request = crate::deposits::DepositRequest {
        release,
        genesis_validators: r.genesis_count,
        indices: joining,
        withdrawal_credentials: credentials,
        chain_id,
        genesis_fork_version: consensus_genesis::ForkVersions::for_chain(chain_id).genesis,
        deposit_contract,
    };
    let (secret, deposits) = crate::deposits::signed_deposits(&request, deriver, &key)?;
    Ok((out.manifest(labelled(secret, release)), Some(address), Some(deposits)))
}

/// The engine API JWT secret of each pair pod: (pod, where the secret is).
type JwtRefs = Vec<(String, SecretKeyRef)>;

/// The engine API JWT secrets (one per execution/beacon pair, or one shared) and the beacon
/// nodes' libp2p keys, added to `out` in two Secrets; returns the JWT of each pod and the beacon
/// node keys.
fn pair_keys(
    r: &Request<'_>,
    src: &mut dyn KeySource,
    out: Output,
) -> Result<(Output, JwtRefs, Vec<BeaconNodeKey>), PluginError> {
    let release = r.release;
    let pods: Vec<&String> = r.signer_pods.iter().chain(r.rpc_pods).collect();
    let jwt_secret = format!("{release}-jwt");
    let mut jwt_data: Vec<(String, String)> = Vec::new();
    let mut jwt_refs = Vec::new();
    let node_secret = format!("{release}-beacon-nodekeys");
    let mut node_data: Vec<(String, Vec<u8>)> = Vec::new();
    let mut beacon_nodes = Vec::new();
    for pod in pods {
        let key = if r.jwt.shared { "shared".to_string() } else { pod.clone() };
        if !jwt_data.iter().any(|(k, _)| *k == key) {
            jwt_data.push((key.clone(), hex::encode(src.bytes(&format!("jwt/{key}"), 32))));
        }
        jwt_refs.push((pod.clone(), secret_ref(&jwt_secret, &key)));
        let node_key = derive_key(src, &format!("beacon-nodekey/{pod}"));
        let peer_id_json = r.lodestar_pods.contains(pod).then(|| {
            let name = format!("{pod}.peer-id.json");
            node_data.push((name.clone(), peer_id_json(&node_key).into_bytes()));
            secret_ref(&node_secret, &name)
        });
        beacon_nodes.push(BeaconNodeKey {
            pod: pod.clone(),
            peer_id: peer_id(&node_key),
            node_key: secret_ref(&node_secret, pod),
            peer_id_json,
        });
        node_data.push((pod.clone(), node_key.to_bytes().to_vec()));
    }
    let out = out
        .manifest(labelled(k8s::secret(&jwt_secret, jwt_data.iter().map(|(a, b)| (a.as_str(), b.as_str()))), release))
        .manifest(labelled(
            k8s::binary_secret(&node_secret, node_data.iter().map(|(k, v)| (k.as_str(), v.as_slice()))),
            release,
        ));
    Ok((out, jwt_refs, beacon_nodes))
}

/// How to read the mnemonic, where validators withdraw to and, when the withdrawal account was
/// `derived`, how to read its key.
fn notes(r: &Request<'_>, mnemonic_secret: &str, withdrawal: &[u8; 20], derived: bool) -> String {
    let (release, namespace) = (r.release, r.namespace);
    format!(
        "Validator mnemonic (recovers every validator key with standard tools, EIP-2334 paths \
         m/12381/3600/i/0/0): kubectl -n {namespace} get secret {mnemonic_secret} -o jsonpath='{{.data.mnemonic}}' | base64 -d\n\
         Validators withdraw to {withdrawal}{derived}",
        withdrawal = checksum(withdrawal),
        derived = if derived {
            format!(" (its key: kubectl -n {namespace} get secret {release}-withdrawal-account -o jsonpath='{{.data.key}}' | base64 -d)")
        } else {
            String::new()
        },
    )
}
