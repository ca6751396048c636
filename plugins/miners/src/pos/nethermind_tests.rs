//! Nethermind in geth's place where `global.clients` asks for it, checked against the secrets
//! plugin's real outputs and by running the pods' scripts.

use super::tests::{args, busybox_sh, container, find, flag, host, mount_path, run, world, World};
use crate::Values;
use ethwasm_ethereum_types::{names, Clients, Network};
use serde_json::{json, Value};

/// Three signers and an RPC node; signer 1 and the RPC node run Nethermind.
fn with_nethermind() -> World {
    let mut w = world(3, 1, 9, json!({}));
    w.inputs.clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"execution": "nethermind"}],
        "rpc": {"execution": "nethermind"}
    }))
    .unwrap();
    w
}

fn names_of(sts: &Value, key: &str) -> Vec<String> {
    let list = &sts["spec"]["template"]["spec"][key];
    list.as_array().into_iter().flatten().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn nethermind_reads_the_genesis_and_jwt_and_serves_the_engine_api_its_beacon_node_dials() {
    let w = with_nethermind();
    let m = run(&w, &Values::default()).manifests();
    for name in ["eth-signer-1", "eth-rpc"] {
        let sts = find(&m, "StatefulSet", name);
        assert_eq!(names_of(sts, "containers")[0], "nethermind");
        let init = names_of(sts, "initContainers");
        assert_eq!(init[..4], ["testnet", "beacon-key", "node-files", "resolve-peers"].map(String::from), "{name}");
        let nm = container(sts, "nethermind");
        assert_eq!(nm["image"], "nethermind/nethermind:2.2.2");
        assert!(nm.get("command").is_none(), "the image's entry point starts it");
        let a = args(nm);
        assert_eq!(flag(&a, "--config"), Some("none"));
        assert_eq!(flag(&a, "--Init.ChainSpecPath"), Some("/genesis/genesis.json"));
        assert_eq!(mount_path(nm, "genesis"), "/genesis");
        assert_eq!(flag(&a, "--JsonRpc.JwtSecretFile"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(flag(&a, "--JsonRpc.EngineHost"), Some("127.0.0.1"));
        assert_eq!(flag(&a, "--Init.DiscoveryEnabled"), Some("false"));
        assert_eq!((flag(&a, "--Sync.FastSync"), flag(&a, "--Sync.SnapSync")), (Some("false"), Some("false")));
        assert_eq!(flag(&a, "--Blocks.TargetBlockGasLimit"), Some("134217728"));
        assert!(flag(&a, "--Blocks.SecondsPerSlot").is_none(), "12 s slots are its default");
        let port = flag(&a, "--JsonRpc.EnginePort").unwrap();
        let beacon = args(container(sts, "beacon"));
        assert_eq!(flag(&beacon, "--execution-endpoint"), Some(format!("http://127.0.0.1:{port}").as_str()));
        assert_eq!(mount_path(nm, "tmp"), "/tmp");
        // ethstats: the server geth reports to, the pod's name, the secret from the environment.
        assert_eq!(flag(&a, "--EthStats.Enabled"), Some("true"));
        assert_eq!(flag(&a, "--EthStats.Server"), Some("ws://eth-ethstats:80/api"));
        assert_eq!(flag(&a, "--EthStats.Name"), Some("$(POD_NAME)"));
        let secret = nm["env"].as_array().unwrap().iter().find(|e| e["name"] == "NETHERMIND_ETHSTATSCONFIG_SECRET");
        assert_eq!(secret.unwrap()["valueFrom"]["secretKeyRef"], json!({"name": "eth-ethstats", "key": "WS_SECRET"}));
        assert!(!a.iter().any(|x| x.contains("WS_SECRET")), "the secret stays out of the arguments");
    }
    let signer = args(container(find(&m, "StatefulSet", "eth-signer-1"), "nethermind"));
    assert_eq!(flag(&signer, "--JsonRpc.Host"), Some("127.0.0.1"), "a signer serves JSON-RPC on loopback only");
    let rpc = args(container(find(&m, "StatefulSet", "eth-rpc"), "nethermind"));
    assert_eq!(flag(&rpc, "--JsonRpc.Host"), Some("0.0.0.0"));
    assert_eq!(flag(&rpc, "--JsonRpc.EnabledModules"), Some("eth,net,web3"));
    assert_eq!(flag(&rpc, "--JsonRpc.WebSocketsPort"), Some("8546"));
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    let out = run(&w, &v);
    super::tests::every_path_is_mounted(&out.manifests());
    let network: Network = serde_json::from_value(out.get_output(names::NETWORK).unwrap()).unwrap();
    let nm = network.metrics.iter().find(|m| m.job == "nethermind").expect("a nethermind job");
    assert_eq!((nm.port_name.as_str(), nm.path.as_str()), ("nm-metrics", "/metrics"));
}

#[test]
fn the_node_files_are_the_raw_node_key_and_every_other_execution_node() {
    let w = with_nethermind();
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-1");
    let init = container(sts, "node-files");
    let a = args(container(sts, "nethermind"));
    let signer = &w.inputs.signers.signers[1];
    let hex = find(&w.secrets, "Secret", &signer.node_key.secret_name)["stringData"][&signer.node_key.key]
        .as_str()
        .unwrap()
        .to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for d in ["nodekey", "config"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("nodekey/eth-signer-1-0"), &hex).unwrap();
    let enodes = find(&m, "ConfigMap", "eth-geth-config")["data"]["enodes"].as_str().unwrap();
    std::fs::write(dir.join("config/enodes"), enodes).unwrap();
    let script = init["command"][2]
        .as_str()
        .unwrap()
        .replace("/data/", "data/")
        .replace("/nodekey/", "nodekey/")
        .replace("/config/", "config/");
    let out = busybox_sh(&script, &[("POD_NAME", "eth-signer-1-0")], dir);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // `--KeyStore.EnodeKeyFile`: the 32 bytes the hex stands for, nothing else.
    let key_file = flag(&a, "--KeyStore.EnodeKeyFile").unwrap();
    let raw = std::fs::read(dir.join(key_file.trim_start_matches('/'))).unwrap();
    let want: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    assert_eq!(raw, want);
    let key = ethwasm_plugin_secrets::eth::PrivateKey::from_bytes(&raw).unwrap();
    assert_eq!(key.node_id(), signer.node_id, "the enode id every peer list names");
    let nodes =
        std::fs::read_to_string(dir.join(flag(&a, "--Init.StaticNodesPath").unwrap().trim_start_matches('/'))).unwrap();
    let list: Vec<String> = serde_json::from_str(&nodes).unwrap();
    assert_eq!(list.len(), enodes.lines().count() - 1);
    assert!(list.iter().all(|e| !e.contains("@eth-signer-1-0.")), "{list:?}");
    let s0 = &w.inputs.signers.signers[0];
    assert!(list.contains(&format!("enode://{}@{}:30303", s0.node_id, host(&s0.pod))));
}
