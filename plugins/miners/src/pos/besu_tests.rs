//! Besu in geth's place where `global.clients` asks for it, checked against the secrets plugin's
//! real outputs and by running the pods' scripts.

use super::tests::{args, busybox_sh, container, find, flag, host, mount_path, run, volume, world, World};
use crate::Values;
use ethwasm_ethereum_types::{names, Clients, Network};
use serde_json::{json, Value};

/// Three signers and an RPC node; signer 1 and the RPC node run Besu (signer 1 with Teku).
fn with_besu() -> World {
    let mut w = world(3, 1, 9, json!({}));
    w.inputs.clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"execution": "besu", "consensus": "teku"}],
        "rpc": {"execution": "besu"}
    }))
    .unwrap();
    w
}

fn containers(sts: &Value, key: &str) -> Vec<String> {
    let spec = &sts["spec"]["template"]["spec"][key];
    spec.as_array().into_iter().flatten().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn besu_reads_the_genesis_its_node_key_and_jwt_and_serves_the_engine_api_its_beacon_node_dials() {
    let w = with_besu();
    let m = run(&w, &Values::default()).manifests();
    for (name, beacon_flag) in [("eth-signer-1", "--ee-endpoint"), ("eth-rpc", "--execution-endpoint")] {
        let sts = find(&m, "StatefulSet", name);
        assert_eq!(containers(sts, "containers")[0], "besu", "{name}: the execution client comes first");
        assert!(
            !containers(sts, "initContainers").contains(&"init-genesis".to_string()),
            "Besu reads genesis.json itself"
        );
        let besu = container(sts, "besu");
        assert_eq!(besu["image"], "hyperledger/besu:26.8.0");
        let a = args(besu);
        assert_eq!(flag(&a, "--genesis-file"), Some("/genesis/genesis.json"));
        assert_eq!(mount_path(besu, "genesis"), "/genesis");
        assert_eq!(volume(sts, "genesis")["configMap"]["name"], "eth-genesis");
        assert_eq!(flag(&a, "--network-id"), Some("98052"));
        assert_eq!(flag(&a, "--node-private-key-file"), Some("/nodekey/$(POD_NAME)"));
        assert_eq!(flag(&a, "--engine-jwt-secret"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(flag(&a, "--static-nodes-file"), Some("/testnet/static-nodes.json"));
        assert_eq!(flag(&a, "--Xdns-update-enabled"), Some("true"), "names are resolved again at each dial");
        assert_eq!(flag(&a, "--discovery-enabled"), Some("false"));
        assert_eq!(flag(&a, "--target-gas-limit"), Some("134217728"), "the genesis gas limit stays the target");
        // The beacon node beside it (Lighthouse or Teku) dials this engine API with the same JWT.
        let beacon = args(container(sts, "beacon"));
        let port = flag(&a, "--engine-rpc-port").unwrap();
        assert_eq!(flag(&beacon, beacon_flag), Some(format!("http://127.0.0.1:{port}").as_str()), "{name}");
        assert_eq!(mount_path(besu, "tmp"), "/tmp");
        assert!(besu["env"].as_array().unwrap().iter().any(|e| e["name"] == "JAVA_OPTS"));
        assert_eq!(besu["resources"]["limits"]["memory"], "4Gi", "Besu's resources, not geth's");
    }
    let signer = args(container(find(&m, "StatefulSet", "eth-signer-1"), "besu"));
    assert_eq!(flag(&signer, "--rpc-http-host"), Some("127.0.0.1"), "a signer keeps the engine API on loopback");
    assert!(flag(&signer, "--rpc-http-enabled").is_none());
    let rpc = args(container(find(&m, "StatefulSet", "eth-rpc"), "besu"));
    assert_eq!(flag(&rpc, "--rpc-http-api"), Some("ETH,NET,WEB3"));
    assert_eq!(flag(&rpc, "--host-allowlist"), Some("*"), "clients call it by Service name");
    assert_eq!(flag(&rpc, "--rpc-ws-port"), Some("8546"));
}

#[test]
fn besu_static_nodes_are_every_other_execution_node_by_the_id_of_its_key() {
    let w = with_besu();
    let m = run(&w, &Values::default()).manifests();
    let cm = find(&m, "ConfigMap", "eth-geth-config");
    let enodes = cm["data"]["enodes"].as_str().unwrap();
    let nodes: Vec<(&str, &str)> = w
        .inputs
        .signers
        .signers
        .iter()
        .map(|s| (s.pod.as_str(), s.node_id.as_str()))
        .chain(w.inputs.rpc.nodes.iter().map(|n| (n.pod.as_str(), n.node_id.as_str())))
        .collect();
    assert_eq!(enodes.lines().count(), nodes.len());
    // geth's static nodes name the Besu nodes too: both clients dial each other.
    let toml = cm["data"]["geth.toml"].as_str().unwrap();
    for (pod, id) in &nodes {
        let enode = format!("enode://{id}@{}:30303", host(pod));
        assert!(enodes.lines().any(|l| l == enode), "{enode}");
        assert!(toml.contains(&enode), "{enode} in geth.toml");
    }
    // The init container's JSON, without the pod's own enode.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::create_dir_all(dir.join("testnet")).unwrap();
    std::fs::write(dir.join("config/enodes"), enodes).unwrap();
    let script = super::besu::own_static_nodes_script().replace("/config/", "config/").replace("/testnet/", "testnet/");
    for pod in ["eth-rpc-0", "eth-signer-1-0"] {
        let out = busybox_sh(&script, &[("POD_NAME", pod)], dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let list: Vec<String> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("testnet/static-nodes.json")).unwrap()).unwrap();
        assert_eq!(list.len(), nodes.len() - 1, "{pod}");
        assert!(list.iter().all(|e| !e.contains(&format!("@{pod}."))), "{pod} never dials itself: {list:?}");
    }
    // No Besu, no list: the default render is unchanged.
    let plain = run(&world(3, 1, 9, json!({})), &Values::default()).manifests();
    assert!(find(&plain, "ConfigMap", "eth-geth-config")["data"].get("enodes").is_none());
}

#[test]
fn every_besu_path_is_mounted_and_its_metrics_are_a_job_of_their_own() {
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    let w = with_besu();
    let out = run(&w, &v);
    super::tests::every_path_is_mounted(&out.manifests());
    let network: Network = serde_json::from_value(out.get_output(names::NETWORK).unwrap()).unwrap();
    let besu = network.metrics.iter().find(|m| m.job == "besu").expect("a besu job");
    assert_eq!((besu.port_name.as_str(), besu.path.as_str()), ("besu-metrics", "/metrics"));
    let geth = network.metrics.iter().find(|m| m.job == "geth").unwrap();
    assert_eq!(geth.port_name, "metrics", "geth's job never matches a Besu pod's port");
    let plain = run(&world(3, 1, 9, json!({})), &v);
    let network: Network = serde_json::from_value(plain.get_output(names::NETWORK).unwrap()).unwrap();
    assert!(network.metrics.iter().all(|m| m.job != "besu"));
}
