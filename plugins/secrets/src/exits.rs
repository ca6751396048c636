//! Voluntary exits, signed in the sandbox for the validators `secrets.validators.exits` names.
//!
//! Each is a `SignedVoluntaryExit` for epoch 0 (valid at any later epoch: the beacon chain only
//! asks that the exit's epoch has begun), signed over `DOMAIN_VOLUNTARY_EXIT` with the network's
//! CAPELLA_FORK_VERSION and genesis validators root, which EIP-7044 fixes for every fork after
//! Capella, so an exit signed once never goes stale. The genesis validators root is computed here
//! from the same validators the genesis plugin builds the genesis from (public keys, withdrawal
//! credentials, 32 ETH each), and the fork versions from the chain id, as the genesis plugin
//! derives them. The miners plugin's Job submits them to a beacon node.

use consensus_genesis::{signing, ForkVersions, GenesisFork, GenesisInput, ValidatorInput};
use consensus_keys::{bls, SecretKey};
use ethwasm_ethereum_types::ExitsRef;
use ethwasm_plugin::{k8s, PluginError};
use serde_json::{json, Value};

/// The exits of `indices`, signed: the Secret (one `exit-<index>.json` each) and its reference.
pub fn signed_exits(
    release: &str,
    indices: &[u32],
    chain_id: Option<u64>,
    signing_keys: &[SecretKey],
    pubkeys: &[[u8; 48]],
    withdrawal_credentials: [u8; 32],
) -> Result<Option<(Value, ExitsRef)>, PluginError> {
    if indices.is_empty() {
        return Ok(None);
    }
    let invalid = PluginError::InvalidValues;
    let chain_id = chain_id.ok_or_else(|| {
        invalid(
            "validators.exits: signing an exit needs the network's chain id as global.chainId (the chart copies \
             genesis.chainId there; with --plugins alone, --set global.chainId=...)"
                .into(),
        )
    })?;
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if let Some(bad) = sorted.iter().find(|i| **i as usize >= signing_keys.len()) {
        return Err(invalid(format!(
            "validators.exits: validator {bad} does not exist (the network has {} validators, 0 to {})",
            signing_keys.len(),
            signing_keys.len().saturating_sub(1)
        )));
    }
    // The genesis validators root, as the genesis plugin computes it (its time and fork do not
    // enter the validators' root).
    let mut input = GenesisInput::new(chain_id, 0, GenesisFork::Fulu);
    input.validators = pubkeys.iter().map(|pk| ValidatorInput::new(*pk, withdrawal_credentials)).collect();
    let gvr = consensus_genesis::genesis_validators_root(&input);
    let capella = ForkVersions::for_chain(chain_id).capella;
    let mut files: Vec<(String, String)> = Vec::new();
    for &index in &sorted {
        let root = signing::voluntary_exit_signing_root(0, u64::from(index), capella, &gvr);
        let signature = bls::sign(&signing_keys[index as usize], &root)
            .map_err(|e| PluginError::Failed(format!("exit of validator {index}: {e}")))?;
        let signed = json!({
            "message": { "epoch": "0", "validator_index": index.to_string() },
            "signature": format!("0x{}", hex::encode(signature)),
        });
        files.push((format!("exit-{index}.json"), signed.to_string()));
    }
    let name = format!("{release}-validator-exits");
    let secret = k8s::secret(&name, files.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(Some((secret, ExitsRef { secret: name, indices: sorted })))
}
