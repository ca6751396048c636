//! Reth in geth's place where `global.clients` asks for it, checked against the secrets plugin's
//! real outputs and by running the pods' scripts.

use super::reth::{own_peers_script, resolve_script, RETH_PEERS};
use super::tests::{args, container, find, flag, host, mount_path, run, world, World};
use crate::Values;
use ethwasm_ethereum_types::{names, Clients, Network};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Three signers and an RPC node; signer 1 and the RPC node run Reth (signer 1 with Prysm).
fn with_reth() -> World {
    let mut w = world(3, 1, 9, json!({}));
    w.inputs.clients = serde_json::from_value::<Clients>(json!({
        "signers": [{}, {"execution": "reth", "consensus": "prysm"}],
        "rpc": {"execution": "reth"}
    }))
    .unwrap();
    w
}

fn names_of(sts: &Value, key: &str) -> Vec<String> {
    let list = &sts["spec"]["template"]["spec"][key];
    list.as_array().into_iter().flatten().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

fn sh(script: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let s = script.replace("/config/", "config/").replace("/testnet/", "testnet/");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&s)
        .arg("reth")
        .args(args)
        .current_dir(dir)
        .env("PATH", format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn reth_reads_the_genesis_its_node_key_and_jwt_and_serves_the_engine_api_its_beacon_node_dials() {
    let w = with_reth();
    let m = run(&w, &Values::default()).manifests();
    for (name, beacon_flag) in [("eth-signer-1", "--execution-endpoint"), ("eth-rpc", "--execution-endpoint")] {
        let sts = find(&m, "StatefulSet", name);
        assert_eq!(names_of(sts, "containers")[0], "reth");
        let init = names_of(sts, "initContainers");
        assert!(!init.contains(&"init-genesis".to_string()), "Reth reads genesis.json itself");
        let (t, r) = (init.iter().position(|c| c == "testnet"), init.iter().position(|c| c == "resolve-peers"));
        assert!(t.unwrap() < r.unwrap(), "the peers are resolved once the testnet step wrote them: {init:?}");
        let reth = container(sts, "reth");
        assert_eq!(reth["image"], "ghcr.io/paradigmxyz/reth:v2.5.1");
        let a = args(reth);
        assert_eq!(a[0], "node");
        assert_eq!(flag(&a, "--chain"), Some("/genesis/genesis.json"));
        assert_eq!(mount_path(reth, "genesis"), "/genesis");
        assert_eq!(flag(&a, "--p2p-secret-key"), Some("/nodekey/$(POD_NAME)"));
        assert_eq!(flag(&a, "--authrpc.jwtsecret"), Some("/jwt/$(POD_NAME)"));
        assert_eq!(flag(&a, "--authrpc.addr"), Some("127.0.0.1"));
        assert!(a.contains(&"--disable-discovery".to_string()) && a.contains(&"--full".to_string()));
        assert_eq!(flag(&a, "--builder.gaslimit"), Some("134217728"));
        let beacon = args(container(sts, "beacon"));
        let port = flag(&a, "--authrpc.port").unwrap();
        assert_eq!(flag(&beacon, beacon_flag), Some(format!("http://127.0.0.1:{port}").as_str()), "{name}");
    }
    let rpc = args(container(find(&m, "StatefulSet", "eth-rpc"), "reth"));
    assert_eq!(flag(&rpc, "--http.api"), Some("eth,net,web3"));
    assert_eq!(flag(&rpc, "--ws.port"), Some("8546"));
    let signer = args(container(find(&m, "StatefulSet", "eth-signer-1"), "reth"));
    assert!(!signer.contains(&"--http".to_string()), "a signer serves no JSON-RPC");
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    let out = run(&w, &v);
    super::tests::every_path_is_mounted(&out.manifests());
    let network: Network = serde_json::from_value(out.get_output(names::NETWORK).unwrap()).unwrap();
    let reth = network.metrics.iter().find(|m| m.job == "reth").expect("a reth job");
    assert_eq!((reth.port_name.as_str(), reth.path.as_str()), ("reth-metrics", "/metrics"));
}

#[test]
fn reth_trusts_every_other_execution_node_and_waits_for_their_names() {
    let w = with_reth();
    let m = run(&w, &Values::default()).manifests();
    let enodes = find(&m, "ConfigMap", "eth-geth-config")["data"]["enodes"].as_str().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for d in ["config", "testnet", "bin"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("config/enodes"), &enodes).unwrap();
    let (ok, out) = sh(&own_peers_script(), dir, &[], &[("POD_NAME", "eth-rpc-0")]);
    assert!(ok, "{out}");
    let peers = std::fs::read_to_string(dir.join(RETH_PEERS.trim_start_matches('/'))).unwrap();
    let list: Vec<&str> = peers.split(',').collect();
    assert_eq!(list.len(), enodes.lines().count() - 1, "{peers}");
    assert!(!peers.contains("@eth-rpc-0.") && !peers.contains('\n'), "{peers}");
    for (s, e) in w.inputs.signers.signers.iter().map(|s| (s, format!("enode://{}@{}:30303", s.node_id, host(&s.pod))))
    {
        assert!(list.contains(&e.as_str()), "{} trusted by its key's id", s.pod);
    }
    // The start script hands them over; with none, no flag (an empty list would not parse).
    executable(&dir.join("bin/reth"), "#!/bin/sh\necho \"$@\"\n");
    let reth = container(find(&m, "StatefulSet", "eth-rpc"), "reth");
    let start = reth["command"][2].as_str().unwrap().replace("/usr/local/bin/reth", "reth");
    let (ok, out) = sh(&start, dir, &["node", "--full"], &[]);
    assert!(ok && out.trim_end() == format!("node --full --trusted-peers={peers}"), "{out}");
    std::fs::write(dir.join(RETH_PEERS.trim_start_matches('/')), "").unwrap();
    let (ok, out) = sh(&start, dir, &["node"], &[]);
    assert!(ok && out.trim_end() == "node", "{out}");
    // The wait: names that resolve pass at once; one that never does is given up on in time.
    std::fs::write(dir.join(RETH_PEERS.trim_start_matches('/')), &peers).unwrap();
    executable(&dir.join("bin/nslookup"), "#!/bin/sh\ncase \"$1\" in *eth-signer-2-0*) exit 1 ;; esac\n");
    let (ok, out) = sh(&resolve_script(), dir, &[], &[("RESOLVE_SECONDS", "2")]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("{} does not resolve yet", host("eth-signer-2-0").trim_end_matches(":30303"))),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "every other name resolved: {out}");
}
