//! Chains made by an earlier build keep their genesis. An upgrade is refused when the
//! `ethwasm.io/genesis-hash` of the new render differs from the live revision's
//! (host/src/deploy/chain.rs), so a new genesis-shaping default (the genesis delay, the blob
//! schedule) must not reach a chain that already exists. tests/golden/landed-genesis.json holds
//! the hashes the landed build 8c22cee rendered for a release created on 2026-01-01; this build
//! must render the same for the same inputs, while new chains get the new defaults.

use ethwasm::job::{Job, Spec};
use ethwasm::manifest::Object;
use ethwasm_tests::{chart_spec, root};
use serde_json::Value;
use std::collections::BTreeSet;

const GENESIS_ANNOTATION: &str = "ethwasm.io/genesis-hash";

fn render(namespace: &str, release: &str, seed: &str, created: u64, set: &[&str]) -> Vec<Object> {
    let spec =
        Spec { release: Some(release.into()), created: Some(created), ..chart_spec(namespace, Some(seed.into()), set) };
    let job = Job::resolve(&spec).expect("resolve");
    ethwasm::render::render(&job.request).expect("render").objects
}

fn genesis_hashes(objects: &[Object]) -> BTreeSet<String> {
    objects
        .iter()
        .flat_map(|o| {
            [&o.body["metadata"]["annotations"], &o.body["spec"]["template"]["metadata"]["annotations"]]
                .into_iter()
                .filter_map(|a| a[GENESIS_ANNOTATION].as_str().map(str::to_string))
        })
        .collect()
}

fn genesis_json(objects: &[Object]) -> Value {
    let cm = objects.iter().find(|o| o.key.kind == "ConfigMap" && o.key.name == "eth-genesis").unwrap();
    serde_json::from_str(cm.body["data"]["genesis.json"].as_str().unwrap()).unwrap()
}

#[test]
fn a_chain_made_by_the_landed_build_keeps_its_genesis() {
    let text = std::fs::read_to_string(root().join("tests/golden/landed-genesis.json")).unwrap();
    let landed: Value = serde_json::from_str(&text).unwrap();
    let (ns, release, seed) =
        (landed["namespace"].as_str().unwrap(), landed["release"].as_str().unwrap(), landed["seed"].as_str().unwrap());
    let created = landed["created"].as_u64().unwrap();
    for case in landed["cases"].as_array().unwrap() {
        let set: Vec<&str> = case["set"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        let objects = render(ns, release, seed, created, &set);
        let want = case["genesisHash"].as_str().unwrap();
        assert_eq!(
            genesis_hashes(&objects).into_iter().collect::<Vec<_>>(),
            [want],
            "--set {set:?}: the landed build made this chain with genesis {want}; an upgrade would be refused"
        );
    }
}

#[test]
fn new_chains_get_the_new_genesis_defaults() {
    let seed = "42".repeat(32);
    // 2026-12-07T00:00:00Z: the first creation time with the new defaults.
    let created = 1_796_601_600;
    let objects = render("eth", "eth", &seed, created, &[]);
    let g = genesis_json(&objects);
    assert_eq!(g["timestamp"], format!("{:#x}", created + 300), "300 s from creation to genesis");
    assert!(g["config"]["blobSchedule"].get("osaka").is_none(), "geth >= 1.17.5 ignores it");
    let older = render("eth", "eth", &seed, created - 1, &[]);
    let g = genesis_json(&older);
    assert_eq!(g["timestamp"], format!("{:#x}", created - 1 + 60), "a chain made before keeps 60 s");
    assert!(g["config"]["blobSchedule"].get("osaka").is_some());
}
