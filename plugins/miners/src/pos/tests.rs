//! Tests of the proof-of-stake render against the secrets plugin's real outputs: every key,
//! peer id, file name and path checked across the containers that share it.

use super::paths::*;
use super::*;
use crate::{Inputs, Values};
use base64::Engine;
use ethwasm_ethereum_types::{
    Bootnodes, Clients, Consensus, EthstatsEndpoint, GenesisRef, Global, NodeKeys, Signers, Topology,
};
use ethwasm_ethereum_types::{PosGenesis, SecretKeyRef};
use ethwasm_plugin::Release;
use ethwasm_plugin::{Output, PluginError};
use ethwasm_plugin_secrets::eth::PrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

const DOMAIN: &str = "cluster.local";

/// Deterministic stand-in for the host's derive-key.
fn fake(label: &str, len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0u32;
    while out.len() < len as usize {
        out.extend_from_slice(&Sha256::digest(format!("{label}#{i}").as_bytes()));
        i += 1;
    }
    out.truncate(len as usize);
    out
}

pub(super) fn rel() -> Release {
    Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
}

/// The secrets plugin's real render for a proof-of-stake topology, and the miners inputs
/// built from its outputs (genesis by hand: its contents do not matter here).
pub(super) struct World {
    pub(super) secrets: Vec<Value>,
    pub(super) inputs: Inputs,
}

pub(super) fn world(signers: u32, rpc_nodes: u32, validators: u32, secrets_values: Value) -> World {
    world_with(signers, rpc_nodes, validators, secrets_values, Clients::default())
}

/// [`world`] with `global.clients` given to both plugins (the secrets plugin makes each pod's
/// keys in the formats its clients read).
pub(super) fn world_with(
    signers: u32,
    rpc_nodes: u32,
    validators: u32,
    secrets_values: Value,
    clients: Clients,
) -> World {
    let values: ethwasm_plugin_secrets::Values = serde_json::from_value(secrets_values).unwrap();
    let topo = Topology { signers, rpc_nodes, bootnodes: 0, validators, genesis_validators: None };
    let global =
        Global { topology: topo, consensus: Some(Consensus::Pos), clients: clients.clone(), ..Global::default() };
    let out = ethwasm_plugin_secrets::render_in(&rel(), &values, &global, &mut fake).unwrap();
    let output = |name: &str| out.get_output(name).unwrap();
    let pos = PosGenesis {
        fork: "fulu".into(),
        genesis_time: 1_700_000_000,
        seconds_per_slot: 12,
        execution_genesis_hash: format!("0x{}", "11".repeat(32)),
        genesis_validators_root: format!("0x{}", "22".repeat(32)),
        fork_digest: "0x01020304".into(),
        testnet_config_map: "eth-testnet".into(),
        genesis_ssz_parts: vec!["eth-genesis-ssz-0".into(), "eth-genesis-ssz-1".into()],
        genesis_ssz_sha256: format!("0x{}", "ab".repeat(32)),
        state_root: format!("0x{}", "cd".repeat(32)),
    };
    let inputs = Inputs {
        genesis: GenesisRef {
            config_map: "eth-genesis".into(),
            key: "genesis.json".into(),
            chain_id: 98052,
            network_id: 98052,
            consensus: Consensus::Pos,
            hash: "abc".into(),
            gas_limit: Some(0x8000000),
            pos: Some(pos),
        },
        bootnodes: Bootnodes { enodes: vec![], hosts: vec![] },
        signers: serde_json::from_value::<Signers>(output("signers")).unwrap(),
        rpc: serde_json::from_value::<NodeKeys>(output("node-keys")).unwrap().rpc,
        ethstats: EthstatsEndpoint {
            enabled: true,
            address: "eth-ethstats:80".into(),
            secret: SecretKeyRef { secret_name: "eth-ethstats".into(), key: "WS_SECRET".into() },
        },
        validators: serde_json::from_value(output("validators")).unwrap(),
        cluster_domain: DOMAIN.into(),
        clients,
    };
    World { secrets: out.manifests(), inputs }
}

fn default_world() -> World {
    world(3, 2, 10, json!({}))
}

pub(super) fn run(w: &World, v: &Values) -> Output {
    crate::render(&rel(), v, &w.inputs).unwrap()
}

pub(super) fn find<'a>(m: &'a [Value], kind: &str, name: &str) -> &'a Value {
    m.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn kinds<'a>(m: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    m.iter().filter(move |o| o["kind"] == kind)
}

fn pod_spec(sts: &Value) -> &Value {
    &sts["spec"]["template"]["spec"]
}

pub(super) fn container<'a>(sts: &'a Value, name: &str) -> &'a Value {
    let spec = pod_spec(sts);
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(spec["initContainers"].as_array().into_iter().flatten())
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name} in {}", sts["metadata"]["name"]))
}

pub(super) fn args(c: &Value) -> Vec<String> {
    serde_json::from_value(c["args"].clone()).unwrap_or_default()
}

/// The value of `--flag=` in `args`.
pub(super) fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().find_map(|a| a.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

pub(super) fn volume<'a>(sts: &'a Value, name: &str) -> &'a Value {
    pod_spec(sts)["volumes"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()
}

pub(super) fn mount_path<'a>(c: &'a Value, volume: &str) -> &'a str {
    c["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == volume).unwrap()["mountPath"].as_str().unwrap()
}

/// `path -> (secret, key)` of a projected volume's Secret items.
fn projected_secret_items(vol: &Value) -> BTreeMap<String, (String, String)> {
    let mut m = BTreeMap::new();
    for s in vol["projected"]["sources"].as_array().unwrap() {
        for it in s["secret"]["items"].as_array().unwrap() {
            let secret = s["secret"]["name"].as_str().unwrap().to_string();
            m.insert(it["path"].as_str().unwrap().into(), (secret, it["key"].as_str().unwrap().into()));
        }
    }
    m
}

fn secret_text<'a>(w: &'a World, name: &str, key: &str) -> &'a str {
    find(&w.secrets, "Secret", name)["stringData"][key].as_str().unwrap()
}

pub(super) fn secret_bytes(w: &World, name: &str, key: &str) -> Vec<u8> {
    let b64 = find(&w.secrets, "Secret", name)["data"][key].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

/// Pair StatefulSets with the pods each runs.
fn pair_sets(w: &World, m: &[Value]) -> Vec<(Value, Vec<String>)> {
    let mut sets: Vec<(Value, Vec<String>)> = w
        .inputs
        .signers
        .signers
        .iter()
        .map(|s| (find(m, "StatefulSet", &s.stateful_set).clone(), vec![s.pod.clone()]))
        .collect();
    if !w.inputs.rpc.nodes.is_empty() {
        let pods = w.inputs.rpc.nodes.iter().map(|n| n.pod.clone()).collect();
        sets.push((find(m, "StatefulSet", &w.inputs.rpc.stateful_set).clone(), pods));
    }
    sets
}

pub(super) fn host(pod: &str) -> String {
    format!("{pod}.eth-geth.chain.svc.{DOMAIN}")
}

#[test]
fn renders_the_pairs_validators_and_services_by_the_secrets_plugins_pod_names() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    for (kind, name) in [
        ("Service", "eth-geth"),
        ("ConfigMap", "eth-geth-config"),
        ("StatefulSet", "eth-signer-0"),
        ("StatefulSet", "eth-signer-1"),
        ("StatefulSet", "eth-signer-2"),
        ("StatefulSet", "eth-rpc"),
        ("Service", "eth-rpc"),
        ("Service", "eth-beacon"),
        ("StatefulSet", "eth-validator-0"),
        ("StatefulSet", "eth-validator-1"),
        ("StatefulSet", "eth-validator-2"),
        ("Service", "eth-validator"),
        ("PodDisruptionBudget", "eth-signers"),
        ("PodDisruptionBudget", "eth-rpc"),
        ("PodDisruptionBudget", "eth-validators"),
    ] {
        find(&m, kind, name);
    }
    // Each pair StatefulSet names exactly the pods the secrets plugin keyed.
    for (sts, pods) in pair_sets(&w, &m) {
        let name = sts["metadata"]["name"].as_str().unwrap();
        let named: Vec<String> =
            (0..sts["spec"]["replicas"].as_u64().unwrap()).map(|k| format!("{name}-{k}")).collect();
        assert_eq!(named, pods);
        assert_eq!(sts["spec"]["serviceName"], "eth-geth");
        assert_eq!(sts["spec"]["template"]["metadata"]["annotations"][crate::GENESIS_HASH_ANNOTATION], "abc");
        let id = &sts["spec"]["template"]["metadata"]["annotations"][crate::geth::GENESIS_ID_ANNOTATION];
        assert_eq!(id.as_str(), Some(format!("0x{}", "cd".repeat(32)).as_str()), "the genesis state's root");
        let names: Vec<&str> =
            pod_spec(&sts)["containers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["geth", "beacon", "peering"]);
        let init: Vec<&str> =
            pod_spec(&sts)["initContainers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(init, ["testnet", "beacon-key", "init-genesis", "sync-from"]);
    }
    let svc = find(&m, "Service", "eth-geth");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    assert_eq!(svc["spec"]["publishNotReadyAddresses"], true);
    // No bootnode wait and no geth discovery for proof of stake.
    assert!(m.iter().all(|o| o["kind"] != "StatefulSet"
        || pod_spec(o)["initContainers"].as_array().unwrap().iter().all(|c| c["name"] != "wait-for-bootnodes")));
}

#[test]
fn images_are_the_pinned_fulu_releases_and_the_validator_follows_the_beacon_image() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    let sts = find(&m, "StatefulSet", "eth-signer-0");
    assert_eq!(container(sts, "geth")["image"], "ethereum/client-go:v1.17.7");
    assert_eq!(container(sts, "beacon")["image"], "sigp/lighthouse:v8.3.3");
    assert_eq!(container(sts, "testnet")["image"], "ethereum/client-go:v1.17.7", "busybox sh, gunzip, sha256sum");
    let vc = find(&m, "StatefulSet", "eth-validator-0");
    assert_eq!(container(vc, "validator")["image"], "sigp/lighthouse:v8.3.3");
    let mut v = Values::default();
    v.beacon.image.tag = Some("v8.4.0".into());
    let m = run(&w, &v).manifests();
    assert_eq!(container(find(&m, "StatefulSet", "eth-validator-1"), "validator")["image"], "sigp/lighthouse:v8.4.0");
    v.validator.image.repository = Some("my/lighthouse".into());
    let m = run(&w, &v).manifests();
    assert_eq!(container(find(&m, "StatefulSet", "eth-validator-1"), "validators")["image"], "my/lighthouse:v8.4.0");
}

#[test]
fn each_pair_reads_its_own_jwt_from_one_file_in_both_containers() {
    for shared in [false, true] {
        let w = world(2, 2, 4, json!({ "jwt": { "shared": shared } }));
        let m = run(&w, &Values::default()).manifests();
        for (sts, pods) in pair_sets(&w, &m) {
            let (geth, beacon) = (container(&sts, "geth"), container(&sts, "beacon"));
            let (ga, ba) = (args(geth), args(beacon));
            let file = flag(&ga, "--authrpc.jwtsecret").unwrap();
            assert_eq!(flag(&ba, "--execution-jwt"), Some(file), "one file for both clients");
            assert_eq!(file, "/jwt/$(POD_NAME)");
            assert_eq!(mount_path(geth, "jwt"), "/jwt");
            assert_eq!(mount_path(beacon, "jwt"), "/jwt");
            for c in [geth, beacon] {
                assert!(c["env"].as_array().unwrap().iter().any(|e| e["name"] == "POD_NAME"), "$(POD_NAME) expands");
            }
            // The engine API stays in the pod.
            assert_eq!(flag(&ga, "--authrpc.addr"), Some("127.0.0.1"));
            assert_eq!(flag(&ga, "--authrpc.port"), Some("8551"));
            assert_eq!(flag(&ba, "--execution-endpoint"), Some("http://127.0.0.1:8551"));
            // /jwt/<pod> is that pair's key of the JWT Secret.
            let items = projected_secret_items(volume(&sts, "jwt"));
            assert_eq!(items.keys().cloned().collect::<Vec<_>>(), pods);
            for pod in &pods {
                let want = &w.inputs.validators.jwt.iter().find(|(p, _)| p == pod).unwrap().1;
                assert_eq!(items[pod], (want.secret_name.clone(), want.key.clone()));
                let jwt = secret_text(&w, &want.secret_name, &want.key);
                assert_eq!(jwt.len(), 64, "64 hex digits, as both clients read");
            }
        }
    }
}

#[test]
fn static_nodes_are_every_execution_node_with_the_id_of_its_node_key() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    let toml = find(&m, "ConfigMap", "eth-geth-config")["data"]["geth.toml"].as_str().unwrap().to_string();
    let section = |name: &str| -> Vec<String> {
        let start = toml.find(&format!("{name} = [\n")).unwrap() + name.len() + 5;
        let end = start + toml[start..].find("\n]").unwrap();
        toml[start..end].lines().map(|l| l.trim().trim_end_matches(',').trim_matches('"').to_string()).collect()
    };
    let statics = section("StaticNodes");
    assert_eq!(statics, section("TrustedNodes"));
    assert!(toml.contains("[Node.P2P]\n"));
    let mut pods = BTreeSet::new();
    for e in &statics {
        let (id, rest) = e.strip_prefix("enode://").unwrap().split_once('@').unwrap();
        let (h, port) = rest.rsplit_once(':').unwrap();
        assert_eq!(port, "30303");
        let pod = h.strip_suffix(&format!(".eth-geth.chain.svc.{DOMAIN}")).unwrap();
        let key = PrivateKey::from_hex(secret_text(&w, "eth-nodekeys", pod)).unwrap();
        assert_eq!(key.node_id(), id, "enode id of {pod} is its node key's");
        pods.insert(pod.to_string());
    }
    let want: BTreeSet<String> = pair_sets(&w, &m).into_iter().flat_map(|(_, p)| p).collect();
    assert_eq!(pods, want);
    for (sts, pods) in pair_sets(&w, &m) {
        let geth = container(&sts, "geth");
        let a = args(geth);
        assert!(a.contains(&"--nodiscover".to_string()));
        assert!(!a.iter().any(|x| x.starts_with("--bootnodes") || x == "--mine" || x.starts_with("--mine=")));
        // geth reads the copy its init container wrote without the pod's own enode.
        assert_eq!(flag(&a, "--config"), Some("/testnet/geth.toml"));
        assert_eq!(mount_path(geth, "testnet"), "/testnet");
        let testnet = container(&sts, "testnet");
        assert_eq!(mount_path(testnet, "geth-config"), "/config");
        assert!(testnet["command"][2].as_str().unwrap().contains("/config/geth.toml > /testnet/geth.toml"));
        assert_eq!(volume(&sts, "geth-config")["configMap"]["name"], "eth-geth-config");
        assert_eq!(flag(&a, "--miner.gaslimit"), Some("134217728"), "geth keeps the genesis gas limit");
        assert_eq!(flag(&a, "--nodekey"), Some("/nodekey/$(POD_NAME)"));
        let items = projected_secret_items(volume(&sts, "nodekey"));
        for pod in &pods {
            assert_eq!(items[pod], ("eth-nodekeys".to_string(), pod.clone()));
        }
        // A new peer list restarts nobody: new nodes dial the old ones, and the sidecars re-read
        // their list.
        assert!(sts["spec"]["template"]["metadata"]["annotations"].get(CONFIG_HASH_ANNOTATION).is_none());
    }
}

/// Runs `script` with busybox's `sh` when it is installed (the applets the images have), else
/// the system's `sh`, with `env` set and `dir` as the working directory.
pub(super) fn busybox_sh(script: &str, env: &[(&str, &str)], dir: &std::path::Path) -> std::process::Output {
    let busybox = std::path::Path::new("/bin/busybox").exists() || std::path::Path::new("/usr/bin/busybox").exists();
    let mut cmd = if busybox {
        let mut c = std::process::Command::new("busybox");
        c.arg("sh");
        c
    } else {
        std::process::Command::new("sh")
    };
    cmd.arg("-c").arg(script).current_dir(dir).envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn each_pod_drops_its_own_enode_and_keeps_the_lists_well_formed() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    let toml = find(&m, "ConfigMap", "eth-geth-config")["data"]["geth.toml"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.toml"), &toml).unwrap();
    let filter = node::without_own_enode("in.toml", "out.toml");
    let all: Vec<String> = pair_sets(&w, &m).into_iter().flat_map(|(_, p)| p).collect();
    for pod in &all {
        let o = busybox_sh(&filter, &[("POD_NAME", pod)], dir.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = std::fs::read_to_string(dir.path().join("out.toml")).unwrap();
        assert!(!out.contains(&format!("@{pod}.")), "{pod} still dials itself:\n{out}");
        for other in all.iter().filter(|p| *p != pod) {
            assert_eq!(out.matches(&format!("@{other}.")).count(), 2, "{other} in both lists:\n{out}");
        }
        // Commas between entries, none after the last (geth's TOML reader is TOML 0.4).
        for list in out.split("= [\n").skip(1) {
            let entries: Vec<&str> = list.split("\n]").next().unwrap().lines().collect();
            assert_eq!(entries.len(), all.len() - 1);
            for (k, e) in entries.iter().enumerate() {
                assert_eq!(e.ends_with(','), k + 1 < entries.len(), "{e}");
            }
        }
    }
}

#[test]
fn the_peer_list_carries_the_peer_ids_of_the_beacon_node_keys_and_no_flag_dials() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    let all: Vec<String> = pair_sets(&w, &m).into_iter().flat_map(|(_, p)| p).collect();
    let list = find(&m, "ConfigMap", "eth-geth-config")["data"]["beacon-peers"].as_str().unwrap().to_string();
    let mut listed = Vec::new();
    for line in list.lines() {
        let [pod, id, api]: [&str; 3] = line.split(' ').collect::<Vec<_>>().try_into().unwrap();
        let key = PrivateKey::from_bytes(&secret_bytes(&w, "eth-beacon-nodekeys", pod)).unwrap();
        assert_eq!(ethwasm_plugin_secrets::pos::peer_id(&key), id, "peer id of {pod} is its key's");
        assert_eq!(w.inputs.validators.beacon_nodes.iter().find(|b| b.pod == pod).unwrap().peer_id, id);
        assert_eq!(api, format!("http://{}:5052", host(pod)));
        listed.push(pod.to_string());
    }
    assert_eq!(listed, all, "every beacon node, once");
    for (sts, pods) in pair_sets(&w, &m) {
        let a = args(container(&sts, "beacon"));
        for gone in ["--libp2p-addresses", "--boot-nodes", "--trusted-peers"] {
            assert!(flag(&a, gone).is_none(), "{gone}: peers are dialled by the sidecar, not by flags");
        }
        // The sidecar: the geth image's busybox, the list mounted whole (so it updates in place).
        let peering = container(&sts, "peering");
        assert_eq!(peering["image"], "ethereum/client-go:v1.17.7");
        assert_eq!(mount_path(peering, "geth-config"), "/peering");
        assert!(peering["volumeMounts"][0].get("subPath").is_none());
        let script = peering["command"][2].as_str().unwrap();
        assert!(script.contains("self=\"http://127.0.0.1:5052\""), "{script}");
        assert!(script.contains(repair::PEERS_FILE));
        assert_eq!(peering["resources"]["limits"]["memory"], "64Mi");
        // The key file: the pod's raw 32 bytes, where Lighthouse reads it for its datadir.
        assert_eq!(flag(&a, "--datadir"), Some(BEACON_DATADIR));
        assert_eq!(BEACON_KEY_FILE, format!("{BEACON_DATADIR}/beacon/network/key"));
        assert_eq!(BEACON_NETWORK_DIR, format!("{BEACON_DATADIR}/beacon/network"));
        let init = container(&sts, "beacon-key");
        let script = init["command"][2].as_str().unwrap();
        assert!(script.contains(&format!("cp \"/beacon-key/$POD_NAME\" {BEACON_KEY_FILE}")), "{script}");
        assert_eq!(mount_path(init, "beacon-key"), "/beacon-key");
        assert_eq!(mount_path(init, "data"), DATA);
        let items = projected_secret_items(volume(&sts, "beacon-key"));
        for pod in &pods {
            assert_eq!(items[pod], ("eth-beacon-nodekeys".to_string(), pod.clone()));
            assert_eq!(secret_bytes(&w, "eth-beacon-nodekeys", pod).len(), 32);
        }
        for f in ["--disable-enr-auto-update", "--supernode", "--http"] {
            assert!(a.contains(&f.to_string()), "{f} missing from {a:?}");
        }
        // The sync flag is chosen at start (pos::checkpoint): genesis, or another pair's checkpoint.
        assert!(!a.iter().any(|f| f.contains("genesis-sync") || f.contains("checkpoint")), "{a:?}");
        let beacon = container(&sts, "beacon");
        assert_eq!(beacon["command"][3], "lighthouse");
        assert!(beacon["command"][2].as_str().unwrap().contains("--allow-insecure-genesis-sync"));
        assert_eq!(flag(&a, "--enr-address"), Some("$(POD_IP)"));
        assert_eq!(flag(&a, "--port"), Some("9000"));
        assert_eq!(flag(&a, "--http-address"), Some("0.0.0.0"));
        assert!(flag(&a, "--target-peers").is_none(), "the default already exceeds a small mesh");
    }
    // A large mesh raises the target above it.
    let w = world(50, 3, 50, json!({}));
    let m = run(&w, &Values::default()).manifests();
    for (sts, _) in pair_sets(&w, &m) {
        let a = args(container(&sts, "beacon"));
        assert_eq!(flag(&a, "--target-peers"), Some("57"), "52 other beacon nodes + 5");
    }
}

#[test]
fn the_testnet_dir_holds_genesis_ssz_beside_config_and_deposit_block() {
    let w = default_world();
    let m = run(&w, &Values::default()).manifests();
    let pos = w.inputs.genesis.pos.as_ref().unwrap();
    let sts = find(&m, "StatefulSet", "eth-signer-1");
    let init = container(sts, "testnet");
    let script = init["command"][2].as_str().unwrap();
    assert!(script.contains("cat /genesis-ssz/part-0 /genesis-ssz/part-1 | gunzip > /testnet/genesis.ssz"), "{script}");
    assert!(script.contains(&format!("echo '{}  /testnet/genesis.ssz' | sha256sum -c -", "ab".repeat(32))));
    assert!(script.contains("cp /testnet-config/config.yaml /testnet-config/deposit_contract_block.txt /testnet/"));
    // part-k is ConfigMap k's part, in order.
    let sources = volume(sts, "genesis-ssz")["projected"]["sources"].as_array().unwrap().clone();
    for (k, s) in sources.iter().enumerate() {
        assert_eq!(s["configMap"]["name"], pos.genesis_ssz_parts[k].as_str());
        assert_eq!(s["configMap"]["items"][0], json!({ "key": "genesis.ssz.gz.part", "path": format!("part-{k}") }));
    }
    assert_eq!(volume(sts, "testnet-config")["configMap"]["name"], "eth-testnet");
    assert_eq!(volume(sts, "testnet")["emptyDir"], json!({}));
    assert_eq!(mount_path(init, "testnet"), TESTNET_DIR);
    let beacon = container(sts, "beacon");
    assert_eq!(flag(&args(beacon), "--testnet-dir"), Some(TESTNET_DIR));
    assert_eq!(mount_path(beacon, "testnet"), TESTNET_DIR);
    // geth init only on an empty data dir, from the genesis ConfigMap.
    let g = container(sts, "init-genesis")["command"][2].as_str().unwrap().to_string();
    assert!(g.starts_with("if [ -d /data/geth/geth/chaindata ]"), "{g}");
    assert!(g.contains("geth init --datadir=/data/geth /genesis/genesis.json"), "{g}");
    assert_eq!(flag(&args(container(sts, "geth")), "--datadir"), Some("/data/geth"));
    // Lighthouse's validator client reads the same dir: from v8.1.0 it takes the genesis time and
    // validators root from genesis.ssz there (not from a beacon node), as do its slashing
    // protection commands.
    let vc = find(&m, "StatefulSet", "eth-validator-1");
    assert_eq!(flag(&args(container(vc, "validator")), "--testnet-dir"), Some(TESTNET_DIR));
    assert_eq!(volume(vc, "testnet")["emptyDir"], json!({}));
    assert_eq!(volume(vc, "testnet-config")["configMap"]["name"], "eth-testnet");
    let unpack = container(vc, "testnet");
    let unpacks = unpack["command"][2].as_str().unwrap();
    assert!(
        unpacks.contains("gunzip > /testnet/genesis.ssz") && script.starts_with(unpacks),
        "the pair's own unpacking"
    );
    assert_eq!(mount_path(unpack, "testnet"), TESTNET_DIR);
    assert_eq!(mount_path(container(vc, "validator"), "testnet"), TESTNET_DIR);
}

#[test]
fn validator_clients_pair_with_their_signer_and_never_share_a_key() {
    let w = world(3, 1, 10, json!({}));
    let m = run(&w, &Values::default()).manifests();
    let vcs: Vec<&Value> =
        kinds(&m, "StatefulSet").filter(|s| s["metadata"]["labels"]["app.kubernetes.io/name"] == "validator").collect();
    assert_eq!(vcs.len(), 3);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (c, vc) in vcs.iter().enumerate() {
        assert_eq!(vc["metadata"]["name"], format!("eth-validator-{c}"));
        assert_eq!(vc["spec"]["replicas"], 1, "one pod per slice");
        let signer = &w.inputs.signers.signers[c];
        let a = args(container(vc, "validator"));
        assert_eq!(a[0], "validator_client");
        // Its own beacon node first, then every other one as a fallback.
        let own = format!("http://{}:5052", host(&signer.pod));
        let nodes: Vec<&str> = flag(&a, "--beacon-nodes").unwrap().split(',').collect();
        assert_eq!(nodes[0], own);
        let mut want: Vec<String> =
            w.inputs.validators.beacon_nodes.iter().map(|b| format!("http://{}:5052", host(&b.pod))).collect();
        want.retain(|u| *u != own);
        assert_eq!(nodes[1..], want.iter().map(String::as_str).collect::<Vec<_>>()[..]);
        assert_eq!(flag(&a, "--suggested-fee-recipient"), Some(signer.address.as_str()));
        let beacon = args(container(find(&m, "StatefulSet", &signer.stateful_set), "beacon"));
        assert_eq!(flag(&beacon, "--suggested-fee-recipient"), Some(signer.address.as_str()));
        // Its keystores: the Secrets of client c, and only those.
        let client = &w.inputs.validators.clients[c];
        let sources = volume(vc, "keystores")["projected"]["sources"].as_array().unwrap().clone();
        let secrets: Vec<&str> = sources.iter().map(|s| s["secret"]["name"].as_str().unwrap()).collect();
        assert_eq!(secrets, client.keystore_secrets);
        let mut keys = BTreeSet::new();
        for s in &secrets {
            for k in find(&w.secrets, "Secret", s)["stringData"].as_object().unwrap().keys() {
                keys.insert(k.trim_end_matches(".json").to_string());
            }
        }
        let want: BTreeSet<String> = w.inputs.validators.pubkeys
            [client.first as usize..(client.first + client.count) as usize]
            .iter()
            .cloned()
            .collect();
        assert_eq!(keys, want);
        assert!(keys.is_disjoint(&seen), "a key on two validator clients");
        seen.extend(keys);
        let script = container(vc, "validators")["command"][2].as_str().unwrap().to_string();
        assert!(script.contains(&format!("if [ \"$n\" != {} ]", client.count)));
    }
    assert_eq!(seen.len(), w.inputs.validators.pubkeys.len());
    let pdb = find(&m, "PodDisruptionBudget", "eth-validators");
    assert_eq!(pdb["spec"]["maxUnavailable"], 0);
    assert_eq!(pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"], "validator");
    // A given fee recipient wins.
    let mut v = Values::default();
    v.validator.fee_recipient = format!("0x{}", "aB".repeat(20));
    let m = run(&w, &v).manifests();
    let a = args(container(find(&m, "StatefulSet", "eth-validator-2"), "validator"));
    assert_eq!(flag(&a, "--suggested-fee-recipient"), Some(v.validator.fee_recipient.as_str()));
}

/// Runs a pod's shell script natively with its absolute paths moved under `root`.
/// `script` (a validator client's start script) with every run counting as one that lasted
/// through its doppelganger wait: the stand-in clients exit at once, and the tests that use this
/// are about other rules (`history_tests.rs` tests the mark of an unfinished wait).
pub(super) fn waited_through(script: &str) -> String {
    script.replace(&format!("-ge {}", 4 * 32 * 12), "-ge 0")
}

/// The line a stand-in client printed in a start script's output (its command line): the one
/// before the script says the client exited.
pub(super) fn client_line(out: &str) -> &str {
    let lines: Vec<&str> = out.lines().collect();
    let exited = lines.iter().position(|l| l.starts_with("the validator client exited with status"));
    exited.and_then(|k| k.checked_sub(1)).map_or("", |k| lines[k])
}

fn sh(script: &str, root: &std::path::Path, moved: &[&str], args: &[&str], path: Option<&std::path::Path>) -> String {
    let mut s = waited_through(script);
    for dir in moved {
        s = s.replace(dir, &format!("{}{dir}", root.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(&s).arg("lighthouse").args(args);
    if let Some(p) = path {
        cmd.env("PATH", format!("{}:{}", p.display(), std::env::var("PATH").unwrap_or_default()));
    }
    let out = cmd.output().expect("sh runs");
    assert!(out.status.success(), "script failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_validator_init_lays_out_keystores_and_definitions_where_lighthouse_looks() {
    let w = world(2, 0, 5, json!({}));
    let m = run(&w, &Values::default()).manifests();
    let client = &w.inputs.validators.clients[0];
    let vc = find(&m, "StatefulSet", "eth-validator-0");
    let init = container(vc, "validators");
    assert_eq!(mount_path(init, "keystores"), "/keystores");
    assert_eq!(mount_path(init, "data"), DATA);
    let script = init["command"][2].as_str().unwrap();
    // Lay out the keystores of its Secrets the way the pod's projected volume does.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("keystores")).unwrap();
    for s in &client.keystore_secrets {
        for (k, text) in find(&w.secrets, "Secret", s)["stringData"].as_object().unwrap() {
            std::fs::write(root.join("keystores").join(k), text.as_str().unwrap()).unwrap();
        }
    }
    // A key that left this client's slice since its last start.
    let stale = root.join("data/validators/0xdead");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("voting-keystore.json"), "{}").unwrap();
    for _ in 0..2 {
        // Twice: a restart finds its own read-only copies and replaces them.
        sh(script, root, &["/data", "/keystores"], &[], None);
    }
    assert!(!stale.exists(), "a key that left the slice leaves the volume");
    let defs = std::fs::read_to_string(root.join("data/validators/validator_definitions.yml")).unwrap();
    let field = |entry: &str, name: &str| -> String {
        let line = entry.lines().find(|l| l.trim_start().starts_with(&format!("{name}:"))).unwrap();
        line.split_once(": ").unwrap().1.trim_matches('"').to_string()
    };
    let entries: Vec<&str> = defs.trim_start_matches("---\n").split("- enabled: true\n").skip(1).collect();
    assert_eq!(entries.len() as u32, client.count);
    let validator = container(vc, "validator");
    let password_mount = mount_path(validator, "password");
    for e in entries {
        assert_eq!(field(e, "type"), "local_keystore");
        let pk = field(e, "voting_public_key");
        let path = field(e, "voting_keystore_path");
        let rel = path.strip_prefix(&root.display().to_string()).unwrap();
        assert_eq!(rel, format!("{VALIDATORS_DIR}/{pk}/voting-keystore.json"));
        let ks: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(format!("0x{}", ks["pubkey"].as_str().unwrap()), pk, "the keystore of that key");
        // The password file is the client's password, on the validator's Secret mount.
        let pw = field(e, "voting_keystore_password_path");
        assert_eq!(pw, PASSWORD_FILE);
        assert_eq!(format!("{password_mount}/password"), pw);
    }
    let vol = volume(vc, "password");
    assert_eq!(vol["secret"]["secretName"], client.password.secret_name.as_str());
    assert_eq!(vol["secret"]["items"][0], json!({ "key": client.password.key, "path": "password" }));
    // Lighthouse's validators dir is <datadir>/validators: where the definitions are.
    let a = args(validator);
    assert_eq!(format!("{}/validators", flag(&a, "--datadir").unwrap()), VALIDATORS_DIR);
    assert!(a.contains(&"--disable-auto-discover".to_string()));
    assert_eq!(mount_path(validator, "data"), DATA);
    // A missing keystore Secret stops the pod instead of running fewer keys.
    std::fs::remove_file(std::fs::read_dir(root.join("keystores")).unwrap().next().unwrap().unwrap().path()).unwrap();
    let moved = script
        .replace("/data", &format!("{}/data", root.display()))
        .replace("/keystores", &format!("{}/keystores", root.display()));
    assert!(!std::process::Command::new("sh").arg("-c").arg(moved).output().unwrap().status.success());
}

#[test]
fn slashing_protection_is_created_when_absent_and_new_keys_are_watched_for_first() {
    let w = world(1, 0, 2, json!({}));
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("lighthouse");
    std::fs::write(&fake, "#!/bin/sh\necho \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    for doppelganger in [true, false] {
        let mut v = Values::default();
        v.validator.doppelganger_protection = doppelganger;
        let m = run(&w, &v).manifests();
        let c = container(find(&m, "StatefulSet", "eth-validator-0"), "validator");
        assert_eq!(c["command"][0], "sh");
        let script = c["command"][2].as_str().unwrap();
        assert_eq!(c["command"][3], "lighthouse", "$0; the arguments follow");
        let a = args(c);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        // What the validators init container leaves: one directory per key.
        let _ = std::fs::remove_dir_all(root.join("data"));
        std::fs::create_dir_all(root.join("data/validators/0xaa")).unwrap();
        let db = root.join("data/validators/slashing_protection.sqlite");
        let watch = if doppelganger { " --enable-doppelganger-protection" } else { "" };
        // First start: the database is created, and the keys are new to this volume.
        let fresh = sh(script, root, &["/data"], &a, Some(&bin));
        assert!(client_line(&fresh).starts_with("validator_client --testnet-dir=/testnet"), "{fresh}");
        assert!(client_line(&fresh).ends_with(&format!("--init-slashing-protection{watch}")), "{fresh}");
        // A restart with the same keys: nothing extra.
        std::fs::write(&db, b"").unwrap();
        let again = sh(script, root, &["/data"], &a, Some(&bin));
        assert!(client_line(&again).starts_with("validator_client ") && !again.contains("--init-slashing"), "{again}");
        assert!(!client_line(&again).contains("doppelganger"), "{again}");
        // A key moved here (the signer count changed): registered, and watched for before it signs.
        std::fs::create_dir_all(root.join("data/validators/0xbb")).unwrap();
        let moved = sh(script, root, &["/data"], &a, Some(&bin));
        assert!(client_line(&moved).ends_with(&format!("--init-slashing-protection{watch}")), "{moved}");
        // And the next start with the same keys is plain again.
        let again = sh(script, root, &["/data"], &a, Some(&bin));
        assert!(
            !client_line(&again).contains("--init-slashing") && !client_line(&again).contains("doppelganger"),
            "{again}"
        );
    }
}

#[test]
fn validator_clients_are_stopped_before_changes_and_say_their_slice() {
    let w = world(2, 0, 4, json!({}));
    let m = run(&w, &Values::default()).manifests();
    for (c, slice) in [(0, "0..2"), (1, "2..4")] {
        let sts = find(&m, "StatefulSet", &format!("eth-validator-{c}"));
        assert_eq!(sts["metadata"]["annotations"][STOP_BEFORE_CHANGE_ANNOTATION], "validator-keys");
        assert_eq!(sts["spec"]["template"]["metadata"]["annotations"][VALIDATORS_ANNOTATION], slice);
    }
    // Only validator clients: the nodes roll as StatefulSets do.
    let signer = find(&m, "StatefulSet", "eth-signer-0");
    assert!(signer["metadata"].get("annotations").and_then(|a| a.get(STOP_BEFORE_CHANGE_ANNOTATION)).is_none());
}

/// What the host's waves read: validator clients weigh their validators against a budget of
/// under a third of the stake, and say what they hold (so an image bump moves no key); pairs
/// restart one beacon node at a time, ready only once synced.
#[test]
fn workloads_declare_their_rollout_budgets() {
    use super::paths::{
        HOLDS_ANNOTATION, ROLLOUT_BUDGET_ANNOTATION, ROLLOUT_GROUP_ANNOTATION, ROLLOUT_WEIGHT_ANNOTATION,
    };
    let chart = world(4, 1, 64, json!({}));
    let m = run(&chart, &Values::default()).manifests();
    for c in 0..4 {
        let sts = find(&m, "StatefulSet", &format!("eth-validator-{c}"));
        let a = &sts["metadata"]["annotations"];
        assert_eq!(
            (a[ROLLOUT_GROUP_ANNOTATION].as_str(), a[ROLLOUT_WEIGHT_ANNOTATION].as_str()),
            (Some("stake"), Some("16"))
        );
        assert_eq!(a[ROLLOUT_BUDGET_ANNOTATION], "21", "64 validators: 21 down leaves 43, over two thirds");
        assert_eq!(a[HOLDS_ANNOTATION], sts["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION]);
    }
    for name in ["eth-signer-0", "eth-signer-3", "eth-rpc"] {
        let sts = find(&m, "StatefulSet", name);
        let a = &sts["metadata"]["annotations"];
        assert_eq!(
            (a[ROLLOUT_GROUP_ANNOTATION].as_str(), a[ROLLOUT_BUDGET_ANNOTATION].as_str()),
            (Some("beacon-nodes"), Some("1"))
        );
        let peering = container(sts, "peering");
        assert!(peering["readinessProbe"]["exec"]["command"][2].as_str().unwrap().contains("is_syncing"));
    }
    // podAnnotations reach every pod.
    let v: Values = serde_json::from_value(json!({ "podAnnotations": { "fake-kubelet/ready-delay": "2" } })).unwrap();
    for sts in run(&default_world(), &v).manifests().iter().filter(|o| o["kind"] == "StatefulSet") {
        assert_eq!(
            sts["spec"]["template"]["metadata"]["annotations"]["fake-kubelet/ready-delay"], "2",
            "{}",
            sts["metadata"]["name"]
        );
    }
}

#[test]
fn every_path_an_argument_names_is_mounted_and_every_mount_has_a_volume() {
    let w = default_world();
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.persistence.enabled = false;
    every_path_is_mounted(&run(&w, &v).manifests());
}

/// Every path an argument names is on a mount of its container, every mount has a volume, and
/// no port name is used twice in a pod.
pub(super) fn every_path_is_mounted(m: &[Value]) {
    for sts in kinds(m, "StatefulSet") {
        let spec = pod_spec(sts);
        let mut volumes: BTreeSet<&str> =
            spec["volumes"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        for c in sts["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten() {
            volumes.insert(c["metadata"]["name"].as_str().unwrap());
        }
        let containers =
            spec["containers"].as_array().unwrap().iter().chain(spec["initContainers"].as_array().unwrap());
        for c in containers {
            let mounts: Vec<&str> = c["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    assert!(
                        volumes.contains(m["name"].as_str().unwrap()),
                        "{} has no volume {}",
                        sts["metadata"]["name"],
                        m["name"]
                    );
                    let path = m["mountPath"].as_str().unwrap();
                    assert!(path.len() > 1 && path.starts_with('/') && !path.ends_with('/'), "mount path {path:?}");
                    path
                })
                .collect();
            for a in args(c) {
                let Some((_, value)) = a.split_once('=') else { continue };
                if !value.starts_with('/') || value.starts_with("/dns4/") {
                    continue;
                }
                assert!(
                    mounts.iter().any(|m| value == *m || value.starts_with(&format!("{m}/"))),
                    "{}/{}: {a} is on no mount ({mounts:?})",
                    sts["metadata"]["name"],
                    c["name"]
                );
            }
            // Ports are unique in a pod (the servicemonitor example selects geth's `metrics`).
        }
        let mut names = BTreeSet::new();
        for c in spec["containers"].as_array().unwrap() {
            for p in c["ports"].as_array().into_iter().flatten() {
                assert!(names.insert(p["name"].as_str().unwrap().to_string()), "port {} twice", p["name"]);
            }
        }
    }
}

#[test]
fn probes_services_and_metrics() {
    let w = default_world();
    let mut v = Values::default();
    v.metrics.enabled = true;
    v.rpc.network_policy.enabled = true;
    let m = run(&w, &v).manifests();
    let rpc = find(&m, "StatefulSet", "eth-rpc");
    assert_eq!(container(rpc, "geth")["readinessProbe"]["httpGet"], json!({ "path": "/", "port": "http" }));
    let signer = find(&m, "StatefulSet", "eth-signer-0");
    assert_eq!(container(signer, "geth")["readinessProbe"]["tcpSocket"]["port"], "p2p");
    assert!(!args(container(signer, "geth")).iter().any(|a| a.starts_with("--http")), "signers serve no RPC");
    for sts in [rpc, signer] {
        let b = container(sts, "beacon");
        assert_eq!(b["readinessProbe"]["httpGet"], json!({ "path": "/eth/v1/node/health", "port": "beacon-api" }));
        assert!(b["ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "beacon-metrics" && p["containerPort"] == 5054));
        // What examples/servicemonitor scrapes: port `metrics` on pods named geth.
        let g = container(sts, "geth");
        assert!(g["ports"].as_array().unwrap().iter().any(|p| p["name"] == "metrics" && p["containerPort"] == 6060));
        assert_eq!(sts["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"], "geth");
        assert_eq!(flag(&args(g), "--ethstats"), Some("$(POD_NAME):$(WS_SECRET)@eth-ethstats:80"));
    }
    let vc = container(find(&m, "StatefulSet", "eth-validator-0"), "validator");
    assert_eq!(vc["readinessProbe"]["tcpSocket"]["port"], "vc-metrics");
    assert_eq!(flag(&args(vc), "--metrics-port"), Some("5064"));
    let svc = find(&m, "Service", "eth-rpc");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8545);
    assert_eq!(svc["spec"]["ports"][1]["port"], 8546);
    assert_eq!(svc["spec"]["selector"]["app.kubernetes.io/component"], "rpc");
    let beacon = find(&m, "Service", "eth-beacon");
    assert_eq!(
        beacon["spec"]["ports"][0],
        json!({ "name": "beacon-api", "port": 5052, "targetPort": "beacon-api", "protocol": "TCP" })
    );
    assert_eq!(beacon["spec"]["selector"], svc["spec"]["selector"]);
    let np = find(&m, "NetworkPolicy", "eth-rpc");
    let public: Vec<u64> =
        np["spec"]["ingress"][0]["ports"].as_array().unwrap().iter().map(|p| p["port"].as_u64().unwrap()).collect();
    assert_eq!(public, [8545, 8546, 5052]);
    let p2p = np["spec"]["ingress"][1]["ports"].as_array().unwrap();
    assert!(p2p.iter().any(|p| p["port"] == 9001 && p["protocol"] == "UDP"));
    // Without metrics, a validator client has no probe and no ports.
    let m = run(&w, &Values::default()).manifests();
    let vc = container(find(&m, "StatefulSet", "eth-validator-0"), "validator");
    assert!(vc.get("readinessProbe").is_none() && vc.get("ports").is_none());
}

#[test]
fn fewer_signers_render_fewer_pairs_and_clients() {
    let m = run(&world(2, 0, 4, json!({})), &Values::default()).manifests();
    assert!(m.iter().all(|o| o["metadata"]["name"] != "eth-signer-2" && o["metadata"]["name"] != "eth-validator-2"));
    assert!(m.iter().all(|o| o["metadata"]["name"] != "eth-beacon" && o["metadata"]["name"] != "eth-rpc"));
    assert_eq!(kinds(&m, "StatefulSet").count(), 4);
}

/// Fewer validators than signers: the signers without keys run no validator client, the render
/// says so, and the notes' slices are the pods' own (half-open), never indices that do not exist.
#[test]
fn signers_without_validators_run_no_client_and_are_named() {
    let w = world(4, 0, 2, json!({}));
    let (out, warnings) = crate::render_warned(&rel(), &Values::default(), &w.inputs).unwrap();
    let m = out.manifests();
    let vcs: Vec<&str> = kinds(&m, "StatefulSet")
        .filter_map(|s| s["metadata"]["name"].as_str())
        .filter(|n| n.starts_with("eth-validator-"))
        .collect();
    assert_eq!(vcs.len(), 2, "{vcs:?}");
    let said = warnings.iter().find(|w| w.contains("get no validator keys")).expect("a warning");
    assert!(said.starts_with("2 validators over 4 signers"), "{said}");
    let notes = out.get_notes().unwrap().to_string();
    for vc in &vcs {
        let slice = find(&m, "StatefulSet", vc)["spec"]["template"]["metadata"]["annotations"]["ethwasm.io/validators"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(notes.contains(&format!("{vc}: validators {slice}, beside")), "{slice}: {notes}");
    }
}

#[test]
fn notes_say_how_to_reach_rpc_the_beacon_api_finality_and_the_mnemonic() {
    let w = default_world();
    let notes = run(&w, &Values::default()).get_notes().unwrap().to_string();
    for want in [
        "kubectl -n chain port-forward svc/eth-rpc 8545:8545",
        "kubectl -n chain port-forward svc/eth-beacon 5052:5052",
        "curl -s http://localhost:5052/eth/v1/beacon/states/head/finality_checkpoints",
        "kubectl -n chain get secret eth-validator-mnemonic -o jsonpath='{.data.mnemonic}' | base64 -d",
        "eth-validator-0: validators 0..4, beside eth-signer-0-0",
        // Epochs 2 and 3 justified, 2 finalized: the start of epoch 4, 4 x 32 x 12 s.
        "at the start of epoch 4, 1536 s (~26 min) after genesis",
    ] {
        assert!(notes.contains(want), "{want} missing from:\n{notes}");
    }
    let notes = run(&world(1, 0, 1, json!({})), &Values::default()).get_notes().unwrap().to_string();
    assert!(notes.contains("port-forward pod/eth-signer-0-0 5052:5052"), "{notes}");
}

#[test]
fn missing_proof_of_stake_inputs_and_bad_values_say_what_to_do() {
    let mut w = world(1, 0, 1, json!({}));
    let mut v = Values::default();
    v.validator.fee_recipient = "0x12".into();
    match crate::render(&rel(), &v, &w.inputs) {
        Err(PluginError::InvalidValues(m)) => assert!(m.starts_with("validator.feeRecipient"), "{m}"),
        other => panic!("{other:?}"),
    }
    w.inputs.validators.beacon_nodes.clear();
    match crate::render(&rel(), &Values::default(), &w.inputs) {
        Err(PluginError::MissingInput(m)) => {
            assert!(m.contains("no beacon node key for pod eth-signer-0-0"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    w.inputs.genesis.pos = None;
    assert!(matches!(crate::render(&rel(), &Values::default(), &w.inputs), Err(PluginError::MissingInput(_))));
}

#[test]
fn the_charts_values_parse_and_keep_their_defaults() {
    let v: Values = serde_json::from_value(json!({
        "beacon": { "image": { "tag": "v8.3.3" }, "supernode": false, "service": { "type": "NodePort" } },
        "validator": { "persistence": { "storageClass": "fast" }, "podDisruptionBudget": { "maxUnavailable": 0 },
                       "nodeSelector": { "pool": "validators" } },
    }))
    .unwrap();
    assert!(!v.beacon.supernode && v.beacon.subscribe_all_subnets);
    assert_eq!(v.validator.persistence.size, "1Gi", "a partial persistence keeps the validator's size");
    assert_eq!(v.validator.placement.node_selector["pool"], "validators");
    let m = run(&default_world(), &v).manifests();
    let vc = find(&m, "StatefulSet", "eth-validator-0");
    assert_eq!(vc["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"], "fast");
    assert_eq!(pod_spec(vc)["nodeSelector"]["pool"], "validators");
    assert!(!args(container(find(&m, "StatefulSet", "eth-rpc"), "beacon")).contains(&"--supernode".to_string()));
    assert_eq!(find(&m, "PodDisruptionBudget", "eth-validators")["spec"]["maxUnavailable"], 0);
}

/// The budgets' selectors, and the pods of every workload they match.
fn budgets_by_pod(m: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for sts in kinds(m, "StatefulSet") {
        let labels = sts["spec"]["template"]["metadata"]["labels"].as_object().unwrap();
        let matching: Vec<String> = kinds(m, "PodDisruptionBudget")
            .filter(|b| {
                b["spec"]["selector"]["matchLabels"].as_object().unwrap().iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        out.insert(sts["metadata"]["name"].as_str().unwrap().to_string(), matching);
    }
    out
}

#[test]
fn every_pod_has_one_budget_and_drains_never_cost_finality() {
    // 4 even slices: one client may go; the signer pairs' budget counts pods, and their clients
    // fall back to other beacon nodes, so a pair down costs no stake.
    let (m, warnings) = crate::render_warned(&rel(), &Values::default(), &world(4, 1, 64, json!({})).inputs).unwrap();
    let m = m.manifests();
    assert!(warnings.is_empty(), "{warnings:?}");
    for (sts, budgets) in budgets_by_pod(&m) {
        assert_eq!(budgets.len(), 1, "{sts} is matched by {budgets:?}: a pod under two budgets cannot be evicted");
    }
    assert_eq!(find(&m, "PodDisruptionBudget", "eth-validators")["spec"]["maxUnavailable"], 1);
    assert_eq!(find(&m, "PodDisruptionBudget", "eth-signers")["spec"]["maxUnavailable"], 1);
    // 2 halves: none may go, and the render says why.
    let (m, warnings) = crate::render_warned(&rel(), &Values::default(), &world(2, 1, 64, json!({})).inputs).unwrap();
    assert_eq!(find(&m.manifests(), "PodDisruptionBudget", "eth-validators")["spec"]["maxUnavailable"], 0);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("eth-validator-0 holds 32 of the 64 validators (50%)"), "{}", warnings[0]);
    assert!(warnings[0].contains("32/64 (50%)"), "{}", warnings[0]);
    // Asking for more than the stake can spare is refused.
    let mut v = Values::default();
    v.validator.pod_disruption_budget.max_unavailable = Some(2);
    match crate::render(&rel(), &v, &world(4, 0, 64, json!({})).inputs) {
        Err(PluginError::InvalidValues(m)) => assert!(m.contains("at most 1 may be down"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn supernode_false_warns_with_the_custody_numbers() {
    let mut v = Values::default();
    v.beacon.supernode = false;
    let (_, warnings) = crate::render_warned(&rel(), &v, &world(4, 1, 64, json!({})).inputs).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("the 5 beacon nodes keep at most 68 of the 128 data column groups"),
        "{}",
        warnings[0]
    );
}

#[test]
fn pods_are_sized_probed_spread_and_given_time_to_stop() {
    let mut v = Values::default();
    v.metrics.enabled = true;
    let m = run(&world(4, 1, 8, json!({})), &v).manifests();
    for name in ["eth-signer-0", "eth-rpc"] {
        let sts = find(&m, "StatefulSet", name);
        let spec = pod_spec(sts);
        assert!(spec["terminationGracePeriodSeconds"].as_u64().unwrap() >= 120, "geth needs time to flush");
        assert_eq!(spec["securityContext"]["fsGroupChangePolicy"], "OnRootMismatch");
        let geth = container(sts, "geth");
        assert_eq!(geth["resources"]["requests"]["memory"], "1Gi");
        assert_eq!(container(sts, "beacon")["resources"]["limits"]["memory"], "8Gi");
        for c in ["geth", "beacon"] {
            let c = container(sts, c);
            assert!(c["startupProbe"].is_object() && c["livenessProbe"].is_object(), "{c}");
        }
        assert_eq!(
            container(sts, "beacon")["livenessProbe"]["httpGet"]["path"],
            "/eth/v1/node/version",
            "alive while the API answers, even with geth down"
        );
        for init in spec["initContainers"].as_array().unwrap() {
            assert!(init["resources"]["limits"]["memory"].is_string(), "{init}");
        }
        let spread = spec["topologySpreadConstraints"].as_array().unwrap();
        let keys: Vec<&str> = spread.iter().map(|c| c["topologyKey"].as_str().unwrap()).collect();
        assert_eq!(keys, ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
        assert!(spread.iter().all(|c| c["whenUnsatisfiable"] == "ScheduleAnyway"));
        let selector = spread[0]["labelSelector"]["matchLabels"].as_object().unwrap();
        assert!(selector.get("ethwasm.io/node-set").is_none(), "spread over the whole group, not one set");
    }
    let vc = find(&m, "StatefulSet", "eth-validator-0");
    assert_eq!(pod_spec(vc)["terminationGracePeriodSeconds"], 120, "the client's stop and its history's export");
    let c = container(vc, "validator");
    assert_eq!(c["resources"]["requests"]["memory"], "256Mi");
    assert_eq!(c["livenessProbe"]["tcpSocket"]["port"], "vc-metrics");
    assert!(pod_spec(vc)["topologySpreadConstraints"].is_array());
    // Resources are the values': {} means none.
    let mut v = Values::default();
    v.beacon.resources = json!({});
    v.validator.placement.resources = json!({ "requests": { "cpu": "2" } });
    let m = run(&world(4, 1, 8, json!({})), &v).manifests();
    assert!(container(find(&m, "StatefulSet", "eth-signer-0"), "beacon").get("resources").is_none());
    let vc = container(find(&m, "StatefulSet", "eth-validator-0"), "validator");
    assert_eq!(vc["resources"], json!({ "requests": { "cpu": "2" } }));
}

#[test]
fn the_first_start_check_runs_only_where_a_volume_remembers() {
    let m = run(&world(4, 0, 8, json!({})), &Values::default()).manifests();
    let vc = find(&m, "StatefulSet", "eth-validator-1");
    let init = container(vc, "first-start");
    assert_eq!(init["image"], "ethereum/client-go:v1.17.7", "busybox wget");
    let script = init["command"][2].as_str().unwrap();
    assert!(script.contains(r#"'["2","3"]'"#), "client 1's validators: {script}");
    assert!(script.contains("for api in http://eth-signer-1-0."), "its own beacon node first: {script}");
    let mut v = Values::default();
    v.validator.persistence.enabled = false;
    let m = run(&world(4, 0, 8, json!({})), &v).manifests();
    let names: Vec<&str> = pod_spec(find(&m, "StatefulSet", "eth-validator-1"))["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["testnet", "validators"], "an emptyDir client always waits");
}
