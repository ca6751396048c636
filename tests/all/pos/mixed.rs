//! The chart's mixed-clients example (charts/ethereum/examples/mixed-clients.yaml), rendered
//! through the built components: every client of the spread reads, through its own flags and
//! mounts, the files its init containers make from the render's real Secrets and ConfigMaps.

use super::keys;
use super::pod::PodFs;
use ethwasm::job::{Job, Spec};
use ethwasm::manifest::Object;
use ethwasm_plugin_secrets::eth::PrivateKey;
use ethwasm_tests::{chart_spec, root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn chart() -> &'static [Object] {
    static OBJECTS: OnceLock<Vec<Object>> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        let mut source = Spec {
            release: Some("eth".into()),
            ..chart_spec("chain", Some("6b".repeat(32)), &["genesis.pos.genesisTime=1767225600"])
        };
        source.values.files.push(root().join("charts/ethereum/examples/mixed-clients.yaml"));
        let job = Job::resolve(&source).expect("resolve");
        ethwasm::render::render(&job.request).expect("render").objects
    })
}

fn stateful_set<'a>(objs: &'a [Object], name: &str) -> &'a Value {
    &objs.iter().find(|o| o.key.kind == "StatefulSet" && o.key.name == name).unwrap_or_else(|| panic!("no {name}")).body
}

fn image<'a>(p: &PodFs<'a>, container: &str) -> &'a str {
    p.container(container)["image"].as_str().unwrap()
}

/// The consensus client an image runs.
fn client_of(image: &str) -> &'static str {
    ["lighthouse", "teku", "prysm", "lodestar"]
        .into_iter()
        .find(|c| image.contains(c))
        .unwrap_or_else(|| panic!("{image}"))
}

/// Every pair pod, laid out.
fn pairs(objs: &[Object]) -> Vec<PodFs<'_>> {
    let mut pods: Vec<PodFs<'_>> =
        (0..4).map(|i| PodFs::new(objs, stateful_set(objs, &format!("eth-signer-{i}")), 0)).collect();
    // A StatefulSet an RPC pair, named after it.
    pods.push(PodFs::new(objs, stateful_set(objs, "eth-rpc-geth-teku"), 0));
    pods.push(PodFs::new(objs, stateful_set(objs, "eth-rpc-reth-lodestar"), 0));
    pods
}

/// Every pair pod's enode URL, from the node key its own execution client loads, in the format
/// that client reads (Nethermind's raw bytes after its `node-files` init container ran).
fn enodes(pods: &[PodFs<'_>]) -> BTreeMap<String, String> {
    let mut enodes = BTreeMap::new();
    for p in pods {
        let c = p.container_at(0)["name"].as_str().unwrap();
        let key = match c {
            "nethermind" => {
                p.run("node-files");
                let raw = p.read(c, &p.flag(c, "--KeyStore.EnodeKeyFile").unwrap());
                assert_eq!(raw.len(), 32, "{}: 32 raw bytes", p.pod);
                PrivateKey::from_bytes(&raw).unwrap()
            }
            _ => {
                let flag = match c {
                    "besu" => "--node-private-key-file",
                    "reth" => "--p2p-secret-key",
                    _ => "--nodekey",
                };
                PrivateKey::from_hex(String::from_utf8(p.read(c, &p.flag(c, flag).unwrap())).unwrap().trim()).unwrap()
            }
        };
        enodes.insert(p.pod.clone(), format!("enode://{}@{}:30303", key.node_id(), p.dns_name()));
    }
    enodes
}

#[test]
fn the_example_runs_every_supported_client() {
    let objs = chart();
    let beacon: BTreeSet<&str> = pairs(objs).iter().map(|p| client_of(image(p, "beacon"))).collect();
    let vcs: BTreeSet<&str> = (0..4)
        .map(|i| PodFs::new(objs, stateful_set(objs, &format!("eth-validator-{i}")), 0))
        .map(|p| client_of(image(&p, "validator")))
        .collect();
    let want: BTreeSet<&str> = ["lighthouse", "lodestar", "prysm", "teku"].into();
    assert_eq!((beacon, vcs), (want.clone(), want));
    let execution: BTreeSet<String> = pairs(objs)
        .iter()
        .map(|p| p.container_at(0)["image"].as_str().unwrap().split(':').next().unwrap().to_string())
        .collect();
    let want = ["ethereum/client-go", "ghcr.io/paradigmxyz/reth", "hyperledger/besu", "nethermind/nethermind"];
    assert_eq!(execution, want.map(String::from).into());
}

/// Every Besu node reads the genesis geth is initialised from, its node key (the one geth would
/// read: the enode id every other node dials), its pair's JWT, and static nodes naming every other
/// execution node, whichever client it runs, by the id of the key that node loads.
#[test]
fn besu_nodes_read_the_genesis_their_key_jwt_and_every_other_nodes_enode() {
    let objs = chart();
    let pods = pairs(objs);
    let exec = |p: &PodFs<'_>| p.container_at(0)["name"].as_str().unwrap().to_string();
    // Each node's enode, from the key its own client loads.
    let enodes = enodes(&pods);
    let besu: Vec<&PodFs<'_>> = pods.iter().filter(|p| exec(p) == "besu").collect();
    assert_eq!(besu.len(), 1, "signer 1");
    let geth_pod = pods.iter().find(|p| exec(p) == "geth").unwrap();
    let genesis = geth_pod.read("init-genesis", "/genesis/genesis.json");
    for p in besu {
        assert_eq!(p.read("besu", &p.flag("besu", "--genesis-file").unwrap()), genesis, "{}", p.pod);
        let jwt = p.read("besu", &p.flag("besu", "--engine-jwt-secret").unwrap());
        // Its beacon node (Teku beside signer 1, Lighthouse beside signer 3) reads the same JWT.
        let beacon_jwt = match client_of(image(p, "beacon")) {
            "teku" => "--ee-jwt-secret-file",
            "prysm" => "--jwt-secret",
            _ => "--execution-jwt",
        };
        assert_eq!(p.read("beacon", &p.flag("beacon", beacon_jwt).unwrap()), jwt, "{}", p.pod);
        p.run("testnet");
        let list = p.read("besu", &p.flag("besu", "--static-nodes-file").unwrap());
        let list: BTreeSet<String> = serde_json::from_slice::<Vec<String>>(&list).unwrap().into_iter().collect();
        let others: BTreeSet<String> =
            enodes.iter().filter(|(pod, _)| **pod != p.pod).map(|(_, e)| e.clone()).collect();
        assert_eq!(list, others, "{}", p.pod);
    }
}

/// Every Reth node reads the genesis geth is initialised from and its pair's JWT, waits for its
/// peers' names, and trusts every other execution node by the id of the key that node loads.
#[test]
fn reth_nodes_read_the_genesis_and_trust_every_other_nodes_enode() {
    let objs = chart();
    let pods = pairs(objs);
    let exec = |p: &PodFs<'_>| p.container_at(0)["name"].as_str().unwrap().to_string();
    let enodes = enodes(&pods);
    let reth: Vec<&PodFs<'_>> = pods.iter().filter(|p| exec(p) == "reth").collect();
    assert_eq!(reth.len(), 2, "signer 2 and RPC node 1");
    let geth_pod = pods.iter().find(|p| exec(p) == "geth").unwrap();
    let genesis = geth_pod.read("init-genesis", "/genesis/genesis.json");
    for p in reth {
        assert_eq!(p.read("reth", &p.flag("reth", "--chain").unwrap()), genesis, "{}", p.pod);
        let jwt = p.read("reth", &p.flag("reth", "--authrpc.jwtsecret").unwrap());
        // Prysm beside it on signer 2, Lodestar on RPC node 1.
        let flag = if client_of(image(p, "beacon")) == "prysm" { "--jwt-secret" } else { "--jwtSecret" };
        assert_eq!(p.read("beacon", &p.flag("beacon", flag).unwrap()), jwt, "{}: its beacon node", p.pod);
        p.run("testnet");
        let list = String::from_utf8(p.read("reth", "/testnet/reth-peers")).unwrap();
        let list: BTreeSet<String> = list.split(',').map(String::from).collect();
        let others: BTreeSet<String> =
            enodes.iter().filter(|(pod, _)| **pod != p.pod).map(|(_, e)| e.clone()).collect();
        assert_eq!(list, others, "{}", p.pod);
        assert!(p.container("resolve-peers")["command"][2].as_str().unwrap().contains("/testnet/reth-peers"));
    }
}

/// Every Teku beacon node reads its pair's JWT (the one its execution client reads), its libp2p key (the
/// protobuf of the key in the beacon node keys Secret), the testnet files, and static peers that
/// name every other beacon node at its DNS name with the peer id of the key that node loads.
#[test]
fn teku_beacon_nodes_read_their_jwt_key_testnet_and_every_other_nodes_peer_id() {
    let objs = chart();
    let pods = pairs(objs);
    // Each node's peer id, from the key its own client loads.
    let mut ids = BTreeMap::new();
    for p in &pods {
        p.run("beacon-key");
        let key = if client_of(image(p, "beacon")) == "prysm" {
            let text = p.read("beacon", &p.flag("beacon", "--p2p-priv-key").unwrap());
            assert_eq!(text.len(), 64, "{}: 64 hex digits, nothing else", p.pod);
            let text = String::from_utf8(text).unwrap();
            (0..32).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap()).collect::<Vec<u8>>()
        } else if client_of(image(p, "beacon")) == "lodestar" {
            let json: Value = serde_json::from_slice(
                &p.read("beacon", &format!("{}/peer-id.json", p.flag("beacon", "--dataDir").unwrap())),
            )
            .unwrap();
            use base64::Engine;
            let private = base64::engine::general_purpose::STANDARD.decode(json["privKey"].as_str().unwrap()).unwrap();
            assert_eq!(private[..4], [0x08, 0x02, 0x12, 0x20], "{}: libp2p's protobuf private key", p.pod);
            private[4..].to_vec()
        } else if image(p, "beacon").starts_with("consensys/teku:") {
            let text =
                String::from_utf8(p.read("beacon", &p.flag("beacon", "--p2p-private-key-file").unwrap())).unwrap();
            let hex = text.trim().strip_prefix("0x08021220").expect("libp2p's protobuf private key, secp256k1");
            (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect::<Vec<u8>>()
        } else {
            let datadir = p.flag("beacon", "--datadir").unwrap();
            p.read("beacon", &format!("{datadir}/beacon/network/key"))
        };
        ids.insert(p.pod.clone(), keys::peer_id(&key));
    }
    let teku: Vec<&PodFs<'_>> = pods.iter().filter(|p| image(p, "beacon").starts_with("consensys/teku:")).collect();
    assert_eq!(teku.len(), 2, "signer 1 and the RPC node");
    for p in teku {
        // The pair's execution client: geth or Besu, each naming its JWT and engine port.
        let (exec, jwt_flag, port_flag) = match p.container_at(0)["name"].as_str().unwrap() {
            "geth" => ("geth", "--authrpc.jwtsecret", "--authrpc.port"),
            _ => ("besu", "--engine-jwt-secret", "--engine-rpc-port"),
        };
        let jwt = p.flag("beacon", "--ee-jwt-secret-file").unwrap();
        assert_eq!(p.read("beacon", &jwt), p.read(exec, &p.flag(exec, jwt_flag).unwrap()), "{}", p.pod);
        let engine = format!("http://127.0.0.1:{}", p.flag(exec, port_flag).unwrap());
        assert_eq!(p.flag("beacon", "--ee-endpoint"), Some(engine));
        p.run("testnet");
        let config = p.read("beacon", &p.flag("beacon", "--network").unwrap());
        assert!(String::from_utf8(config).unwrap().contains("CONFIG_NAME"), "{}: config.yaml", p.pod);
        assert!(!p.read("beacon", &p.flag("beacon", "--genesis-state").unwrap()).is_empty());
        let peers = String::from_utf8(p.read("beacon", &p.flag("beacon", "--p2p-static-peers-url").unwrap())).unwrap();
        let port = p.flag("beacon", "--p2p-port").unwrap();
        let want: BTreeSet<String> = pods
            .iter()
            .filter(|o| o.pod != p.pod)
            .map(|o| format!("/dns4/{}/tcp/{port}/p2p/{}", o.dns_name(), ids[&o.pod]))
            .collect();
        assert_eq!(peers.lines().map(String::from).collect::<BTreeSet<_>>(), want, "{}", p.pod);
    }
}

/// Every Teku validator client finds each key of its slice beside a password that opens it, in
/// the directories `--validator-keys` names.
#[test]
fn teku_validator_clients_load_keystores_their_passwords_open() {
    let objs = chart();
    let mut seen = 0;
    for i in [1] {
        let p = PodFs::new(objs, stateful_set(objs, &format!("eth-validator-{i}")), 0);
        assert!(image(&p, "validator").starts_with("consensys/teku:"));
        p.run("validators");
        let (keys_dir, passwords) = p
            .flag("validator", "--validator-keys")
            .unwrap()
            .split_once(':')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap();
        let dir = p.host("validator", &keys_dir);
        for e in std::fs::read_dir(&dir).unwrap() {
            let file = e.unwrap().file_name().into_string().unwrap();
            let pk = file.strip_suffix(".json").unwrap();
            let keystore: Value = serde_json::from_slice(&p.read("validator", &format!("{keys_dir}/{file}"))).unwrap();
            let password = String::from_utf8(p.read("validator", &format!("{passwords}/{pk}.txt"))).unwrap();
            assert!(keys::opens(&keystore, password.trim_end()), "{}: {pk}", p.pod);
            seen += 1;
        }
    }
    assert_eq!(seen, 16, "signer 1's quarter of the 64 validators runs in Teku");
}

/// Every Prysm beacon node reads its pair's JWT and the testnet files, and its peering sidecar
/// lists every other beacon node with the peer id of the key that node loads; every Prysm
/// validator client imports keystores its password opens.
#[test]
fn prysm_nodes_read_their_jwt_and_testnet_and_import_keystores_their_password_opens() {
    let objs = chart();
    let pods = pairs(objs);
    let prysm: Vec<&PodFs<'_>> = pods.iter().filter(|p| client_of(image(p, "beacon")) == "prysm").collect();
    assert_eq!(prysm.len(), 1, "signer 2");
    for p in prysm {
        // Its execution client (Reth beside signer 2) reads the same JWT.
        let exec = p.container_at(0)["name"].as_str().unwrap();
        let jwt = p.read("beacon", &p.flag("beacon", "--jwt-secret").unwrap());
        assert_eq!(jwt, p.read(exec, &p.flag(exec, "--authrpc.jwtsecret").unwrap()), "{}", p.pod);
        p.run("testnet");
        let config = p.read("beacon", &p.flag("beacon", "--chain-config-file").unwrap());
        assert!(String::from_utf8(config).unwrap().contains("CONFIG_NAME"));
        assert!(!p.read("beacon", &p.flag("beacon", "--genesis-state").unwrap()).is_empty());
        let list = String::from_utf8(p.read("peering", "/peering/beacon-peers")).unwrap();
        assert_eq!(list.lines().count(), pods.len(), "{}: every beacon node (the sidecar skips itself)", p.pod);
    }
    let vc = PodFs::new(objs, stateful_set(objs, "eth-validator-2"), 0);
    assert_eq!(client_of(image(&vc, "validator")), "prysm");
    vc.run("validators");
    let keys_dir = vc.flag("wallet", "--keys-dir").unwrap();
    let password =
        String::from_utf8(vc.read("wallet", &vc.flag("wallet", "--account-password-file").unwrap())).unwrap();
    assert!(password.len() >= 8 && !password.ends_with('\n'), "Prysm's wallet needs 8 characters, read untrimmed");
    let mut opened = 0;
    for e in std::fs::read_dir(vc.host("wallet", &keys_dir)).unwrap() {
        let file = e.unwrap().file_name().into_string().unwrap();
        let keystore: Value = serde_json::from_slice(&vc.read("wallet", &format!("{keys_dir}/{file}"))).unwrap();
        assert!(keystore["pubkey"].is_string(), "Prysm skips a keystore without its pubkey");
        assert!(keys::opens(&keystore, &password), "{file}");
        opened += 1;
    }
    assert_eq!(opened, 16);
}

/// The Lodestar beacon node reads its pair's JWT, the testnet files, and its peer-id.json (whose
/// peer id is the one every peer list names, checked above); the Lodestar validator client finds
/// each keystore beside a secret that opens it.
#[test]
fn lodestar_nodes_read_their_jwt_testnet_and_keys() {
    let objs = chart();
    let pods = pairs(objs);
    let lodestar: Vec<&PodFs<'_>> = pods.iter().filter(|p| client_of(image(p, "beacon")) == "lodestar").collect();
    assert_eq!(lodestar.len(), 2, "signer 3 and RPC node 1");
    for p in lodestar {
        // The execution client beside it (Nethermind on signer 3, Reth on RPC node 1) reads the
        // same JWT.
        let jwt = p.read("beacon", &p.flag("beacon", "--jwtSecret").unwrap());
        let (exec, flag) = match p.container_at(0)["name"].as_str().unwrap() {
            "nethermind" => ("nethermind", "--JsonRpc.JwtSecretFile"),
            _ => ("reth", "--authrpc.jwtsecret"),
        };
        assert_eq!(jwt, p.read(exec, &p.flag(exec, flag).unwrap()), "{}", p.pod);
        p.run("testnet");
        let config = p.read("beacon", &p.flag("beacon", "--paramsFile").unwrap());
        assert!(String::from_utf8(config).unwrap().contains("CONFIG_NAME"));
        assert!(!p.read("beacon", &p.flag("beacon", "--genesisStateFile").unwrap()).is_empty());
        p.run("beacon-key");
        let json: Value = serde_json::from_slice(
            &p.read("beacon", &format!("{}/peer-id.json", p.flag("beacon", "--dataDir").unwrap())),
        )
        .unwrap();
        assert_eq!(json["id"], keys::peer_id(&p.read("beacon-key", &format!("/beacon-key/{}", p.pod))));
    }
    let vc = PodFs::new(objs, stateful_set(objs, "eth-validator-3"), 0);
    assert_eq!(client_of(image(&vc, "validator")), "lodestar");
    vc.run("validators");
    let (keys_dir, secrets_dir) =
        (vc.flag("validator", "--keystoresDir").unwrap(), vc.flag("validator", "--secretsDir").unwrap());
    let mut opened = 0;
    for e in std::fs::read_dir(vc.host("validator", &keys_dir)).unwrap() {
        let pk = e.unwrap().file_name().into_string().unwrap();
        let keystore: Value =
            serde_json::from_slice(&vc.read("validator", &format!("{keys_dir}/{pk}/voting-keystore.json"))).unwrap();
        let password = String::from_utf8(vc.read("validator", &format!("{secrets_dir}/{pk}"))).unwrap();
        assert!(keys::opens(&keystore, &password), "{pk}");
        opened += 1;
    }
    assert_eq!(opened, 16);
}

/// The Nethermind node reads the genesis geth is initialised from, its pair's JWT, and static
/// nodes naming every other execution node by the id of the key that node loads.
#[test]
fn nethermind_reads_the_genesis_its_raw_key_and_every_other_nodes_enode() {
    let objs = chart();
    let pods = pairs(objs);
    let enodes = enodes(&pods);
    let nm: Vec<&PodFs<'_>> = pods.iter().filter(|p| p.container_at(0)["name"] == "nethermind").collect();
    assert_eq!(nm.len(), 1, "signer 3");
    let geth_pod = pods.iter().find(|p| p.container_at(0)["name"] == "geth").unwrap();
    let genesis = geth_pod.read("init-genesis", "/genesis/genesis.json");
    for p in nm {
        assert_eq!(p.read("nethermind", &p.flag("nethermind", "--Init.ChainSpecPath").unwrap()), genesis);
        let list = p.read("nethermind", &p.flag("nethermind", "--Init.StaticNodesPath").unwrap());
        let list: BTreeSet<String> = serde_json::from_slice::<Vec<String>>(&list).unwrap().into_iter().collect();
        let others: BTreeSet<String> =
            enodes.iter().filter(|(pod, _)| **pod != p.pod).map(|(_, e)| e.clone()).collect();
        assert_eq!(list, others, "{}", p.pod);
    }
}
