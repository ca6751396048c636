//! secrets plugin: every secret the network needs, derived from the release seed.
//!
//! Signer accounts (secp256k1, stored as keystore v3 JSON), extra prefunded accounts, node keys
//! for the bootnodes and every geth node, the keystore password and the ethstats WS secret.
//! Everything is derived through the host's `derive-key`, so keys are stable across upgrades
//! and reproducible with `--seed`; each can be supplied in values instead. The secrets plugin
//! also names the pods that use the keys, so other plugins take names from its outputs.
//!
//! For proof of stake (`global.consensus: pos`, which the chart copies from
//! `genesis.consensus`) it also makes the validators' keys and keystores, the JWT secrets and
//! the beacon nodes' keys ([`pos`]).

pub mod deposits;
pub mod eth;
mod execution_keys;
mod exits;
pub mod keystore;
pub mod pos;
pub mod transaction;

use eth::PrivateKey;
use ethwasm_ethereum_types::{
    Account, Consensus, Global, Node, NodeKeys, NodeSet, Prefunded, SecretKeyRef, Signers, ToolAccounts, Topology,
    Validators,
};
use ethwasm_plugin::{export, k8s, keys, Info, Input, Output, Plugin, PluginError, Release};
use execution_keys::{extra_accounts, node_key_sets, signer_accounts};
use keystore::{KeystoreNonce, ReleaseKdf, ScryptParams};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// JSON Schema of the `secrets` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The `secrets` values section.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Values {
    /// Signer private keys you supply (hex), replacing the first derived ones.
    pub signer_keys: Vec<String>,
    /// Extra prefunded accounts.
    pub accounts: Accounts,
    /// Keystore password; empty: derived.
    pub password: String,
    /// ethstats WS secret; empty: derived.
    pub ws_secret: String,
    /// Node keys you supply, by pod name; the rest are derived.
    pub node_keys: BTreeMap<String, String>,
    /// scrypt cost of the keystores: `fast` (default), `light`, `standard`, or {n, r, p}.
    pub scrypt: Scrypt,
    /// Proof of stake: the validators' keys.
    pub validators: pos::ValidatorValues,
    /// Proof of stake: the engine API JWT secrets.
    pub jwt: pos::JwtValues,
}

/// Prefunded accounts besides the signers.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Accounts {
    /// How many accounts to derive (their keys land in the `<release>-accounts` Secret).
    pub generate: u32,
    /// Addresses you hold the keys to.
    pub addresses: Vec<String>,
}

/// scrypt cost: a preset name or explicit parameters.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(untagged)]
pub enum Scrypt {
    Preset(Preset),
    Custom(ScryptParams),
}

/// Named scrypt presets.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Fast,
    Light,
    Standard,
}

impl Default for Scrypt {
    fn default() -> Self {
        Scrypt::Preset(Preset::Fast)
    }
}

impl Scrypt {
    fn params(self) -> ScryptParams {
        match self {
            Scrypt::Preset(Preset::Fast) => ScryptParams::FAST,
            Scrypt::Preset(Preset::Light) => ScryptParams::LIGHT,
            Scrypt::Preset(Preset::Standard) => ScryptParams::STANDARD,
            Scrypt::Custom(p) => p,
        }
    }
}

/// Where keys come from: the host's derive-key in a plugin, a closure in tests.
pub trait KeySource {
    fn bytes(&mut self, label: &str, len: u32) -> Vec<u8>;
}

struct HostKeys;

impl KeySource for HostKeys {
    fn bytes(&mut self, label: &str, len: u32) -> Vec<u8> {
        keys::derive(label, len)
    }
}

impl<F: FnMut(&str, u32) -> Vec<u8>> KeySource for F {
    fn bytes(&mut self, label: &str, len: u32) -> Vec<u8> {
        self(label, len)
    }
}

/// The plugin.
pub struct Secrets;

impl Plugin for Secrets {
    fn info() -> Info {
        Info::new(
            "secrets",
            env!("CARGO_PKG_VERSION"),
            "signer accounts, node keys, keystore password, ethstats secret",
        )
        .provides(&["signers", "prefunded", "node-keys", "ethstats-secret", "validators", "tool-accounts"])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let global: Global = input.global()?;
        render_in(input.release(), &values, &global, &mut HostKeys)
    }
}

pub(crate) fn nonce(src: &mut dyn KeySource, label: &str) -> KeystoreNonce {
    let b = src.bytes(&format!("{label}/keystore-nonce"), 64);
    let mut n = KeystoreNonce { salt: [0; 32], iv: [0; 16], id: [0; 16] };
    n.salt.copy_from_slice(&b[..32]);
    n.iv.copy_from_slice(&b[32..48]);
    n.id.copy_from_slice(&b[48..]);
    n
}

pub(crate) fn derive_key(src: &mut dyn KeySource, label: &str) -> PrivateKey {
    PrivateKey::derive(label, |l| src.bytes(l, 32))
}

/// Renders the Secrets and outputs for `release`; `pos` adds the proof-of-stake material (with
/// no chain id known: exits cannot be signed).
pub fn render(
    release: &Release,
    v: &Values,
    topo: Topology,
    pos: bool,
    src: &mut dyn KeySource,
) -> Result<Output, PluginError> {
    let consensus = if pos { Some(Consensus::Pos) } else { None };
    render_in(release, v, &Global { topology: topo, consensus, ..Global::default() }, src)
}

/// Renders the Secrets and outputs for `release` under the `global` values.
pub fn render_in(
    release: &Release,
    v: &Values,
    global: &Global,
    src: &mut dyn KeySource,
) -> Result<Output, PluginError> {
    let (topo, pos) = (global.topology, global.consensus == Some(Consensus::Pos));
    let (namespace, release_created, release) = (&release.namespace, release.created, release.name.as_str());
    let invalid = PluginError::InvalidValues;
    if v.signer_keys.len() > topo.signers as usize {
        return Err(invalid(format!(
            "signerKeys: {} keys given but global.topology.signers is {}; raise the count or drop keys",
            v.signer_keys.len(),
            topo.signers
        )));
    }
    let params = v.scrypt.params();
    let password = given_or_derived(&v.password, "keystore-password", src);
    let ws_secret = given_or_derived(&v.ws_secret, "ethstats-ws-secret", src);

    let password_ref = SecretKeyRef { secret_name: format!("{release}-keystore-password"), key: "password".into() };
    let mut keyring = Keyring { secret: format!("{release}-nodekeys"), supplied: &v.node_keys, data: BTreeMap::new() };

    let mut out = Output::new();
    // Every v3 keystore of the release opens with `password`; chains created from
    // GENESIS_DEFAULTS_V2 on share one scrypt among them (keystore::ReleaseKdf says why).
    let mut kdf = ReleaseKdf::new(&password, release_created >= ethwasm_ethereum_types::GENESIS_DEFAULTS_V2);
    let (signers, keystores) = signer_accounts(release, v, topo.signers, &mut kdf, params, &mut keyring, src)?;
    for keystore in keystores {
        out = out.manifest(keystore);
    }

    let (bootnodes, rpc) = node_key_sets(release, v, topo, pos, &global.clients, &mut keyring, src)?;

    let (mut accounts, account_data) = extra_accounts(&v.accounts, &mut kdf, params, src)?;

    let ws_ref = SecretKeyRef { secret_name: format!("{release}-ethstats"), key: "WS_SECRET".into() };
    out = out
        .manifest(labelled(k8s::secret(&password_ref.secret_name, [("password", password.as_str())]), release))
        .manifest(labelled(
            k8s::secret(&keyring.secret, keyring.data.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            release,
        ))
        .manifest(labelled(k8s::secret(&ws_ref.secret_name, [("WS_SECRET", ws_secret.as_str())]), release));
    if !account_data.is_empty() {
        out = out.manifest(labelled(
            k8s::secret(&format!("{release}-accounts"), account_data.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            release,
        ));
    }
    let (out, validators, pos_notes) = if pos {
        let signer_pods: Vec<String> = signers.iter().map(|s| s.pod.clone()).collect();
        let rpc_pods: Vec<String> = rpc.nodes.iter().map(|n| n.pod.clone()).collect();
        // The pods whose beacon node reads its key as Lodestar's peer-id.json.
        let lodestar = ethwasm_ethereum_types::ConsensusClient::Lodestar;
        let c = &global.clients;
        let lodestar_pods: Vec<String> = signer_pods
            .iter()
            .zip(c.beacon_nodes(signer_pods.len() as u32))
            .filter(|(_, b)| *b == lodestar)
            .map(|(p, _)| p.clone())
            .chain(
                c.rpc_sets(release, rpc_pods.len() as u32)
                    .into_iter()
                    .filter(|s| s.clients.consensus == lodestar)
                    .flat_map(|s| s.pods),
            )
            .collect();
        let request = pos::Request {
            release,
            namespace,
            validators: &v.validators,
            jwt: &v.jwt,
            count: topo.validators,
            genesis_count: topo.genesis_validators(),
            created: release_created,
            signer_pods: &signer_pods,
            rpc_pods: &rpc_pods,
            lodestar_pods: &lodestar_pods,
            chain_id: global.chain_id,
            deposit_contract: global.deposit_contract.as_deref(),
        };
        let (out, rendered) = pos::render(&request, &mut kdf, src, out)?;
        accounts.extend(rendered.prefund);
        (out, rendered.validators, rendered.notes)
    } else {
        (out, Validators::default(), String::new())
    };
    let (out, tools) = tool_accounts(release, release_created, src, out);
    if let Some(t) = &tools {
        accounts.extend([&t.funder, &t.faucet, &t.load_generator].map(|a| a.address.clone()));
    }
    let prefunded = Prefunded { signers: signers.iter().map(|s| s.address.clone()).collect(), accounts };
    let notes = notes(namespace, release, &password_ref, v.accounts.generate);
    Ok(out
        .output("signers", &Signers { signers, password: password_ref })
        .output("prefunded", &prefunded)
        .output("node-keys", &NodeKeys { bootnodes, rpc })
        .output("ethstats-secret", &ws_ref)
        .output("validators", &validators)
        .output("tool-accounts", &tools)
        .notes(format!("{}\n{pos_notes}", notes.trim_end()).trim_end().to_string()))
}

/// The tools' accounts (funder, faucet, load generator), derived from the seed, each key in
/// Secret `<release>-<tool>-account`, for chains created from [`GENESIS_DEFAULTS_V2`] on (the
/// genesis funds them on every such chain, whichever tools run).
fn tool_accounts(
    release: &str,
    created: u64,
    src: &mut dyn KeySource,
    mut out: Output,
) -> (Output, Option<ToolAccounts>) {
    if created < ethwasm_ethereum_types::GENESIS_DEFAULTS_V2 {
        return (out, None);
    }
    let mut account = |tool: &str| {
        let key = derive_key(src, &format!("tools/{tool}"));
        let name = format!("{release}-{tool}-account");
        let (address, hex_key) = (key.address(), key.to_hex());
        let prefixed = format!("0x{hex_key}");
        let data = [("address", address.as_str()), ("key", hex_key.as_str()), ("key-0x", prefixed.as_str())];
        out = std::mem::take(&mut out).manifest(labelled(k8s::secret(&name, data), release));
        Account { address, key: SecretKeyRef { secret_name: name, key: "key".into() } }
    };
    let tools = ToolAccounts {
        funder: account("funder"),
        faucet: account("faucet"),
        load_generator: account("load-generator"),
    };
    (out, Some(tools))
}

/// A secret given in values, or 32 characters derived from `label` when it is empty.
fn given_or_derived(given: &str, label: &str, src: &mut dyn KeySource) -> String {
    if given.is_empty() {
        keys::password_from_bytes(&src.bytes(label, 64), 32)
    } else {
        given.to_string()
    }
}

/// How to read the keystore password and, when `generated` > 0, the generated accounts.
fn notes(namespace: &str, release: &str, password_ref: &SecretKeyRef, generated: u32) -> String {
    format!(
        "Keystore password: kubectl -n {namespace} get secret {pw} -o jsonpath='{{.data.password}}' | base64 -d\n{accounts}",
        pw = password_ref.secret_name,
        accounts = if generated > 0 {
            format!("Generated accounts (keystore and raw key): kubectl -n {namespace} get secret {release}-accounts -o yaml")
        } else {
            String::new()
        }
    )
}

/// Node keys by pod name: supplied ones from values, the rest derived; all in one Secret.
struct Keyring<'a> {
    secret: String,
    supplied: &'a BTreeMap<String, String>,
    data: BTreeMap<String, String>,
}

impl Keyring<'_> {
    /// The node key of `pod`: its enode id and where the key lives.
    fn node_key(&mut self, pod: &str, src: &mut dyn KeySource) -> Result<(String, SecretKeyRef), PluginError> {
        let key = match self.supplied.get(pod) {
            Some(hex) => {
                PrivateKey::from_hex(hex).map_err(|e| PluginError::InvalidValues(format!("nodeKeys.{pod}: {e}")))?
            }
            None => derive_key(src, &format!("nodekey/{pod}")),
        };
        self.data.insert(pod.to_string(), key.to_hex());
        Ok((key.node_id(), SecretKeyRef { secret_name: self.secret.clone(), key: pod.to_string() }))
    }

    /// Keys for the `count` pods of StatefulSet `sts`.
    fn node_set(&mut self, sts: &str, count: u32, src: &mut dyn KeySource) -> Result<NodeSet, PluginError> {
        let nodes = (0..count).map(|i| self.node(&format!("{sts}-{i}"), src)).collect::<Result<_, _>>()?;
        Ok(NodeSet { stateful_set: sts.to_string(), nodes })
    }

    /// The key of pod `pod`.
    fn node(&mut self, pod: &str, src: &mut dyn KeySource) -> Result<Node, PluginError> {
        let (node_id, node_key) = self.node_key(pod, src)?;
        Ok(Node { pod: pod.to_string(), node_id, node_key })
    }
}

pub(crate) fn labelled(mut secret: serde_json::Value, release: &str) -> serde_json::Value {
    secret["metadata"]["labels"] =
        json!({ "app.kubernetes.io/name": "secrets", "app.kubernetes.io/instance": release });
    secret
}

export!(Secrets);

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic stand-in for the host's derive-key: keccak(label) stretched.
    fn fake(label: &str, len: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0u8;
        while out.len() < len as usize {
            out.extend_from_slice(&eth::keccak256(format!("{label}#{i}").as_bytes()));
            i += 1;
        }
        out.truncate(len as usize);
        out
    }

    fn run(v: serde_json::Value, topo: Topology) -> Result<Output, PluginError> {
        let values: Values = serde_json::from_value(v).unwrap();
        render(
            &Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 },
            &values,
            topo,
            false,
            &mut fake,
        )
    }

    fn secret_data(out: &Output, name: &str) -> serde_json::Map<String, serde_json::Value> {
        out.manifests()
            .into_iter()
            .find(|m| m["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no secret {name}"))["stringData"]
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn every_keystore_decrypts_to_its_signer() {
        let out = run(json!({"accounts": {"generate": 1}}), Topology::default()).unwrap();
        let signers: Signers = serde_json::from_value(out.get_output("signers").unwrap()).unwrap();
        assert_eq!(signers.signers.len(), 2);
        let password = secret_data(&out, "eth-keystore-password")["password"].as_str().unwrap().to_string();
        assert_eq!(password.len(), 32);
        for s in &signers.signers {
            let ks: serde_json::Value =
                serde_json::from_str(secret_data(&out, &s.keystore.secret_name)["keystore.json"].as_str().unwrap())
                    .unwrap();
            let key = PrivateKey::from_bytes(&keystore::decrypt(&ks, &password).unwrap()).unwrap();
            assert_eq!(key.address(), s.address);
            assert_eq!(ks["crypto"]["kdfparams"]["n"], 4096);
        }
        let accounts = secret_data(&out, "eth-accounts");
        let key = PrivateKey::from_hex(accounts["account-0.key"].as_str().unwrap()).unwrap();
        let prefunded: Prefunded = serde_json::from_value(out.get_output("prefunded").unwrap()).unwrap();
        assert_eq!(prefunded.accounts, vec![key.address()]);
    }

    /// From GENESIS_DEFAULTS_V2 on, a release's v3 keystores share one salt (one scrypt for all:
    /// they share the password anyway) and keep their own IVs and ids; each still opens, with the
    /// release's password only. Older chains keep a salt per keystore.
    #[test]
    fn new_chains_share_one_keystore_salt_and_every_keystore_still_opens() {
        let values: Values = serde_json::from_value(json!({"accounts": {"generate": 3}, "password": "pw"})).unwrap();
        for (created, shared) in [(1_767_225_600, false), (ethwasm_ethereum_types::GENESIS_DEFAULTS_V2, true)] {
            let release = Release { name: "eth".into(), namespace: "chain".into(), created };
            let out = render(&release, &values, Topology::default(), false, &mut fake).unwrap();
            let accounts = secret_data(&out, "eth-accounts");
            let mut keystores: Vec<serde_json::Value> = (0..3)
                .map(|i| serde_json::from_str(accounts[&format!("account-{i}.json")].as_str().unwrap()).unwrap())
                .collect();
            for i in 0..2 {
                let signer = secret_data(&out, &format!("eth-signer-{i}-keystore"));
                keystores.push(serde_json::from_str(signer["keystore.json"].as_str().unwrap()).unwrap());
            }
            let field = |k: &serde_json::Value, p: &str| k.pointer(p).unwrap().as_str().unwrap().to_string();
            let salts: std::collections::BTreeSet<_> =
                keystores.iter().map(|k| field(k, "/crypto/kdfparams/salt")).collect();
            let ivs: std::collections::BTreeSet<_> =
                keystores.iter().map(|k| field(k, "/crypto/cipherparams/iv")).collect();
            assert_eq!(salts.len(), if shared { 1 } else { 5 }, "created {created}");
            assert_eq!(ivs.len(), 5, "every keystore has its own IV");
            for k in &keystores {
                let key = PrivateKey::from_bytes(&keystore::decrypt(k, "pw").unwrap()).unwrap();
                assert_eq!(hex::encode(key.address_bytes()), field(k, "/address"));
                assert!(keystore::decrypt(k, "px").is_err());
            }
        }
    }

    #[test]
    fn node_ids_match_node_keys_and_pods() {
        let out = run(
            json!({}),
            Topology { signers: 1, rpc_nodes: 2, bootnodes: 2, validators: 0, genesis_validators: None },
        )
        .unwrap();
        let nk: NodeKeys = serde_json::from_value(out.get_output("node-keys").unwrap()).unwrap();
        let data = secret_data(&out, "eth-nodekeys");
        assert_eq!(nk.bootnodes.stateful_set, "eth-bootnode");
        let pods: Vec<&str> = nk.bootnodes.nodes.iter().chain(&nk.rpc.nodes).map(|n| n.pod.as_str()).collect();
        assert_eq!(pods, ["eth-bootnode-0", "eth-bootnode-1", "eth-rpc-0", "eth-rpc-1"]);
        for n in nk.bootnodes.nodes.iter().chain(&nk.rpc.nodes) {
            let key = PrivateKey::from_hex(data[&n.pod].as_str().unwrap()).unwrap();
            assert_eq!(key.node_id(), n.node_id);
        }
        assert!(data.contains_key("eth-signer-0-0"));
    }

    #[test]
    fn supplied_values_replace_derived_ones() {
        let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let out = run(
            json!({"signerKeys": [key], "password": "pw", "wsSecret": "ws", "nodeKeys": {"eth-bootnode-0": key},
                   "accounts": {"addresses": ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"]}}),
            Topology::default(),
        )
        .unwrap();
        let signers: Signers = serde_json::from_value(out.get_output("signers").unwrap()).unwrap();
        assert_eq!(signers.signers[0].address, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
        assert_ne!(signers.signers[1].address, signers.signers[0].address);
        assert_eq!(secret_data(&out, "eth-keystore-password")["password"], "pw");
        assert_eq!(secret_data(&out, "eth-ethstats")["WS_SECRET"], "ws");
        assert_eq!(secret_data(&out, "eth-nodekeys")["eth-bootnode-0"], key);
        let prefunded: Prefunded = serde_json::from_value(out.get_output("prefunded").unwrap()).unwrap();
        assert_eq!(prefunded.accounts, ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]);
    }

    #[test]
    fn bad_values_name_the_path() {
        let msg = |r: Result<Output, PluginError>| match r {
            Err(PluginError::InvalidValues(m)) => m,
            other => panic!("expected invalid values, got {other:?}"),
        };
        assert!(msg(run(json!({"signerKeys": ["zz"]}), Topology::default())).starts_with("signerKeys[0]: not hex"));
        assert!(msg(run(json!({"signerKeys": ["00", "00", "00"]}), Topology::default())).contains("3 keys given"));
        assert!(msg(run(json!({"nodeKeys": {"eth-nope-0": "00"}}), Topology::default()))
            .starts_with("nodeKeys.eth-nope-0:"));
        assert!(msg(run(json!({"accounts": {"addresses": ["0x12"]}}), Topology::default()))
            .starts_with("accounts.addresses[0]:"));
        assert!(msg(run(json!({"scrypt": {"n": 1000, "r": 8, "p": 1}}), Topology::default())).contains("power of two"));
    }

    #[test]
    fn scrypt_presets_parse() {
        let v: Values = serde_json::from_value(json!({"scrypt": "light"})).unwrap();
        assert_eq!(v.scrypt.params(), ScryptParams::LIGHT);
        let v: Values = serde_json::from_value(json!({"scrypt": {"n": 1024, "r": 8, "p": 1}})).unwrap();
        assert_eq!(v.scrypt.params().n, 1024);
        assert_eq!(Values::default().scrypt.params(), ScryptParams::FAST);
    }

    fn pos(v: serde_json::Value, signers: u32, validators: u32) -> Result<Output, PluginError> {
        let values: Values = serde_json::from_value(v).unwrap();
        let topo = Topology { signers, rpc_nodes: 1, bootnodes: 0, validators, genesis_validators: None };
        render(
            &Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 },
            &values,
            topo,
            true,
            &mut fake,
        )
    }

    #[test]
    fn peer_ids_match_js_libp2p() {
        // Private key and the peer id js-libp2p printed for it (mingder78/libp2p-ethereum,
        // README.md, "demo").
        let key = PrivateKey::from_hex("db82e7408fbe37e0641087557f3535a34049d19d27f6939f43b47418cd981434").unwrap();
        assert_eq!(pos::peer_id(&key), "16Uiu2HAmE1zdG92om3Y49m3ZeT5T3jAZCZ1w7JGWi93NWGRbjmW1");
    }

    #[test]
    fn lodestar_peer_id_json_matches_the_one_libp2p_wrote() {
        // ethpandaops/ethereum-package static_files/peerdas-node-keys/lodestar/node-key-file-1/
        // peer-id.json (written by js-libp2p through Lodestar) and the same key's raw form.
        let key = PrivateKey::from_hex("86e8ff81b315fc388b4eab77983fcd269f86d0c4cd5bf8bb18aef28dabb14c8d").unwrap();
        let ours: serde_json::Value = serde_json::from_str(&pos::peer_id_json(&key)).unwrap();
        assert_eq!(
            ours,
            json!({
                "id": "16Uiu2HAmNXweZU7MMGSeeLJ9F5k2GE9mi5w219ZXquxJ42hwyjxy",
                "pubKey": "CAISIQOSxr+IufNJbeH8t3NWS6rV6JPyRj1NG9qgImQsY3SMdg==",
                "privKey": "CAISIIbo/4GzFfw4i06rd5g/zSafhtDEzVv4uxiu8o2rsUyN"
            })
        );
    }

    #[test]
    fn only_lodestar_pods_get_a_peer_id_json() {
        let values: Values = serde_json::from_value(json!({})).unwrap();
        let topo = Topology { signers: 2, rpc_nodes: 1, bootnodes: 0, validators: 4, genesis_validators: None };
        let clients = serde_json::from_value(json!({"signers": [{}, {"consensus": "lodestar"}]})).unwrap();
        let global = Global { topology: topo, consensus: Some(Consensus::Pos), clients, ..Global::default() };
        let release = Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 };
        let out = render_in(&release, &values, &global, &mut fake).unwrap();
        let v: Validators =
            serde_json::from_value(out.get_output(ethwasm_ethereum_types::names::VALIDATORS).unwrap()).unwrap();
        let with: Vec<&str> =
            v.beacon_nodes.iter().filter(|b| b.peer_id_json.is_some()).map(|b| b.pod.as_str()).collect();
        assert_eq!(with, ["eth-signer-1-0"]);
        let b = &v.beacon_nodes[1];
        let r = b.peer_id_json.as_ref().unwrap();
        let secret = out.manifests().into_iter().find(|m| m["metadata"]["name"] == r.secret_name.as_str()).unwrap();
        let data = secret["data"].as_object().unwrap();
        assert!(data.contains_key(&r.key) && r.key == "eth-signer-1-0.peer-id.json");
        assert!(!data.contains_key("eth-signer-0-0.peer-id.json"));
    }

    #[test]
    fn validators_are_split_and_every_keystore_opens_to_its_public_key() {
        use consensus_keys::keystore::decrypt_validator_key;
        let out = pos(json!({}), 2, 5).unwrap();
        let v: Validators = serde_json::from_value(out.get_output("validators").unwrap()).unwrap();
        assert_eq!(v.pubkeys.len(), 5);
        let slices: Vec<(u32, u32)> = v.clients.iter().map(|c| (c.first, c.count)).collect();
        assert_eq!(slices, [(0, 3), (3, 2)], "an even split, the first client takes the extra one");
        let passwords = secret_data(&out, "eth-validator-passwords");
        for c in &v.clients {
            let password = passwords[&c.password.key].as_str().unwrap();
            let data = secret_data(&out, &c.keystore_secrets[0]);
            assert_eq!(data.len() as u32, c.count);
            for i in c.first..c.first + c.count {
                let pk = &v.pubkeys[i as usize];
                let ks = data[&format!("{pk}.json")].as_str().unwrap();
                let (sk, public) = decrypt_validator_key(ks, password).unwrap();
                assert_eq!(format!("0x{}", hex::encode(public)), *pk);
                assert_eq!(consensus_keys::bls::public_key(&sk).unwrap(), public);
                let doc: serde_json::Value = serde_json::from_str(ks).unwrap();
                assert_eq!(doc["path"], format!("m/12381/3600/{i}/0/0"));
                assert_eq!(doc["crypto"]["kdf"]["function"], "pbkdf2");
            }
        }
        // Withdrawals go to the derived account, which is prefunded; its key is kept.
        let prefunded: Prefunded = serde_json::from_value(out.get_output("prefunded").unwrap()).unwrap();
        assert!(prefunded.accounts.contains(&v.withdrawal_address));
        let key = secret_data(&out, "eth-withdrawal-account")["key"].as_str().unwrap().to_string();
        let address = PrivateKey::from_hex(&key).unwrap().address_bytes();
        let want = format!("0x01{}{}", "00".repeat(11), hex::encode(address));
        assert!(v.withdrawal_credentials.iter().all(|c| *c == want));
        // One JWT and one beacon node key per execution/beacon pair: the two signers, the RPC node.
        let pods: Vec<&str> = v.beacon_nodes.iter().map(|b| b.pod.as_str()).collect();
        assert_eq!(pods, ["eth-signer-0-0", "eth-signer-1-0", "eth-rpc-0"]);
        assert!(v.beacon_nodes.iter().all(|b| b.peer_id.starts_with("16Uiu2")));
        let jwt = secret_data(&out, "eth-jwt");
        assert_eq!(jwt.len(), 3);
        assert!(jwt.values().all(|j| j.as_str().unwrap().len() == 64));
    }

    #[test]
    fn a_given_mnemonic_is_used_and_kept_only_in_its_secret() {
        // The BIP-39 test mnemonic of the EIP-2333 vectors; the EIP-2334 signing key of
        // validator 0 from it (passphrase "") is recoverable with standard tools.
        let words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        let out = pos(json!({"validators": {"mnemonic": words, "kdf": "scrypt", "kdfCost": 16}}), 1, 2).unwrap();
        assert_eq!(secret_data(&out, "eth-validator-mnemonic")["mnemonic"], words);
        let v: Validators = serde_json::from_value(out.get_output("validators").unwrap()).unwrap();
        let seed = consensus_keys::bip39::mnemonic_to_seed(words, "").unwrap();
        let sk = consensus_keys::eip2333::derive_path(&seed, "m/12381/3600/0/0/0").unwrap();
        assert_eq!(v.pubkeys[0], format!("0x{}", hex::encode(consensus_keys::bls::public_key(&sk).unwrap())));
        let text = serde_json::to_string(&out.get_output("validators").unwrap()).unwrap();
        assert!(!text.contains("abandon"), "the mnemonic is not in the output");
        assert!(!out.get_notes().unwrap_or_default().contains("abandon"), "nor in the notes");
        let data = secret_data(&out, &v.clients[0].keystore_secrets[0]);
        let ks: serde_json::Value = serde_json::from_str(data.values().next().unwrap().as_str().unwrap()).unwrap();
        assert_eq!(ks["crypto"]["kdf"]["function"], "scrypt");
    }

    #[test]
    fn proof_of_stake_errors_name_the_value_and_never_echo_the_mnemonic() {
        let msg = |r: Result<Output, PluginError>| match r {
            Err(PluginError::InvalidValues(m)) => m,
            other => panic!("expected invalid values, got {other:?}"),
        };
        let m = msg(pos(json!({"validators": {"mnemonic": "hunter2 hunter2 hunter2"}}), 1, 1));
        assert!(m.starts_with("validators.mnemonic is not a valid BIP-39"), "{m}");
        assert!(!m.contains("hunter2"), "{m}");
        assert!(msg(pos(json!({}), 0, 4)).starts_with("global.topology.signers"));
        assert!(msg(pos(json!({}), 1, 0)).starts_with("global.topology.validators"));
        assert!(msg(pos(json!({"validators": {"kdf": "scrypt", "kdfCost": 1000}}), 1, 1)).contains("power of two"));
        assert!(msg(pos(json!({"validators": {"withdrawalAddress": "0x12"}}), 1, 1))
            .starts_with("validators.withdrawalAddress"));
    }

    #[test]
    fn a_shared_jwt_is_one_key_for_every_pair() {
        let out = pos(json!({"jwt": {"shared": true}}), 2, 2).unwrap();
        let v: Validators = serde_json::from_value(out.get_output("validators").unwrap()).unwrap();
        assert!(v.jwt.iter().all(|(_, r)| r.key == "shared"));
        assert_eq!(secret_data(&out, "eth-jwt").len(), 1);
    }

    /// A proof-of-stake render of a chain created at `created` with `genesis` genesis validators
    /// of which `validators` run now, four clients.
    fn joined(created: u64, genesis: u32, validators: u32) -> Result<Output, PluginError> {
        let topo = Topology { signers: 4, rpc_nodes: 1, bootnodes: 0, validators, genesis_validators: Some(genesis) };
        let global = Global {
            topology: topo,
            consensus: Some(Consensus::Pos),
            chain_id: Some(98052),
            deposit_contract: Some("0x4242424242424242424242424242424242424242".into()),
            ..Global::default()
        };
        let release = Release { name: "eth".into(), namespace: "chain".into(), created };
        render_in(&release, &Values::default(), &global, &mut fake)
    }

    #[test]
    fn validators_that_join_never_move_a_key_and_get_signed_deposits() {
        let v2 = ethwasm_ethereum_types::GENESIS_DEFAULTS_V2;
        let clients =
            |out: &Output| -> Validators { serde_json::from_value(out.get_output("validators").unwrap()).unwrap() };
        let at_genesis = clients(&joined(v2, 10, 10).unwrap());
        let grown = joined(v2, 10, 17).unwrap();
        let after = clients(&grown);
        // The genesis is the same: 10 validators, the same keys.
        assert_eq!(after.pubkeys, at_genesis.pubkeys);
        for (a, b) in at_genesis.clients.iter().zip(&after.clients) {
            assert_eq!((a.first, a.count), (b.first, b.count), "the genesis slices stay");
        }
        let slices: Vec<Vec<u32>> = after.clients.iter().map(|c| c.joined.clone()).collect();
        // 10 over 4: 3, 3, 2, 2; index i joins client i % 4, evening the totals out.
        assert_eq!(slices, [vec![12, 16], vec![13], vec![10, 14], vec![11, 15]]);
        // Growing again only adds.
        let more = clients(&joined(v2, 10, 19).unwrap());
        for (a, b) in after.clients.iter().zip(&more.clients) {
            assert!(b.joined.starts_with(&a.joined), "{:?} then {:?}", a.joined, b.joined);
        }
        // Each client holds exactly its keys.
        for c in &after.clients {
            let data = secret_data(&grown, &c.keystore_secrets[0]);
            assert_eq!(data.len(), (c.count as usize) + c.joined.len());
        }
        // The deposits: indices 10..17, a transaction each, nonces 0.., from the funded account.
        let d = after.deposits.as_ref().unwrap();
        assert_eq!(d.indices, (10..17).collect::<Vec<_>>());
        let prefunded: Prefunded = serde_json::from_value(grown.get_output("prefunded").unwrap()).unwrap();
        assert!(prefunded.accounts.contains(&d.account));
        let data = secret_data(&grown, &d.secret);
        let lines: Vec<&str> = data["transactions"].as_str().unwrap().lines().collect();
        assert_eq!(lines.len(), 7);
        assert!(lines[0].starts_with("10 0x"));
        let entries: serde_json::Value = serde_json::from_str(data["deposit_data.json"].as_str().unwrap()).unwrap();
        assert_eq!(entries.as_array().unwrap().len(), 7);
        assert_eq!(entries[0]["fork_version"], "10017f04");
        // The tools' accounts are funded too, whatever runs.
        let tools: ToolAccounts = serde_json::from_value(grown.get_output("tool-accounts").unwrap()).unwrap();
        for a in [&tools.funder, &tools.faucet, &tools.load_generator] {
            assert!(prefunded.accounts.contains(&a.address));
            let data = secret_data(&grown, &a.key.secret_name);
            assert_eq!(data["key-0x"], format!("0x{}", data["key"].as_str().unwrap()));
            let key = PrivateKey::from_hex(data["key"].as_str().unwrap()).unwrap();
            assert_eq!(key.address(), a.address);
        }
        // A chain without joiners still funds the account (its genesis does not change when they come).
        let plain: Prefunded =
            serde_json::from_value(joined(v2, 10, 10).unwrap().get_output("prefunded").unwrap()).unwrap();
        assert!(plain.accounts.contains(&d.account));
    }

    #[test]
    fn joining_is_refused_where_the_genesis_funds_no_deposit_account_or_below_the_genesis() {
        let msg = |r: Result<Output, PluginError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        let old = msg(joined(ethwasm_ethereum_types::GENESIS_DEFAULTS_V2 - 1, 10, 12));
        assert!(
            old.contains("created before 2026-12-07") && old.contains("Keep global.topology.validators at 10"),
            "{old}"
        );
        let fewer = msg(joined(ethwasm_ethereum_types::GENESIS_DEFAULTS_V2, 10, 8));
        assert!(fewer.contains("8 is fewer than the chain's 10 genesis validators"), "{fewer}");
        // Before V2 no deposit account is made at all: such a chain's genesis stays as it was.
        let out = joined(ethwasm_ethereum_types::GENESIS_DEFAULTS_V2 - 1, 10, 10).unwrap();
        assert!(!out.manifests().iter().any(|m| m["metadata"]["name"] == "eth-deposit-account"));
        assert!(!out.manifests().iter().any(|m| m["metadata"]["name"] == "eth-funder-account"));
        assert_eq!(out.get_output("tool-accounts"), Some(serde_json::Value::Null));
    }
}
