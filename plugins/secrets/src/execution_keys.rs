//! The execution side's keys, in the order the render makes them: the signers' accounts (each
//! with its keystore Secret and node key), the node keys of the other geth nodes, and the extra
//! prefunded accounts.

use crate::eth::{self, parse_address, PrivateKey};
use crate::keystore::{self, ReleaseKdf, ScryptParams};
use crate::{derive_key, labelled, nonce, Accounts, KeySource, Keyring, Values};
use ethwasm_ethereum_types::{Clients, NodeSet, SecretKeyRef, Signer, Topology};
use ethwasm_plugin::{k8s, PluginError};

/// The salt every keystore of a release shares (chains from GENESIS_DEFAULTS_V2 on).
pub(crate) fn shared_salt(src: &mut dyn KeySource) -> crate::keystore::KeystoreNonce {
    nonce(src, "keystores/shared-salt")
}

/// Generated accounts per batch of keystores (and per progress report).
const ACCOUNTS_PER_BATCH: usize = 128;

/// A Secret's data: (key, contents) pairs.
pub(crate) type SecretData = Vec<(String, String)>;

/// The `count` signer accounts (keys given in `signerKeys` first, the rest derived), their node
/// keys, and the Secret holding each one's keystore.
pub(crate) fn signer_accounts(
    release: &str,
    v: &Values,
    count: u32,
    kdf: &mut ReleaseKdf<'_>,
    params: ScryptParams,
    keyring: &mut Keyring<'_>,
    src: &mut dyn KeySource,
) -> Result<(Vec<Signer>, Vec<serde_json::Value>), PluginError> {
    let invalid = PluginError::InvalidValues;
    let mut keys = Vec::new();
    let mut nonces = Vec::new();
    for i in 0..count {
        keys.push(match v.signer_keys.get(i as usize) {
            Some(hex) => PrivateKey::from_hex(hex).map_err(|e| invalid(format!("signerKeys[{i}]: {e}")))?,
            None => derive_key(src, &format!("signer/{i}")),
        });
        nonces.push(nonce(src, &format!("signer/{i}")));
    }
    // Every keystore's scrypt in one batch (the host's cores), then the cheap parts one by one.
    let dks = kdf.keys(&mut nonces, params, || shared_salt(src)).map_err(|e| invalid(format!("scrypt: {e}")))?;
    let mut keystores = Vec::new();
    let mut signers = Vec::new();
    for (i, ((key, nonce), dk)) in (0..count).zip(keys.iter().zip(&nonces).zip(&dks)) {
        let keystore = keystore::encrypt_with_key(key, dk, params, nonce);
        let sts = format!("{release}-signer-{i}");
        let pod = format!("{sts}-0");
        let (node_id, node_key) = keyring.node_key(&pod, src)?;
        let secret_name = format!("{release}-signer-{i}-keystore");
        let ks_text = keystore.to_string();
        keystores.push(labelled(k8s::secret(&secret_name, [("keystore.json", ks_text.as_str())]), release));
        signers.push(Signer {
            index: i,
            address: key.address(),
            stateful_set: sts,
            pod,
            keystore: SecretKeyRef { secret_name, key: "keystore.json".into() },
            node_key,
            node_id,
        });
    }
    Ok((signers, keystores))
}

/// The node keys of the bootnodes and the RPC nodes, after the signers' are in `keyring`; fails
/// on a supplied key whose pod does not exist.
pub(crate) fn node_key_sets(
    release: &str,
    v: &Values,
    topo: Topology,
    pos: bool,
    clients: &Clients,
    keyring: &mut Keyring<'_>,
    src: &mut dyn KeySource,
) -> Result<(NodeSet, NodeSet), PluginError> {
    let invalid = PluginError::InvalidValues;
    // Proof of stake renders no bootnode (its nodes dial each other by name): no key for one.
    let bootnode_count = if pos { 0 } else { topo.bootnodes };
    let bootnodes = keyring.node_set(&format!("{release}-bootnode"), bootnode_count, src)?;
    // Proof of stake: RPC nodes running one pair share a StatefulSet (`Clients::rpc_sets`).
    let rpc = if pos {
        let sets = clients.rpc_sets(release, topo.rpc_nodes);
        let mut nodes = Vec::new();
        for set in &sets {
            nodes.extend(set.pods.iter().map(|pod| keyring.node(pod, src)).collect::<Result<Vec<_>, _>>()?);
        }
        // The RPC Service's name, whichever sets there are.
        NodeSet { stateful_set: format!("{release}-rpc"), nodes }
    } else {
        keyring.node_set(&format!("{release}-rpc"), topo.rpc_nodes, src)?
    };
    if let Some(unused) = v.node_keys.keys().find(|k| !keyring.data.contains_key(*k)) {
        return Err(invalid(format!(
            "nodeKeys.{unused}: no such pod; pods are {}",
            keyring.data.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok((bootnodes, rpc))
}

/// The prefunded accounts besides the signers: the generated ones (with their keystores and raw
/// keys, the `<release>-accounts` Secret's data), then the given addresses.
pub(crate) fn extra_accounts(
    a: &Accounts,
    kdf: &mut ReleaseKdf<'_>,
    params: ScryptParams,
    src: &mut dyn KeySource,
) -> Result<(Vec<String>, SecretData), PluginError> {
    let invalid = PluginError::InvalidValues;
    let mut accounts = Vec::new();
    let mut account_data: Vec<(String, String)> = Vec::new();
    let total = u64::from(a.generate);
    // In batches, so that a long run (1,000 accounts is seconds) says how far it is.
    for first in (0..a.generate).step_by(ACCOUNTS_PER_BATCH) {
        let batch = first..a.generate.min(first.saturating_add(ACCOUNTS_PER_BATCH as u32));
        let keys: Vec<PrivateKey> = batch.clone().map(|i| derive_key(src, &format!("account/{i}"))).collect();
        let mut nonces: Vec<_> = batch.clone().map(|i| nonce(src, &format!("account/{i}"))).collect();
        let dks = kdf.keys(&mut nonces, params, || shared_salt(src)).map_err(|e| invalid(format!("scrypt: {e}")))?;
        for (i, ((key, nonce), dk)) in batch.clone().zip(keys.iter().zip(&nonces).zip(&dks)) {
            let ks = keystore::encrypt_with_key(key, dk, params, nonce);
            account_data.push((format!("account-{i}.json"), ks.to_string()));
            account_data.push((format!("account-{i}.key"), key.to_hex()));
            accounts.push(key.address());
        }
        ethwasm_plugin::progress("account keystores", u64::from(batch.end), total);
    }
    for (i, a) in a.addresses.iter().enumerate() {
        let bytes = parse_address(a).map_err(|e| invalid(format!("accounts.addresses[{i}]: {e}")))?;
        accounts.push(eth::checksum(&bytes));
    }
    Ok((accounts, account_data))
}
