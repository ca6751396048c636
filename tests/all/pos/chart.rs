//! The Ethereum chart with proof of stake, rendered through the built components: every
//! workload the miners plugin renders reads the keys, peers and genesis the secrets and genesis
//! plugins made. Each is followed the way the pod would: through the container's own flags and
//! mounts, with the init scripts run on the render's real Secrets and ConfigMaps, and keys
//! derived independently where the test can ([`super::keys`]). That the genesis state commits
//! to the execution genesis block hash is tests/pos/run.sh's (crosscheck.py over this chart's
//! render); here, that every pod starts from exactly those files.

use super::keys;
use super::pod::{self, PodFs};
use ethwasm::job::{Job, Spec};
use ethwasm::manifest::Object;
use ethwasm_plugin_secrets::eth::PrivateKey;
use ethwasm_tests::chart_spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

/// Three signers (10 validators split 4/3/3 over their clients) and two RPC pods that share one
/// StatefulSet, so `$(POD_NAME)` has to pick each pod's own files. `global.consensus` comes from
/// the chart's `globals`.
const CHART_POS: [&str; 5] = [
    "genesis.consensus=pos",
    "genesis.pos.genesisTime=1767225600",
    "global.topology.signers=3",
    "global.topology.rpcNodes=2",
    "global.topology.validators=10",
];

/// The chart rendered once, with a fixed seed, for every test below.
fn chart() -> &'static [Object] {
    static OBJECTS: OnceLock<Vec<Object>> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        let source = Spec { release: Some("eth".into()), ..chart_spec("chain", Some("5a".repeat(32)), &CHART_POS) };
        let job = Job::resolve(&source).expect("resolve");
        ethwasm::render::render(&job.request).expect("render").objects
    })
}

fn body<'a>(objs: &'a [Object], kind: &str, name: &str) -> &'a Value {
    &objs.iter().find(|o| o.key.kind == kind && o.key.name == name).unwrap_or_else(|| panic!("no {kind} {name}")).body
}

/// The StatefulSets whose pods run a container named `container`.
fn stateful_sets_running<'a>(objs: &'a [Object], container: &str) -> Vec<&'a Value> {
    objs.iter()
        .filter(|o| o.key.kind == "StatefulSet")
        .map(|o| &o.body)
        .filter(|s| {
            s["spec"]["template"]["spec"]["containers"].as_array().unwrap().iter().any(|c| c["name"] == container)
        })
        .collect()
}

/// Every pod that runs geth beside a beacon node, its volumes laid out.
fn pair_pods(objs: &[Object]) -> Vec<PodFs<'_>> {
    let pods: Vec<PodFs<'_>> = stateful_sets_running(objs, "beacon")
        .into_iter()
        .flat_map(|s| (0..s["spec"]["replicas"].as_u64().unwrap() as usize).map(move |k| PodFs::new(objs, s, k)))
        .collect();
    let names: Vec<&str> = pods.iter().map(|p| p.pod.as_str()).collect();
    assert_eq!(names, ["eth-rpc-0", "eth-rpc-1", "eth-signer-0-0", "eth-signer-1-0", "eth-signer-2-0"]);
    pods
}

fn b64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn secret(name: &str, key: &str) -> pod::FileSource {
    ("Secret".into(), name.into(), key.into())
}

/// Every execution/beacon pair: geth's `--authrpc.jwtsecret` and the beacon node's
/// `--execution-jwt` are the same file, the key of the JWT Secret named after that pod.
fn check_jwts(objs: &[Object]) {
    let pods = pair_pods(objs);
    let mut jwts = BTreeSet::new();
    for p in &pods {
        let at_geth = p.flag("geth", "--authrpc.jwtsecret").expect("geth names its JWT file");
        let at_beacon = p.flag("beacon", "--execution-jwt").expect("the beacon node names its JWT file");
        let own = secret("eth-jwt", &p.pod);
        assert_eq!(p.source("geth", &at_geth), Some(&own), "{}: geth reads {at_geth}", p.pod);
        assert_eq!(p.source("beacon", &at_beacon), Some(&own), "{}: the beacon node reads {at_beacon}", p.pod);
        let jwt = String::from_utf8(p.read("geth", &at_geth)).unwrap();
        assert_eq!(p.read("beacon", &at_beacon), jwt.as_bytes());
        assert!(jwt.len() == 64 && jwt.bytes().all(|b| b.is_ascii_hexdigit()), "{}: 32 bytes in hex: {jwt}", p.pod);
        jwts.insert(jwt);
        // The engine API the beacon node dials is this pod's geth, where the JWT guards it.
        let (addr, port) = (p.flag("geth", "--authrpc.addr").unwrap(), p.flag("geth", "--authrpc.port").unwrap());
        assert_eq!(p.flag("beacon", "--execution-endpoint"), Some(format!("http://{addr}:{port}")), "{}", p.pod);
    }
    assert_eq!(jwts.len(), pods.len(), "one secret per pair");
}

/// Every beacon node loads its own key from the beacon node keys Secret (its init container
/// copies it where Lighthouse reads it), and every other node's peering sidecar finds it in its
/// peer list at its DNS name and API port, with the peer id derived from that key. No beacon
/// node is given peers in its flags (Lighthouse would dial them once and never again).
fn check_beacon_peers(objs: &[Object]) {
    let pods = pair_pods(objs);
    let keys_secret = &body(objs, "Secret", "eth-beacon-nodekeys")["data"];
    // Each node's key where Lighthouse reads it, <datadir>/beacon/network/key, once its init
    // container has run.
    let mut ids = BTreeMap::new();
    for p in &pods {
        p.run("beacon-key");
        let datadir = p.flag("beacon", "--datadir").unwrap();
        let key = p.read("beacon", &format!("{datadir}/beacon/network/key"));
        assert_eq!(key, b64(keys_secret[&p.pod].as_str().unwrap()), "{}: its key from the Secret, raw", p.pod);
        ids.insert(p.pod.clone(), keys::peer_id(&key));
    }
    assert_eq!(ids.values().collect::<BTreeSet<_>>().len(), pods.len(), "one peer id per node");

    for p in &pods {
        for flag in ["--libp2p-addresses", "--boot-nodes", "--trusted-peers"] {
            assert_eq!(p.flag("beacon", flag), None, "{}: {flag}", p.pod);
        }
        // The sidecar talks to its own beacon node's API, and reads the list through its mount.
        let script = p.container("peering")["command"][2].as_str().unwrap().to_string();
        let own = format!("self=\"http://127.0.0.1:{}\"", p.flag("beacon", "--http-port").unwrap());
        assert!(script.contains(&own), "{}: {script}", p.pod);
        let list = String::from_utf8(p.read("peering", "/peering/beacon-peers")).unwrap();
        let mut listed = BTreeSet::new();
        for line in list.lines() {
            let [pod, id, api]: [&str; 3] = line.split(' ').collect::<Vec<_>>().try_into().unwrap();
            let target = pods.iter().find(|t| t.pod == pod).unwrap_or_else(|| panic!("{line} names no pair pod"));
            assert_eq!(id, ids[&target.pod], "{}: {line} carries the peer id of {}'s key", p.pod, target.pod);
            let port = target.flag("beacon", "--http-port").unwrap();
            assert_eq!(api, format!("http://{}:{port}", target.dns_name()), "{line}: where its API listens");
            listed.insert(pod.to_string());
        }
        let all: BTreeSet<String> = pods.iter().map(|t| t.pod.clone()).collect();
        assert_eq!(listed, all, "{}: every beacon node (the sidecar skips its own line)", p.pod);
    }
    // The names resolve before the pods are ready: their headless Service publishes them.
    for s in stateful_sets_running(objs, "beacon") {
        let svc = &body(objs, "Service", s["spec"]["serviceName"].as_str().unwrap())["spec"];
        assert_eq!((&svc["clusterIP"], &svc["publishNotReadyAddresses"]), (&Value::from("None"), &Value::from(true)));
        let labels = &s["spec"]["template"]["metadata"]["labels"];
        assert!(svc["selector"].as_object().unwrap().iter().all(|(k, v)| &labels[k] == v), "{svc} selects the pods");
    }
}

/// The quoted entries of `key = [ ... ]` in the `[Node.P2P]` table of geth.toml.
fn toml_list(toml: &str, key: &str) -> BTreeSet<String> {
    let table = &toml[toml.find("[Node.P2P]\n").expect("a [Node.P2P] table")..];
    let list = &table[table.find(&format!("\n{key} = [\n")).unwrap_or_else(|| panic!("no {key} in {table}"))..];
    let list = &list[..list.find("\n]").unwrap()];
    list.lines().skip(2).map(|l| l.trim().trim_end_matches(',').trim_matches('"').to_string()).collect()
}

/// geth.toml's static and trusted nodes are every execution node, by DNS name, with the id of the
/// node key that node's geth loads.
fn check_static_nodes(objs: &[Object]) {
    let pods = pair_pods(objs);
    let mut enodes = BTreeSet::new();
    let mut enodes_by_pod = Vec::new();
    for p in &pods {
        let at = p.flag("geth", "--nodekey").expect("geth names its node key");
        assert_eq!(p.source("geth", &at), Some(&secret("eth-nodekeys", &p.pod)), "{}: geth reads {at}", p.pod);
        let key = PrivateKey::from_hex(String::from_utf8(p.read("geth", &at)).unwrap().trim()).unwrap();
        let enode = format!("enode://{}@{}:{}", key.node_id(), p.dns_name(), p.flag("geth", "--port").unwrap());
        enodes.insert(enode.clone());
        enodes_by_pod.push(enode);
    }
    assert_eq!(enodes.len(), pods.len());
    for (p, own) in pods.iter().zip(&enodes_by_pod) {
        let args = &p.container("geth")["args"];
        assert!(args.as_array().unwrap().contains(&Value::from("--nodiscover")), "{}: static peers only", p.pod);
        // geth reads the copy its init container writes, without its own enode.
        p.run("testnet");
        let toml = String::from_utf8(p.read("geth", &p.flag("geth", "--config").unwrap())).unwrap();
        let others: BTreeSet<String> = enodes.iter().filter(|e| *e != own).cloned().collect();
        assert_eq!(toml_list(&toml, "StaticNodes"), others, "{}: every other execution node, by its key's id", p.pod);
        assert_eq!(toml_list(&toml, "TrustedNodes"), others, "{}", p.pod);
    }
}

/// Every genesis validator (from the state the beacon nodes unpack) runs in exactly one validator
/// client: its keystore, from a Secret of that client's signer's slice, where the client's
/// `validator_definitions.yml` says, in Lighthouse's validators dir under `--datadir`, and the
/// password file the definition names opens it.
fn check_validator_slices(objs: &[Object]) {
    // The genesis validators: the state a beacon node unpacks (its init container checks the
    // sha256 the genesis plugin reported).
    let signer = PodFs::new(objs, body(objs, "StatefulSet", "eth-signer-0"), 0);
    signer.run("testnet");
    let testnet = signer.flag("beacon", "--testnet-dir").unwrap();
    let (genesis_time, genesis) = keys::genesis_validators(&signer.read("beacon", &format!("{testnet}/genesis.ssz")));
    assert_eq!((genesis_time, genesis.len()), (1767225600, 10), "the state of the chart's values");

    let mut clients_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut slice_secrets: BTreeMap<String, String> = BTreeMap::new();
    let vcs = stateful_sets_running(objs, "validator");
    assert_eq!(vcs.len(), 3, "one client per signer");
    for sts in vcs {
        let name = sts["metadata"]["name"].as_str().unwrap();
        let c = name.strip_prefix("eth-validator-").unwrap();
        assert_eq!(sts["spec"]["replicas"], 1, "{name}: one pod, so its slice never runs twice");
        let p = PodFs::new(objs, sts, 0);
        // It signs through its own signer's beacon node, and falls back to every other.
        let api = |b: &PodFs<'_>| format!("http://{}:{}", b.dns_name(), b.flag("beacon", "--http-port").unwrap());
        let beacon = PodFs::new(objs, body(objs, "StatefulSet", &format!("eth-signer-{c}")), 0);
        let nodes = p.flag("validator", "--beacon-nodes").unwrap();
        let nodes: Vec<&str> = nodes.split(',').collect();
        assert_eq!(nodes[0], api(&beacon), "{name}: its own beacon node first");
        let fallbacks: BTreeSet<String> = pair_pods(objs).iter().filter(|b| b.pod != beacon.pod).map(api).collect();
        assert_eq!(nodes[1..].iter().map(|n| n.to_string()).collect::<BTreeSet<_>>(), fallbacks, "{name}");

        p.run("validators");
        // Lighthouse's validators dir is <datadir>/validators, and its definitions name the rest.
        let dir = format!("{}/validators", p.flag("validator", "--datadir").unwrap());
        let defs = p.read("validator", &format!("{dir}/validator_definitions.yml"));
        let defs: Vec<Value> = serde_yaml::from_slice(&defs).unwrap();
        assert!(!defs.is_empty(), "{name} runs validators");
        for d in &defs {
            let pubkey = d["voting_public_key"].as_str().unwrap();
            assert_eq!((&d["enabled"], &d["type"]), (&Value::from(true), &Value::from("local_keystore")), "{d}");
            let at = p.seen_as("validator", Path::new(d["voting_keystore_path"].as_str().unwrap()));
            assert!(at.starts_with(&format!("{dir}/")), "{name}: {at} is in the validators dir {dir}");
            let keystore_bytes = p.read("validator", &at);
            let keystore: Value = serde_json::from_slice(&keystore_bytes).unwrap();
            assert_eq!(format!("0x{}", keystore["pubkey"].as_str().unwrap()), pubkey, "{at}");
            // Copied unchanged from a Secret of this client's signer's slice.
            let copied_from = format!("/keystores/{pubkey}.json");
            assert_eq!(p.read("validators", &copied_from), keystore_bytes);
            let (kind, secret_name, _) = p.source("validators", &copied_from).expect("a Secret key").clone();
            assert!(
                kind == "Secret" && secret_name.starts_with(&format!("eth-signer-{c}-validators-")),
                "{secret_name}"
            );
            if let Some(other) = slice_secrets.insert(secret_name.clone(), name.to_string()) {
                assert_eq!(other, name, "{secret_name} is mounted by two validator clients");
            }
            // The password file the definition names, from the Secret, opens the keystore.
            let password_at = d["voting_keystore_password_path"].as_str().unwrap();
            let source = p.source("validator", password_at).expect("the password is a Secret key");
            assert_eq!(source, &secret("eth-validator-passwords", &format!("signer-{c}")), "{name}");
            let password = String::from_utf8(p.read("validator", password_at)).unwrap();
            assert!(keys::opens(&keystore, &password), "{name}: its password opens {pubkey}");
            clients_of.entry(pubkey.to_string()).or_default().push(name.to_string());
        }
    }
    for pubkey in &genesis {
        assert_eq!(clients_of.get(pubkey).map(Vec::len), Some(1), "{pubkey} runs in {:?}", clients_of.get(pubkey));
    }
    assert_eq!(clients_of.len(), genesis.len(), "no client runs a key that is not in the genesis");
}

/// Every pair starts from the genesis files tests/pos/run.sh verifies: the beacon node's testnet
/// dir holds the genesis.ssz the ConfigMap parts make (its sha256 checked by the init container)
/// beside the testnet ConfigMap's files, and geth is initialised from the genesis ConfigMap.
fn check_genesis_files(objs: &[Object]) {
    let mut states = BTreeSet::new();
    for p in pair_pods(objs) {
        // The beacon node: genesis.ssz rebuilt from the ConfigMap parts (the init container
        // fails unless its sha256 is the one the genesis plugin reported), beside config.yaml
        // and deposit_contract_block.txt from the testnet ConfigMap.
        p.run("testnet");
        let testnet = p.flag("beacon", "--testnet-dir").unwrap();
        for file in ["config.yaml", "deposit_contract_block.txt"] {
            let want = body(objs, "ConfigMap", "eth-testnet")["data"][file].as_str().unwrap();
            assert_eq!(p.read("beacon", &format!("{testnet}/{file}")), want.as_bytes(), "{}: {file}", p.pod);
        }
        states.insert(p.read("beacon", &format!("{testnet}/genesis.ssz")));
        // geth: `geth init` of the genesis ConfigMap's genesis.json, in the datadir geth runs on.
        let out = p.run_with("init-genesis", &["geth"]);
        let args: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(args[0], "init", "{}: {out}", p.pod);
        let datadir = args.iter().find_map(|a| a.strip_prefix("--datadir=")).unwrap();
        assert_eq!(Some(p.seen_as("geth", Path::new(datadir))), p.flag("geth", "--datadir"), "{}", p.pod);
        let genesis = p.seen_as("init-genesis", Path::new(args.last().unwrap()));
        let source = p.source("init-genesis", &genesis);
        assert_eq!(source, Some(&("ConfigMap".into(), "eth-genesis".into(), "genesis.json".into())), "{}", p.pod);
    }
    assert_eq!(states.len(), 1, "every beacon node starts from the same state");
}

#[test]
fn every_pair_reads_its_own_jwt_in_both_containers_at_the_path_each_flag_names() {
    check_jwts(chart());
}

#[test]
fn the_peer_list_carries_the_peer_ids_of_the_keys_the_beacon_nodes_load() {
    // A known answer for the derivation (coincurve + base58 in tests/pos/crosscheck.py).
    let known = b64("WTr+NdEjkSUMwFeUqXfHw5yjHdXRFarFoRs0BtNSu0M=");
    assert_eq!(keys::peer_id(&known), "16Uiu2HAmK13J1DFXpGwxMaJ15zPCdrx76faE5tFbs6hnP3v78mq6");
    check_beacon_peers(chart());
}

#[test]
fn static_nodes_are_the_enodes_of_the_node_keys_every_geth_loads() {
    check_static_nodes(chart());
}

#[test]
fn each_genesis_validator_runs_in_exactly_one_client_from_its_slices_secrets() {
    check_validator_slices(chart());
}

#[test]
fn every_pair_starts_from_the_genesis_files_the_crosscheck_verifies() {
    check_genesis_files(chart());
}

fn body_mut<'a>(objs: &'a mut [Object], kind: &str, name: &str) -> &'a mut Value {
    &mut objs.iter_mut().find(|o| o.key.kind == kind && o.key.name == name).unwrap().body
}

/// Swaps the values of keys `a` and `b` of a map.
fn swap(map: &mut Value, a: &str, b: &str) {
    let x = map[a].take();
    map[a] = map[b].take();
    map[b] = x;
}

/// Negative controls: each check fails on the chart's render with one thing wired wrong.
#[test]
fn each_check_fails_when_what_it_checks_is_miswired() {
    let broken = |mutate: &dyn Fn(&mut Vec<Object>), check: fn(&[Object])| {
        let mut objs = chart().to_vec();
        mutate(&mut objs);
        std::panic::catch_unwind(|| check(&objs)).is_err()
    };
    // eth-rpc-1's beacon node reads eth-rpc-0's JWT.
    let other_jwt = |objs: &mut Vec<Object>| {
        let sts = body_mut(objs, "StatefulSet", "eth-rpc");
        let containers = sts["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap();
        let beacon = containers.iter_mut().find(|c| c["name"] == "beacon").unwrap();
        let arg = beacon["args"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|a| a.as_str().unwrap().starts_with("--execution-jwt="));
        *arg.unwrap() = "--execution-jwt=/jwt/eth-rpc-0".into();
    };
    assert!(broken(&other_jwt, check_jwts), "a beacon node reading another pair's JWT");
    let swapped_beacon_keys = |objs: &mut Vec<Object>| {
        swap(&mut body_mut(objs, "Secret", "eth-beacon-nodekeys")["data"], "eth-signer-0-0", "eth-rpc-1")
    };
    assert!(broken(&swapped_beacon_keys, check_beacon_peers), "beacon nodes loading keys their peers do not expect");
    let swapped_node_keys = |objs: &mut Vec<Object>| {
        swap(&mut body_mut(objs, "Secret", "eth-nodekeys")["stringData"], "eth-signer-1-0", "eth-rpc-0")
    };
    assert!(broken(&swapped_node_keys, check_static_nodes), "geths loading keys the static nodes do not name");
    // The client of signer 1 gets signer 0's password: right Secret key, wrong password.
    let wrong_password = |objs: &mut Vec<Object>| {
        let passwords = &mut body_mut(objs, "Secret", "eth-validator-passwords")["stringData"];
        passwords["signer-1"] = passwords["signer-0"].clone();
    };
    assert!(broken(&wrong_password, check_validator_slices), "a password that does not open the keystores");
    // One byte of the compressed genesis state changed.
    let corrupt_state = |objs: &mut Vec<Object>| {
        use base64::Engine;
        let part = &mut body_mut(objs, "ConfigMap", "eth-genesis-ssz-0")["binaryData"]["genesis.ssz.gz.part"];
        let mut bytes = b64(part.as_str().unwrap());
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        *part = base64::engine::general_purpose::STANDARD.encode(bytes).into();
    };
    assert!(broken(&corrupt_state, check_genesis_files), "a genesis state that is not the one reported");
}

/// A blob-parameter-only fork scheduled on the chart: the genesis state and block stay (the
/// pods' `ethwasm.io/genesis-id` and the genesis files' hashes in the notes), the genesis files'
/// digest changes (so the pods roll onto the new config), config.yaml's BLOB_SCHEDULE and geth's
/// chain config name the same moment, and the testnet ConfigMap carries it as a deadline.
#[test]
fn a_scheduled_blob_fork_keeps_the_genesis_and_agrees_on_its_time() {
    let fork =
        r#"genesis.pos.blobSchedule=[{"epoch": 100, "target": 21, "max": 28, "baseFeeUpdateFraction": 17526888}]"#;
    let scheduled = {
        let mut source = Spec { release: Some("eth".into()), ..chart_spec("chain", Some("5a".repeat(32)), &CHART_POS) };
        source.values.set_json.push(fork.into());
        let job = Job::resolve(&source).expect("resolve");
        ethwasm::render::render(&job.request).expect("render")
    };
    let (before, after) = (chart(), &scheduled.objects);
    let annotation = |objs: &[Object], name: &str| {
        body(objs, "StatefulSet", "eth-signer-0")["spec"]["template"]["metadata"]["annotations"][name].clone()
    };
    assert_eq!(annotation(before, "ethwasm.io/genesis-id"), annotation(after, "ethwasm.io/genesis-id"));
    assert!(annotation(before, "ethwasm.io/genesis-id").as_str().is_some_and(|r| r.len() == 66));
    assert_ne!(annotation(before, "ethwasm.io/genesis-hash"), annotation(after, "ethwasm.io/genesis-hash"));
    let ssz = |objs: &[Object]| -> Vec<Value> {
        objs.iter().filter(|o| o.key.name.starts_with("eth-genesis-ssz-")).map(|o| o.body.clone()).collect()
    };
    assert_eq!(ssz(before), ssz(after), "genesis.ssz is the same");
    let genesis: Value =
        serde_json::from_str(body(after, "ConfigMap", "eth-genesis")["data"]["genesis.json"].as_str().unwrap())
            .unwrap();
    let testnet = body(after, "ConfigMap", "eth-testnet");
    let config = testnet["data"]["config.yaml"].as_str().unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(config).unwrap();
    let genesis_time = 1_767_225_600u64;
    let slot: u64 = yaml["SECONDS_PER_SLOT"].as_u64().unwrap();
    let entry = yaml["BLOB_SCHEDULE"].as_sequence().unwrap().iter().find(|e| e["EPOCH"].as_u64() == Some(100));
    assert_eq!(entry.unwrap()["MAX_BLOBS_PER_BLOCK"].as_u64(), Some(28), "{config}");
    let at = genesis["config"]["bpo3Time"].as_u64().unwrap();
    assert_eq!(at, genesis_time + 100 * 32 * slot, "geth's bpo3Time is the first slot of epoch 100");
    assert_eq!(genesis["config"]["blobSchedule"]["bpo3"]["max"], 28);
    let deadlines: Value =
        serde_json::from_str(testnet["metadata"]["annotations"]["ethwasm.io/deadlines"].as_str().unwrap()).unwrap();
    assert_eq!(deadlines, serde_json::json!({ "BPO3 at epoch 100": at }));
    // The execution genesis hash and validators root the genesis notes name are the same.
    let notes = |objs_notes: &[(String, String)]| {
        objs_notes.iter().find(|(p, _)| p == "genesis").map(|(_, n)| n.clone()).unwrap_or_default()
    };
    let first = {
        let source = Spec { release: Some("eth".into()), ..chart_spec("chain", Some("5a".repeat(32)), &CHART_POS) };
        ethwasm::render::render(&Job::resolve(&source).unwrap().request).unwrap()
    };
    assert_eq!(notes(&first.notes), notes(&scheduled.notes));
}

/// Voluntary exits for two validators: signed by the secrets plugin over the genesis validators
/// root the genesis plugin built the genesis with (its notes name it) and the chain's Capella
/// version, each verifying against the validator's own public key (its keystore's), and a Job
/// that mounts them and posts them to the network's beacon Service.
#[test]
fn voluntary_exits_verify_against_the_genesis_and_a_job_submits_them() {
    use consensus_genesis::{signing, ForkVersions};
    use consensus_keys::bls;
    let mut source = Spec { release: Some("eth".into()), ..chart_spec("chain", Some("5a".repeat(32)), &CHART_POS) };
    source.values.set_json.push("secrets.validators.exits=[7, 3]".into());
    let rendered = ethwasm::render::render(&Job::resolve(&source).unwrap().request).unwrap();
    let objs = &rendered.objects;
    let notes = &rendered.notes.iter().find(|(p, _)| p == "genesis").unwrap().1;
    let gvr = notes.split("genesis_validators_root 0x").nth(1).unwrap().get(..64).unwrap();
    let gvr: [u8; 32] = hex::decode(gvr).unwrap().try_into().unwrap();
    let capella = ForkVersions::for_chain(98052).capella;
    // Each validator's public key, from its EIP-2335 keystore (path m/12381/3600/<i>/0/0).
    let pubkey_of = |index: u32| -> [u8; 48] {
        let path = format!("m/12381/3600/{index}/0/0");
        for o in objs.iter().filter(|o| o.key.kind == "Secret") {
            for v in o.body["stringData"].as_object().into_iter().flat_map(|d| d.values()) {
                let Ok(ks) = serde_json::from_str::<Value>(v.as_str().unwrap()) else { continue };
                if ks["path"] == path.as_str() {
                    return hex::decode(ks["pubkey"].as_str().unwrap()).unwrap().try_into().unwrap();
                }
            }
        }
        panic!("no keystore for validator {index}")
    };
    let exits = body(objs, "Secret", "eth-validator-exits");
    let files: Vec<&String> = exits["stringData"].as_object().unwrap().keys().collect();
    assert_eq!(files, ["exit-3.json", "exit-7.json"]);
    for index in [3u32, 7] {
        let signed: Value =
            serde_json::from_str(exits["stringData"][format!("exit-{index}.json")].as_str().unwrap()).unwrap();
        assert_eq!(signed["message"], serde_json::json!({ "epoch": "0", "validator_index": index.to_string() }));
        let sig: [u8; 96] = hex::decode(&signed["signature"].as_str().unwrap()[2..]).unwrap().try_into().unwrap();
        let root = signing::voluntary_exit_signing_root(0, u64::from(index), capella, &gvr);
        assert!(bls::verify(&pubkey_of(index), &root, &sig), "exit of validator {index}");
        assert!(!bls::verify(&pubkey_of(index ^ 1), &root, &sig), "and not another validator's");
    }
    let job = objs.iter().find(|o| o.key.kind == "Job").expect("the exits Job");
    assert!(job.key.name.starts_with("eth-exits-"), "{}", job.key.name);
    let pod = &job.body["spec"]["template"]["spec"];
    assert_eq!(pod["volumes"][0]["secret"]["secretName"], "eth-validator-exits");
    let script = pod["containers"][0]["command"][2].as_str().unwrap();
    assert!(script.contains("http://eth-beacon.chain.svc.cluster.local:5052"), "{script}");
    assert!(objs.iter().any(|o| o.key.kind == "Service" && o.key.name == "eth-beacon"), "the Service it posts to");
}
