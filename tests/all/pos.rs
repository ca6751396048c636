//! Proof of stake through the built components (secrets + genesis): what a render ships and
//! how it is laid out; the whole chart's workloads in [`chart`]. The artefacts' contents are
//! checked against independent implementations by tests/pos/run.sh (part of `make test`), the
//! chart's render included.

mod chart;
mod keys;
mod mixed;
mod pod;

use ethwasm::job::Job;
use ethwasm::job::Spec;
use ethwasm::manifest::Object;
use ethwasm_tests::{plugin_path, spec};
use serde_json::Value;
use std::collections::BTreeSet;

const POS: [&str; 3] = ["global.consensus=pos", "genesis.consensus=pos", "genesis.pos.genesisTime=1767225600"];

/// The secrets and genesis plugins alone (no chart, so `global.consensus` is set by hand).
fn job(seed: &str, set: &[&str]) -> ethwasm::Result<Job> {
    let set: Vec<&str> = POS.iter().copied().chain(set.iter().copied()).collect();
    let source = Spec {
        sources: ethwasm_tests::open(None, &[plugin_path("secrets"), plugin_path("genesis")]),
        release: Some("eth".into()),
        namespace: Some("chain".into()),
        seed: Some(seed.repeat(32)),
        ..spec(&set)
    };
    Job::resolve(&source)
}

fn render(seed: &str, set: &[&str]) -> Vec<Object> {
    ethwasm::render::render(&job(seed, set).expect("resolve").request).expect("render").objects
}

fn secret_keys(o: &Object) -> Vec<String> {
    o.body["stringData"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn keystores_are_split_into_secrets_under_the_object_limit() {
    let objs = render("0a", &["global.topology.signers=1", "global.topology.validators=1600"]);
    let parts: Vec<&Object> = objs.iter().filter(|o| o.key.name.starts_with("eth-signer-0-validators-")).collect();
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let mut pubkeys = BTreeSet::new();
    for (k, p) in parts.iter().enumerate() {
        assert_eq!(p.key.name, format!("eth-signer-0-validators-{k}"), "parts are numbered in order");
        // The API server's limit is 1 MiB of data; parts stay near 512 KiB.
        let data: usize = p.body["stringData"].as_object().unwrap().values().map(|v| v.as_str().unwrap().len()).sum();
        assert!(data <= (512 << 10) + 1024, "{} holds {data} bytes", p.key.name);
        pubkeys.extend(secret_keys(p));
    }
    assert_eq!(pubkeys.len(), 1600, "every validator's keystore, once");
    assert!(pubkeys.iter().all(|k| k.starts_with("0x") && k.ends_with(".json") && k.len() == 2 + 96 + 5));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_keys() {
    let a = render("0b", &["global.topology.validators=8"]);
    let b = render("0b", &["global.topology.validators=8"]);
    let c = render("0c", &["global.topology.validators=8"]);
    let bodies = |objs: &[Object]| objs.iter().map(|o| o.body.clone()).collect::<Vec<Value>>();
    assert_eq!(bodies(&a), bodies(&b));
    let mnemonic = |objs: &[Object]| {
        let o = objs.iter().find(|o| o.key.name == "eth-validator-mnemonic").unwrap();
        o.body["stringData"]["mnemonic"].as_str().unwrap().to_string()
    };
    assert_eq!(mnemonic(&a).split(' ').count(), 24);
    assert_ne!(mnemonic(&a), mnemonic(&c));
    let ssz = |objs: &[Object]| objs.iter().find(|o| o.key.name == "eth-genesis-ssz-0").unwrap().body.clone();
    assert_ne!(ssz(&a), ssz(&c), "other validators, another beacon state");
}

#[test]
fn what_a_proof_of_stake_render_ships() {
    let objs = render("0d", &["global.topology.validators=4", "secrets.jwt.shared=true"]);
    let names: BTreeSet<String> = objs.iter().map(|o| format!("{} {}", o.key.kind, o.key.name)).collect();
    for want in [
        "ConfigMap eth-genesis",
        "ConfigMap eth-testnet",
        "ConfigMap eth-genesis-ssz-0",
        "Secret eth-validator-mnemonic",
        "Secret eth-validator-passwords",
        "Secret eth-signer-0-validators-0",
        "Secret eth-signer-1-validators-0",
        "Secret eth-withdrawal-account",
        "Secret eth-jwt",
        "Secret eth-beacon-nodekeys",
    ] {
        assert!(names.contains(want), "no {want} in {names:?}");
    }
    let find = |n: &str| &objs.iter().find(|o| o.key.name == n).unwrap().body;
    assert_eq!(secret_keys(objs.iter().find(|o| o.key.name == "eth-jwt").unwrap()), ["shared"]);
    // Raw 32-byte keys, as Lighthouse reads `beacon/network/key`.
    let keys = find("eth-beacon-nodekeys")["data"].as_object().unwrap();
    // The default for proof of stake: 4 signer pairs, and no key for a bootnode it does not run.
    let pods = ["eth-signer-0-0", "eth-signer-1-0", "eth-signer-2-0", "eth-signer-3-0", "eth-rpc-0"];
    assert_eq!(keys.keys().cloned().collect::<Vec<_>>(), pods);
    let node_keys = find("eth-nodekeys")["stringData"].as_object().unwrap();
    assert!(node_keys.keys().all(|k| !k.contains("bootnode")), "{node_keys:?}");
    use base64::Engine;
    for v in keys.values() {
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap().len(), 32);
    }
    let genesis: Value = serde_json::from_str(find("eth-genesis")["data"]["genesis.json"].as_str().unwrap()).unwrap();
    let testnet = &find("eth-testnet")["data"];
    let hash = testnet["deposit_contract_block_hash.txt"].as_str().unwrap();
    assert!(hash.starts_with("0x") && hash.len() == 66, "{hash}");
    assert_eq!(genesis["config"]["chainId"], 98052);
    assert!(testnet["config.yaml"].as_str().unwrap().contains("DEPOSIT_CHAIN_ID: 98052"));
}
