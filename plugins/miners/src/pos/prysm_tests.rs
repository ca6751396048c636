//! Prysm where `global.clients` asks for it: beacon nodes beside geth, their peering sidecar and
//! validator clients, checked against the secrets plugin's real outputs and by running the pods'
//! scripts.

use super::prysm::{PRYSM_DB, PRYSM_KEYS, PRYSM_WALLET};
use super::script_tests::{run_script, serve, Node, State};
use super::tests::{
    args, busybox_sh, client_line, container, find, flag, host, mount_path, run, secret_bytes, waited_through, world,
    World,
};
use crate::Values;
use ethwasm_ethereum_types::Clients;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Three signers and an RPC node; signer 1 and the RPC node run Prysm (signer 1's validator
/// client too), signer 2 a Prysm validator client beside Lighthouse.
fn with_prysm() -> World {
    let mut w = world(3, 1, 9, json!({}));
    w.inputs.clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"consensus": "prysm"}, {"validator": "prysm"}],
        "rpc": {"consensus": "prysm"}
    }))
    .unwrap();
    w
}

#[test]
fn prysm_beacon_nodes_read_the_testnet_their_jwt_and_key_and_never_dial_mainnet() {
    let w = with_prysm();
    let m = run(&w, &Values::default()).manifests();
    for name in ["eth-signer-1", "eth-rpc"] {
        let sts = find(&m, "StatefulSet", name);
        let beacon = container(sts, "beacon");
        assert_eq!(beacon["image"], "gcr.io/offchainlabs/prysm/beacon-chain:v7.1.6");
        // Through the checkpoint wrapper (`checkpoint.rs`).
        assert_eq!(beacon["command"][0], "sh");
        assert!(beacon["command"][2]
            .as_str()
            .unwrap()
            .starts_with("exec /beacon-chain \"$@\" $(cat /data/prysm/sync-from"));
        assert_eq!(container(sts, "sync-from")["command"][2], super::checkpoint::script(&super::prysm::sync_from()));
        let a = args(beacon);
        assert!(a.contains(&"--accept-terms-of-use=true".to_string()));
        assert!(a.contains(&"--no-discovery".to_string()), "else Prysm dials mainnet's bootnodes");
        assert_eq!(flag(&a, "--chain-config-file"), Some("/testnet/config.yaml"));
        assert_eq!(flag(&a, "--genesis-state"), Some("/testnet/genesis.ssz"));
        assert_eq!(flag(&a, "--contract-deployment-block"), Some("0"));
        assert_eq!(flag(&a, "--execution-endpoint"), Some("http://127.0.0.1:8551"));
        assert_eq!(flag(&a, "--jwt-secret"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(mount_path(beacon, "jwt"), "/jwt");
        assert_eq!(flag(&a, "--http-port"), Some("5052"), "the port every beacon API client uses");
        assert_eq!(flag(&a, "--p2p-tcp-port"), Some("9000"));
        assert_eq!(flag(&a, "--p2p-quic-port"), Some("9001"));
        assert_eq!(flag(&a, "--p2p-host-ip"), Some("$(POD_IP)"));
        assert!(a.contains(&"--supernode".to_string()) && a.contains(&"--disable-monitoring".to_string()));
        // The sidecar hands it its peers as trusted peers, and says when it is synced.
        let peering = container(sts, "peering");
        let script = peering["command"][2].as_str().unwrap();
        assert!(script.contains("/prysm/node/trusted_peers") && !script.contains("/lighthouse/"), "{script}");
        assert!(peering["readinessProbe"]["exec"]["command"][2].as_str().unwrap().contains("is_syncing"));
    }
    let signer = args(container(find(&m, "StatefulSet", "eth-signer-1"), "beacon"));
    assert_eq!(flag(&signer, "--suggested-fee-recipient"), Some(w.inputs.signers.signers[1].address.as_str()));
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    let m = run(&w, &v).manifests();
    let a = args(container(find(&m, "StatefulSet", "eth-rpc"), "beacon"));
    assert_eq!((flag(&a, "--monitoring-host"), flag(&a, "--monitoring-port")), (Some("0.0.0.0"), Some("5054")));
    super::tests::every_path_is_mounted(&m);
}

#[test]
fn the_prysm_key_file_is_the_raw_key_in_hex_without_a_newline() {
    let w = with_prysm();
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-1");
    let init = container(sts, "beacon-key");
    let key_file = flag(&args(container(sts, "beacon")), "--p2p-priv-key").unwrap().to_string();
    let node = w.inputs.validators.beacon_nodes.iter().find(|n| n.pod == "eth-signer-1-0").unwrap();
    let raw = secret_bytes(&w, &node.node_key.secret_name, &node.node_key.key);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("beacon-key")).unwrap();
    std::fs::write(dir.join("beacon-key/eth-signer-1-0"), &raw).unwrap();
    let script = init["command"][2].as_str().unwrap().replace("/data/", "data/").replace("/beacon-key/", "beacon-key/");
    let out = busybox_sh(&script, &[("POD_NAME", "eth-signer-1-0")], dir);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join(key_file.trim_start_matches('/'))).unwrap();
    // `hex.Decode` of the whole file (beacon-chain/p2p/utils.go): 64 digits and nothing else.
    assert_eq!(text, raw.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let key = ethwasm_plugin_secrets::eth::PrivateKey::from_bytes(&raw).unwrap();
    assert_eq!(ethwasm_plugin_secrets::pos::peer_id(&key), node.peer_id);
}

#[test]
fn the_prysm_sidecar_trusts_each_missing_peer_by_its_dns_name() {
    let w = with_prysm();
    let m = run(&w, &Values::default()).manifests();
    let script =
        container(find(&m, "StatefulSet", "eth-signer-1"), "peering")["command"][2].as_str().unwrap().to_string();
    let list = find(&m, "ConfigMap", "eth-geth-config")["data"]["beacon-peers"].as_str().unwrap().to_string();
    let ids: BTreeMap<String, String> =
        w.inputs.validators.beacon_nodes.iter().map(|b| (b.pod.clone(), b.peer_id.clone())).collect();
    let api = |pod: &str| format!("{}:5052", host(pod));
    let state = Arc::new(Mutex::new(State::default()));
    {
        let mut s = state.lock().unwrap();
        // Its own node is connected to signer 0 only; the RPC node does not answer yet.
        let own = Node { up: true, connected: vec![ids["eth-signer-0-0"].clone()], ..Node::default() };
        s.nodes.insert("127.0.0.1:5052".into(), own);
        for (pod, id) in &ids {
            s.nodes.insert(api(pod), Node { peer_id: id.clone(), up: pod != "eth-rpc-0", ..Node::default() });
        }
    }
    let stub = serve(state.clone());
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("peering")).unwrap();
    std::fs::write(tmp.path().join("peering/beacon-peers"), list.replace("http://", &format!("http://{stub}/")))
        .unwrap();
    let env = [("POD_NAME", "eth-signer-1-0"), ("REPAIR_ROUNDS", "1")];
    let out = run_script(&script, tmp.path(), &["/peering"], &stub, &env);
    let posts = state.lock().unwrap().posts.clone();
    // The stub stands between the sidecar and every name: strip its address from what was sent.
    let bodies: Vec<String> = posts.iter().map(|(_, b)| b.replace(&format!("{stub}/"), "")).collect();
    let want = format!(r#"{{"addr":"/dns4/{}/tcp/9000/p2p/{}"}}"#, host("eth-signer-2-0"), ids["eth-signer-2-0"]);
    assert_eq!(bodies, [want], "only the missing peer that answers, never itself:\n{out}");
    assert_eq!(posts[0].0, "127.0.0.1:5052", "asked of its own beacon node");
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn sh(script: &str, root: &Path, args: &[&str], bin: Option<&Path>) -> (bool, String) {
    let mut s = waited_through(script);
    for dir in ["/data", "/keystores"] {
        s = s.replace(dir, &format!("{}{dir}", root.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(&s).arg("validator").args(args);
    if let Some(b) = bin {
        cmd.env("PATH", format!("{}:{}", b.display(), std::env::var("PATH").unwrap_or_default()));
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn prysm_validator_clients_import_the_slice_into_a_fresh_wallet_and_watch_for_doppelgangers() {
    let w = with_prysm();
    let m = run(&w, &Values::default()).manifests();
    let client = &w.inputs.validators.clients[2];
    let vc = find(&m, "StatefulSet", "eth-validator-2");
    let validator = container(vc, "validator");
    assert_eq!(validator["image"], "gcr.io/offchainlabs/prysm/validator:v7.1.6");
    let a = args(validator);
    assert_eq!(flag(&a, "--wallet-dir"), Some(PRYSM_WALLET));
    assert_eq!(flag(&a, "--wallet-password-file"), Some("/password/password"));
    assert_eq!(mount_path(validator, "password"), "/password");
    let apis = flag(&a, "--beacon-rest-api-provider").unwrap();
    assert!(
        apis.starts_with(&format!("http://{},", api_of("eth-signer-2-0"))),
        "its own (Lighthouse) node first: {apis}"
    );
    // The wallet: an emptyDir filled at every start from the keys the layout copied.
    let wallet = container(vc, "wallet");
    assert_eq!(wallet["image"], validator["image"]);
    let wa = args(wallet);
    assert_eq!(wa[..2], ["accounts".to_string(), "import".into()]);
    assert_eq!(flag(&wa, "--keys-dir"), Some(PRYSM_KEYS));
    assert_eq!(flag(&wa, "--account-password-file"), Some("/password/password"));
    let volumes = vc["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
    assert!(volumes.iter().any(|v| v["name"] == "wallet" && v["emptyDir"] == json!({})));
    // The layout runs in busybox (the Prysm image has no grep or sed).
    let layout = container(vc, "validators");
    assert!(layout["image"].as_str().unwrap().starts_with("ethereum/client-go:"));
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("keystores")).unwrap();
    for s in &client.keystore_secrets {
        for (k, text) in find(&w.secrets, "Secret", s)["stringData"].as_object().unwrap() {
            std::fs::write(root.join("keystores").join(k), text.as_str().unwrap()).unwrap();
        }
    }
    let keys = root.join(PRYSM_KEYS.trim_start_matches('/'));
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("0xdead.json"), "{}").unwrap();
    let (ok, out) = sh(layout["command"][2].as_str().unwrap(), root, &[], None);
    assert!(ok, "{out}");
    assert!(!keys.join("0xdead.json").exists(), "a key that left the slice leaves the volume");
    let laid: Vec<String> =
        std::fs::read_dir(&keys).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(laid.len() as u32, client.held());
    for f in &laid {
        let ks: Value = serde_json::from_str(&std::fs::read_to_string(keys.join(f)).unwrap()).unwrap();
        assert!(ks["pubkey"].is_string(), "Prysm skips a keystore without its pubkey, silently");
    }
    // The start script, in bash with coreutils only: doppelganger wait on a first start.
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    executable(&bin.join("validator"), "#!/bin/sh\necho \"$@\"\n");
    let script = validator["command"][2].as_str().unwrap().replace("/validator ", "validator ");
    assert!(!script.contains("grep") && !script.contains("sed "), "{script}");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, first) = sh(&script, root, &a, Some(&bin));
    assert!(ok && client_line(&first).ends_with("--enable-doppelganger"), "{first}");
    std::fs::write(root.join(PRYSM_DB.trim_start_matches('/')), b"").unwrap();
    let (ok, again) = sh(&script, root, &a, Some(&bin));
    assert!(ok && !client_line(&again).contains("doppelganger"), "{again}");
}

fn api_of(pod: &str) -> String {
    format!("{}:5052", host(pod))
}
