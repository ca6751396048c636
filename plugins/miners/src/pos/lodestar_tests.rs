//! Lodestar where `global.clients` asks for it: beacon nodes beside geth, their peering sidecar
//! and validator clients, checked against the secrets plugin's real outputs and by running the
//! pods' scripts.

use super::lodestar::{LODESTAR_DB, LODESTAR_KEYS, LODESTAR_SECRETS};
use super::script_tests::{run_script, serve, Node, State};
use super::tests::{
    args, busybox_sh, client_line, container, find, flag, host, mount_path, run, secret_bytes, volume, waited_through,
    world_with, World,
};
use crate::Values;
use ethwasm_ethereum_types::Clients;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Three signers and an RPC node; signer 1 and the RPC node run Lodestar (signer 1's validator
/// client too), signer 2 a Lodestar validator client beside Lighthouse.
fn with_lodestar() -> World {
    let clients: Clients = serde_json::from_value(json!({
        "signers": [{}, {"consensus": "lodestar"}, {"validator": "lodestar"}],
        "rpc": {"consensus": "lodestar"}
    }))
    .unwrap();
    world_with(3, 1, 9, json!({}), clients)
}

#[test]
fn lodestar_beacon_nodes_read_the_testnet_their_jwt_and_their_peer_id_json() {
    let w = with_lodestar();
    let m = run(&w, &Values::default()).manifests();
    for (name, pods) in [("eth-signer-1", vec!["eth-signer-1-0"]), ("eth-rpc", vec!["eth-rpc-0"])] {
        let sts = find(&m, "StatefulSet", name);
        let beacon = container(sts, "beacon");
        assert_eq!(beacon["image"], "chainsafe/lodestar:v1.39.1");
        // Through the checkpoint wrapper (`checkpoint.rs`).
        assert_eq!(beacon["command"][0], "sh");
        let wrapper = beacon["command"][2].as_str().unwrap();
        assert!(
            wrapper.starts_with("exec node /usr/app/packages/cli/bin/lodestar \"$@\" $(cat /data/lodestar/sync-from")
        );
        assert_eq!(container(sts, "sync-from")["command"][2], super::checkpoint::script(&super::lodestar::sync_from()));
        let a = args(beacon);
        assert_eq!(a[0], "beacon");
        assert_eq!(flag(&a, "--paramsFile"), Some("/testnet/config.yaml"));
        assert_eq!(flag(&a, "--genesisStateFile"), Some("/testnet/genesis.ssz"));
        assert_eq!(flag(&a, "--execution.urls"), Some("http://127.0.0.1:8551"));
        assert_eq!(flag(&a, "--jwtSecret"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(mount_path(beacon, "jwt"), "/jwt");
        assert_eq!(flag(&a, "--rest.port"), Some("5052"));
        assert_eq!(flag(&a, "--rest.namespace"), Some("*"), "the sidecar needs the lodestar routes");
        assert_eq!(flag(&a, "--discv5"), Some("false"));
        assert_eq!(flag(&a, "--enr.ip"), Some("$(POD_IP)"));
        assert!(a.contains(&"--supernode".to_string()) && a.contains(&"--subscribeAllSubnets".to_string()));
        let heap = beacon["env"].as_array().unwrap().iter().find(|e| e["name"] == "NODE_OPTIONS").unwrap();
        assert_eq!(heap["value"], "--max-old-space-size=3072", "under the 4Gi limit");
        // peer-id.json: projected beside the raw key, from the Secret the secrets plugin wrote.
        let vol = volume(sts, "beacon-key");
        for pod in pods {
            let node = w.inputs.validators.beacon_nodes.iter().find(|n| n.pod == pod).unwrap();
            let r = node.peer_id_json.as_ref().expect("a peer-id.json for a Lodestar pod");
            let item = json!({ "key": r.key, "path": format!("{pod}.peer-id.json") });
            let sources = vol["projected"]["sources"].as_array().unwrap();
            assert!(sources.iter().any(|s| s["secret"]["items"][0] == item), "{vol}");
        }
        let script = container(sts, "peering")["command"][2].as_str().unwrap();
        assert!(script.contains("/eth/v1/lodestar/connect_peer") && !script.contains("/lighthouse/"), "{script}");
    }
    // A Lighthouse pod gets no peer-id.json.
    let lighthouse = &w.inputs.validators.beacon_nodes[0];
    assert!(lighthouse.peer_id_json.is_none());
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    super::tests::every_path_is_mounted(&run(&w, &v).manifests());
}

#[test]
fn the_lodestar_key_file_is_the_peer_id_json_of_the_key_every_client_gets() {
    let w = with_lodestar();
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-1");
    let init = container(sts, "beacon-key");
    let node = w.inputs.validators.beacon_nodes.iter().find(|n| n.pod == "eth-signer-1-0").unwrap();
    let raw = secret_bytes(&w, &node.node_key.secret_name, &node.node_key.key);
    let r = node.peer_id_json.as_ref().unwrap();
    let json_file = secret_bytes(&w, &r.secret_name, &r.key);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("beacon-key")).unwrap();
    std::fs::write(dir.join("beacon-key/eth-signer-1-0"), &raw).unwrap();
    std::fs::write(dir.join("beacon-key/eth-signer-1-0.peer-id.json"), &json_file).unwrap();
    let script = init["command"][2].as_str().unwrap().replace("/data/", "data/").replace("/beacon-key/", "beacon-key/");
    let out = busybox_sh(&script, &[("POD_NAME", "eth-signer-1-0")], dir);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // Where Lodestar reads it: <dataDir>/peer-id.json, on the writable data volume.
    let data_dir = flag(&args(container(sts, "beacon")), "--dataDir").unwrap().to_string();
    let copied: Value = serde_json::from_slice(
        &std::fs::read(dir.join(data_dir.trim_start_matches('/')).join("peer-id.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(copied["id"], node.peer_id.as_str(), "the peer id every peer list names");
    use base64::Engine;
    let private = base64::engine::general_purpose::STANDARD.decode(copied["privKey"].as_str().unwrap()).unwrap();
    assert_eq!(private[..4], [0x08, 0x02, 0x12, 0x20], "libp2p's protobuf private key, secp256k1");
    assert_eq!(private[4..], raw[..], "the raw key the other clients get");
}

#[test]
fn the_lodestar_sidecar_asks_its_node_to_connect_each_missing_peer_by_dns_name() {
    let w = with_lodestar();
    let m = run(&w, &Values::default()).manifests();
    let script =
        container(find(&m, "StatefulSet", "eth-signer-1"), "peering")["command"][2].as_str().unwrap().to_string();
    let list = find(&m, "ConfigMap", "eth-geth-config")["data"]["beacon-peers"].as_str().unwrap().to_string();
    let ids: BTreeMap<String, String> =
        w.inputs.validators.beacon_nodes.iter().map(|b| (b.pod.clone(), b.peer_id.clone())).collect();
    let state = Arc::new(Mutex::new(State::default()));
    {
        let mut s = state.lock().unwrap();
        let own = Node { up: true, connected: vec![ids["eth-signer-0-0"].clone()], ..Node::default() };
        s.nodes.insert("127.0.0.1:5052".into(), own);
        for (pod, id) in &ids {
            s.nodes.insert(
                format!("{}:5052", host(pod)),
                Node { peer_id: id.clone(), up: pod != "eth-rpc-0", ..Node::default() },
            );
        }
    }
    let stub = serve(state.clone());
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("peering")).unwrap();
    std::fs::write(tmp.path().join("peering/beacon-peers"), list.replace("http://", &format!("http://{stub}/")))
        .unwrap();
    let env = [("POD_NAME", "eth-signer-1-0"), ("REPAIR_ROUNDS", "1")];
    let out = run_script(&script, tmp.path(), &["/peering"], &stub, &env);
    let s = state.lock().unwrap();
    assert_eq!(s.posts.len(), 1, "only the missing peer that answers, never itself:\n{out}");
    let (node, query) = &s.connects[0];
    assert_eq!(node, "127.0.0.1:5052");
    let want = format!("peerId={}&multiaddr=/dns4/{}/tcp/9000", ids["eth-signer-2-0"], host("eth-signer-2-0"));
    assert_eq!(query.replace(&format!("{stub}/"), ""), want);
}

fn sh(script: &str, root: &Path, args: &[&str], bin: Option<&Path>) -> (bool, String) {
    let mut s = waited_through(script);
    for dir in ["/data", "/keystores", "/password/password"] {
        s = s.replace(dir, &format!("{}{dir}", root.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(&s).arg("lodestar").args(args);
    if let Some(b) = bin {
        cmd.env("PATH", format!("{}:{}", b.display(), std::env::var("PATH").unwrap_or_default()));
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn lodestar_validator_clients_get_each_key_and_its_secret_and_watch_for_doppelgangers() {
    let w = with_lodestar();
    let m = run(&w, &Values::default()).manifests();
    let client = &w.inputs.validators.clients[2];
    let vc = find(&m, "StatefulSet", "eth-validator-2");
    let validator = container(vc, "validator");
    assert_eq!(validator["image"], "chainsafe/lodestar:v1.39.1");
    let a = args(validator);
    assert_eq!(a[0], "validator");
    assert_eq!(flag(&a, "--keystoresDir"), Some(LODESTAR_KEYS));
    assert_eq!(flag(&a, "--secretsDir"), Some(LODESTAR_SECRETS));
    let apis = flag(&a, "--beaconNodes").unwrap();
    assert!(apis.starts_with(&format!("http://{}:5052,", host("eth-signer-2-0"))), "{apis}");
    let layout = container(vc, "validators");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("keystores")).unwrap();
    std::fs::create_dir_all(root.join("password")).unwrap();
    std::fs::write(root.join("password/password"), "pw").unwrap();
    for s in &client.keystore_secrets {
        for (k, text) in find(&w.secrets, "Secret", s)["stringData"].as_object().unwrap() {
            std::fs::write(root.join("keystores").join(k), text.as_str().unwrap()).unwrap();
        }
    }
    let keys = root.join(LODESTAR_KEYS.trim_start_matches('/'));
    std::fs::create_dir_all(keys.join("0xdead")).unwrap();
    for _ in 0..2 {
        let (ok, out) = sh(layout["command"][2].as_str().unwrap(), root, &[], None);
        assert!(ok, "{out}");
    }
    assert!(!keys.join("0xdead").exists(), "a key that left the slice leaves the volume");
    let secrets = root.join(LODESTAR_SECRETS.trim_start_matches('/'));
    let laid: Vec<String> =
        std::fs::read_dir(&keys).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(laid.len() as u32, client.held());
    for pk in &laid {
        let ks: Value =
            serde_json::from_str(&std::fs::read_to_string(keys.join(pk).join("voting-keystore.json")).unwrap())
                .unwrap();
        assert_eq!(format!("0x{}", ks["pubkey"].as_str().unwrap()), *pk);
        assert_eq!(std::fs::read_to_string(secrets.join(pk)).unwrap(), "pw");
    }
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("node"), "#!/bin/sh\nshift\necho \"$@\"\n").unwrap();
    std::fs::set_permissions(bin.join("node"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = validator["command"][2].as_str().unwrap();
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, first) = sh(script, root, &a, Some(&bin));
    assert!(ok && client_line(&first).ends_with("--doppelgangerProtection"), "{first}");
    std::fs::create_dir_all(root.join(LODESTAR_DB.trim_start_matches('/'))).unwrap();
    let (ok, again) = sh(script, root, &a, Some(&bin));
    assert!(ok && !client_line(&again).contains("doppelganger"), "{again}");
}
