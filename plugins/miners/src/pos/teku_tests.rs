//! Teku where `global.clients` asks for it: beacon nodes beside geth and validator clients,
//! checked against the secrets plugin's real outputs (keys, peer ids, file names) and by running
//! the pods' scripts.

use super::teku::{TEKU_KEYS, TEKU_PASSWORDS, TEKU_SLASHING_DIR};
use super::tests::{
    args, busybox_sh, client_line, container, find, flag, host, mount_path, run, secret_bytes, volume, waited_through,
    world, World,
};
use crate::Values;
use ethwasm_ethereum_types::Clients;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Three signers and an RPC node; signer 1 and the RPC node run Teku, signer 2 runs a Teku
/// validator client beside a Lighthouse beacon node.
fn mixed() -> World {
    let mut w = world(3, 1, 9, json!({}));
    w.inputs.clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"consensus": "teku"}, {"validator": "teku"}],
        "rpc": {"consensus": "teku"}
    }))
    .unwrap();
    w
}

fn image(c: &Value) -> &str {
    c["image"].as_str().unwrap()
}

fn has_container(sts: &Value, name: &str) -> bool {
    sts["spec"]["template"]["spec"]["containers"].as_array().unwrap().iter().any(|c| c["name"] == name)
}

#[test]
fn teku_beacon_nodes_read_the_testnet_their_jwt_and_their_static_peers() {
    let w = mixed();
    let m = run(&w, &Values::default()).manifests();
    let lighthouse = find(&m, "StatefulSet", "eth-signer-0");
    assert!(image(container(lighthouse, "beacon")).starts_with("sigp/lighthouse:"));
    assert!(has_container(lighthouse, "peering"), "Lighthouse keeps its peering sidecar");
    for name in ["eth-signer-1", "eth-rpc"] {
        let sts = find(&m, "StatefulSet", name);
        let beacon = container(sts, "beacon");
        assert_eq!(image(beacon), "consensys/teku:26.8.0");
        assert!(!has_container(sts, "peering"), "{name}: Teku redials its static peers itself");
        let a = args(beacon);
        assert_eq!(flag(&a, "--network"), Some("/testnet/config.yaml"));
        assert_eq!(flag(&a, "--genesis-state"), Some("/testnet/genesis.ssz"));
        assert_eq!(flag(&a, "--ee-endpoint"), Some("http://127.0.0.1:8551"));
        assert_eq!(flag(&a, "--ee-jwt-secret-file"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(mount_path(beacon, "jwt"), "/jwt");
        assert_eq!(flag(&a, "--rest-api-port"), Some("5052"), "the port every beacon API client uses");
        assert_eq!(flag(&a, "--rest-api-host-allowlist"), Some("*"), "other pods call it by Service name");
        assert_eq!(flag(&a, "--p2p-static-peers-url"), Some("/testnet/teku-peers"));
        assert_eq!(flag(&a, "--p2p-advertised-ip"), Some("$(POD_IP)"));
        assert_eq!(flag(&a, "--p2p-subscribe-all-custody-subnets-enabled"), Some("true"), "a supernode");
        assert_eq!(beacon["readinessProbe"]["httpGet"]["path"], "/teku/v1/admin/readiness");
        assert!(beacon["env"].as_array().unwrap().iter().any(|e| e["name"] == "JAVA_OPTS"));
        assert_eq!(mount_path(beacon, "tmp"), "/tmp", "the JVM unpacks native libraries on a read-only root");
        assert_eq!(volume(sts, "tmp")["emptyDir"], json!({}));
    }
    let signer = args(container(find(&m, "StatefulSet", "eth-signer-1"), "beacon"));
    assert_eq!(
        flag(&signer, "--validators-proposer-default-fee-recipient"),
        Some(w.inputs.signers.signers[1].address.as_str())
    );
    // The peer file: every beacon node by DNS name, with the peer id its key gives.
    let cm = find(&m, "ConfigMap", "eth-geth-config");
    let peers = cm["data"]["teku-peers"].as_str().unwrap();
    let nodes = &w.inputs.validators.beacon_nodes;
    assert_eq!(peers.lines().count(), nodes.len());
    for n in nodes {
        let line = format!("/dns4/{}/tcp/9000/p2p/{}", host(&n.pod), n.peer_id);
        assert!(peers.lines().any(|l| l == line), "{line} in\n{peers}");
    }
    // Each pod drops its own line (the RPC pods share one template).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::create_dir_all(dir.join("testnet")).unwrap();
    std::fs::write(dir.join("config/teku-peers"), peers).unwrap();
    let script = super::teku::own_peers_script().replace("/config/", "config/").replace("/testnet/", "testnet/");
    let out = busybox_sh(&script, &[("POD_NAME", "eth-rpc-0")], dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let own = std::fs::read_to_string(dir.join("testnet/teku-peers")).unwrap();
    assert_eq!(own.lines().count(), nodes.len() - 1);
    assert!(!own.contains("/dns4/eth-rpc-0."), "{own}");
    // Without Teku, no peer file: the default render is unchanged.
    let plain = run(&world(3, 1, 9, json!({})), &Values::default()).manifests();
    assert!(find(&plain, "ConfigMap", "eth-geth-config")["data"].get("teku-peers").is_none());
}

#[test]
fn every_teku_path_is_mounted_from_the_volume_the_render_names() {
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    super::tests::every_path_is_mounted(&run(&mixed(), &v).manifests());
}

#[test]
fn the_teku_key_file_is_the_protobuf_key_of_the_peer_id_the_secrets_plugin_gave() {
    let w = mixed();
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-1");
    let init = container(sts, "beacon-key");
    let a = args(container(sts, "beacon"));
    let key_file = flag(&a, "--p2p-private-key-file").unwrap();
    assert!(key_file.starts_with(&format!("{}/", mount_path(init, "data"))), "{key_file} on the data volume");
    let node = w.inputs.validators.beacon_nodes.iter().find(|n| n.pod == "eth-signer-1-0").unwrap();
    let raw = secret_bytes(&w, &node.node_key.secret_name, &node.node_key.key);
    // Run the init container's script on the key as the projected volume holds it.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("beacon-key")).unwrap();
    std::fs::write(dir.join("beacon-key/eth-signer-1-0"), &raw).unwrap();
    let script = init["command"][2].as_str().unwrap().replace("/data/", "data/").replace("/beacon-key/", "beacon-key/");
    let out = busybox_sh(&script, &[("POD_NAME", "eth-signer-1-0")], dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "the key is never printed");
    let text = std::fs::read_to_string(dir.join(key_file.trim_start_matches('/'))).unwrap();
    // libp2p's PrivateKey protobuf: field 1 KeyType = 2 (secp256k1), field 2 the 32 bytes.
    assert_eq!(text.trim_end(), format!("0x08021220{}", raw.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    // The same key gives the peer id the peers' files name (the secrets plugin's computation).
    let key = ethwasm_plugin_secrets::eth::PrivateKey::from_bytes(&raw).unwrap();
    assert_eq!(ethwasm_plugin_secrets::pos::peer_id(&key), node.peer_id);
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a pod's script with `/data`, `/keystores` and `/password` under `root`.
fn sh(script: &str, root: &Path, args: &[&str], bin: Option<&Path>) -> (bool, String) {
    let mut s = waited_through(script);
    for dir in ["/data", "/keystores", "/password/password"] {
        s = s.replace(dir, &format!("{}{dir}", root.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(&s).arg("teku").args(args);
    if let Some(b) = bin {
        cmd.env("PATH", format!("{}:{}", b.display(), std::env::var("PATH").unwrap_or_default()));
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn teku_validator_clients_get_each_key_beside_its_password_and_watch_for_doppelgangers() {
    let w = mixed();
    let m = run(&w, &Values::default()).manifests();
    let client = &w.inputs.validators.clients[2];
    let vc = find(&m, "StatefulSet", "eth-validator-2");
    let validator = container(vc, "validator");
    assert_eq!(image(validator), "consensys/teku:26.8.0");
    assert!(image(container(find(&m, "StatefulSet", "eth-validator-0"), "validator")).starts_with("sigp/lighthouse:"));
    let a = args(validator);
    assert_eq!(a[0], "validator-client");
    assert_eq!(flag(&a, "--validator-keys"), Some(format!("{TEKU_KEYS}:{TEKU_PASSWORDS}").as_str()));
    assert_eq!(flag(&a, "--validators-keystore-locking-enabled"), Some("false"));
    // Its own signer's beacon node first (a Lighthouse one: any client's beacon API will do).
    let apis = flag(&a, "--beacon-node-api-endpoint").unwrap();
    assert!(apis.starts_with(&format!("http://{}:5052,", host("eth-signer-2-0"))), "{apis}");
    assert_eq!(apis.split(',').count(), 4, "every beacon node, for failover");

    // The layout: <pubkey>.json beside <pubkey>.txt; a key that left goes.
    let init = container(vc, "validators");
    let script = init["command"][2].as_str().unwrap();
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
    let keys = root.join(TEKU_KEYS.trim_start_matches('/'));
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("0xdead.json"), "{}").unwrap();
    for _ in 0..2 {
        let (ok, out) = sh(script, root, &[], None);
        assert!(ok, "{out}");
    }
    assert!(!keys.join("0xdead.json").exists(), "a key that left the slice leaves the volume");
    let passwords = root.join(TEKU_PASSWORDS.trim_start_matches('/'));
    let laid: Vec<String> =
        std::fs::read_dir(&keys).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(laid.len() as u32, client.held());
    for f in &laid {
        let pk = f.strip_suffix(".json").unwrap();
        let ks: Value = serde_json::from_str(&std::fs::read_to_string(keys.join(f)).unwrap()).unwrap();
        assert_eq!(format!("0x{}", ks["pubkey"].as_str().unwrap()), pk);
        assert_eq!(std::fs::read_to_string(passwords.join(format!("{pk}.txt"))).unwrap(), "pw");
    }
    assert_eq!(mount_path(init, "password"), "/password");

    // The start script: a first start (no database) and a changed key set wait for doppelgangers;
    // the key list is the one Lighthouse's start script writes, so a client change with the
    // same keys and a database is a plain start.
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    executable(&bin.join("teku"), "#!/bin/sh\necho \"$@\"\n");
    let run_script = validator["command"][2].as_str().unwrap().replace("/opt/teku/bin/teku", "teku");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, first) = sh(&run_script, root, &a, Some(&bin));
    assert!(ok && client_line(&first).ends_with("--doppelganger-detection-enabled=true"), "{first}");
    std::fs::create_dir_all(root.join(TEKU_SLASHING_DIR.trim_start_matches('/'))).unwrap();
    let (ok, again) = sh(&run_script, root, &a, Some(&bin));
    assert!(ok && !client_line(&again).contains("doppelganger"), "{again}");
    let known = std::fs::read_to_string(root.join("data/ethwasm-keys")).unwrap();
    let mut want: Vec<&str> = laid.iter().map(|f| f.trim_end_matches(".json")).collect();
    want.sort();
    assert_eq!(known.lines().collect::<Vec<_>>(), want, "the same list as Lighthouse's: public keys, sorted");
    std::fs::remove_file(keys.join(&laid[0])).unwrap();
    let (ok, moved) = sh(&run_script, root, &a, Some(&bin));
    assert!(ok && client_line(&moved).ends_with("--doppelganger-detection-enabled=true"), "{moved}");
}

#[test]
fn notes_name_each_nodes_clients_when_they_differ() {
    let notes = run(&mixed(), &Values::default()).get_notes().unwrap().to_string();
    assert!(notes.starts_with("Proof of stake: execution/beacon pairs: 4 "), "{notes}");
    for line in [
        "  eth-signer-0-0: geth + Lighthouse\n",
        "  eth-signer-1-0: geth + Teku\n",
        "  eth-signer-2-0: geth + Lighthouse, validator client teku\n",
        "  eth-rpc: geth + Teku\n",
    ] {
        assert!(notes.contains(line), "{line:?} in {notes}");
    }
    let plain = run(&world(3, 1, 9, json!({})), &Values::default()).get_notes().unwrap().to_string();
    assert!(plain.starts_with("Proof of stake: geth + Lighthouse pairs: 4 "), "{plain}");
}
