//! RPC nodes that run different pairs (`global.clients.rpc` as a list): a StatefulSet a pair,
//! behind the same Services, budget and peer lists as one set.

use super::tests::{container, find, run, volume, world_with, World};
use crate::Values;
use ethwasm_ethereum_types::Clients;
use serde_json::{json, Value};

/// Two signers and three RPC nodes: geth + Teku, Besu + Lodestar, and the defaults (geth +
/// Lighthouse).
fn rpc_mix() -> World {
    let clients = serde_json::from_value::<Clients>(json!({
        "rpc": [{"consensus": "teku"}, {"execution": "besu", "consensus": "lodestar"}]
    }))
    .unwrap();
    world_with(2, 3, 8, json!({}), clients)
}

fn image(sts: &Value, c: &str) -> String {
    container(sts, c)["image"].as_str().unwrap().to_string()
}

#[test]
fn each_pair_of_rpc_nodes_is_a_stateful_set_behind_one_service() {
    let w = rpc_mix();
    let pods: Vec<&str> = w.inputs.rpc.nodes.iter().map(|n| n.pod.as_str()).collect();
    assert_eq!(pods, ["eth-rpc-geth-teku-0", "eth-rpc-besu-lodestar-0", "eth-rpc-0"], "keyed by the plan");
    let m = run(&w, &Values::default()).manifests();
    let first = find(&m, "StatefulSet", "eth-rpc-geth-teku");
    assert!(image(first, "beacon").starts_with("consensys/teku:"));
    assert!(image(first, "geth").starts_with("ethereum/client-go:"));
    let mixed = find(&m, "StatefulSet", "eth-rpc-besu-lodestar");
    assert!(image(mixed, "beacon").starts_with("chainsafe/lodestar:"));
    assert!(image(mixed, "besu").starts_with("hyperledger/besu:"));
    // The Lodestar pod reads its key as peer-id.json, which the secrets plugin made for it.
    let keys = volume(mixed, "beacon-key")["projected"]["sources"].to_string();
    assert!(keys.contains("eth-rpc-besu-lodestar-0.peer-id.json"), "{keys}");
    // The default pair keeps the plain name.
    let plain = find(&m, "StatefulSet", "eth-rpc");
    assert!(image(plain, "beacon").starts_with("sigp/lighthouse:"));
    for sts in [first, mixed, plain] {
        assert_eq!(sts["spec"]["replicas"], 1);
        let labels = sts["spec"]["template"]["metadata"]["labels"].as_object().unwrap();
        // JSON-RPC, the beacon API and the budget select every RPC pod.
        for (kind, name) in [("Service", "eth-rpc"), ("Service", "eth-beacon"), ("PodDisruptionBudget", "eth-rpc")] {
            let o = find(&m, kind, name);
            let sel = if kind == "Service" { &o["spec"]["selector"] } else { &o["spec"]["selector"]["matchLabels"] };
            for (k, v) in sel.as_object().unwrap() {
                assert_eq!(labels.get(k), Some(v), "{name} selects {}", sts["metadata"]["name"]);
            }
        }
        // No StatefulSet selects another's pods.
        assert_eq!(sts["spec"]["selector"]["matchLabels"]["ethwasm.io/node-set"], sts["metadata"]["name"]);
    }
    // Every execution node is every other's static peer, whatever set it is in.
    let toml = find(&m, "ConfigMap", "eth-geth-config")["data"]["geth.toml"].as_str().unwrap().to_string();
    for pod in pods {
        assert!(toml.contains(&format!("@{pod}.eth-geth.")), "{pod} in {toml}");
    }
    let notes = run(&w, &Values::default()).get_notes().unwrap().to_string();
    for line in [
        "  eth-rpc-geth-teku: geth + Teku\n",
        "  eth-rpc-besu-lodestar: Besu + Lodestar\n",
        "  eth-rpc: geth + Lighthouse\n",
    ] {
        assert!(notes.contains(line), "{line:?} in {notes}");
    }
}

#[test]
fn pods_keyed_for_another_plan_are_refused() {
    let mut w = rpc_mix();
    w.inputs.clients = Clients::default();
    let err = crate::render(&super::tests::rel(), &Values::default(), &w.inputs).unwrap_err().to_string();
    assert!(err.contains("global.clients.rpc plans") && err.contains("same tree"), "{err}");
}

#[test]
fn rpc_entries_no_node_uses_are_warned_about() {
    let clients = serde_json::from_value::<Clients>(json!({
        "rpc": [{"consensus": "teku"}, {"validator": "prysm"}, {}]
    }))
    .unwrap();
    let w = world_with(2, 2, 8, json!({}), clients);
    let mut warnings = Vec::new();
    crate::pos::render("chain", "eth", &Values::default(), &w.inputs, &mut warnings).unwrap();
    let said = warnings.join("\n");
    assert!(said.contains("lists 3 RPC nodes but global.topology.rpcNodes is 2"), "{said}");
    assert!(said.contains("RPC nodes run no validator client"), "{said}");
    let mut quiet = Vec::new();
    crate::pos::render("chain", "eth", &Values::default(), &rpc_mix().inputs, &mut quiet).unwrap();
    assert!(quiet.iter().all(|w| !w.contains("global.clients.rpc")), "{quiet:?}");
}
