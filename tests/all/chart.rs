//! The Ethereum chart, rendered through the real components: known-answer checks that the
//! pieces agree (keys, addresses, enodes, secrets, chain id) and that output is reproducible.

use ethwasm::job::Job;
use ethwasm::job::Spec;
use ethwasm::manifest::Object;
use ethwasm_plugin_secrets::eth::PrivateKey;
use ethwasm_plugin_secrets::keystore;
use ethwasm_tests::chart_spec;
use serde_json::Value;

fn render(seed: &str, set: &[&str]) -> Vec<Object> {
    // These known-answer checks are of the Clique profile (proof of stake: tests/all/pos/).
    let set: Vec<&str> = ["genesis.consensus=clique"].into_iter().chain(set.iter().copied()).collect();
    let source = Spec { release: Some("eth".into()), ..chart_spec("chain", Some(seed.repeat(32)), &set) };
    let job = Job::resolve(&source).expect("resolve");
    ethwasm::render::render(&job.request).expect("render").objects
}

fn find<'a>(objs: &'a [Object], kind: &str, name: &str) -> &'a Value {
    &objs.iter().find(|o| o.key.kind == kind && o.key.name == name).unwrap_or_else(|| panic!("no {kind} {name}")).body
}

fn string_data(objs: &[Object], name: &str) -> serde_json::Map<String, Value> {
    find(objs, "Secret", name)["stringData"].as_object().unwrap().clone()
}

fn geth_args(sts: &Value) -> Vec<String> {
    serde_json::from_value(sts["spec"]["template"]["spec"]["containers"][0]["args"].clone()).unwrap()
}

fn flag<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    args.iter().filter_map(|a| a.strip_prefix(&format!("{name}="))).collect()
}

fn genesis(objs: &[Object]) -> Value {
    serde_json::from_str(find(objs, "ConfigMap", "eth-genesis")["data"]["genesis.json"].as_str().unwrap()).unwrap()
}

#[test]
fn signers_agree_across_secrets_genesis_and_geth() {
    let objs = render("11", &["secrets.accounts.generate=1"]);
    let password = string_data(&objs, "eth-keystore-password")["password"].as_str().unwrap().to_string();
    let g = genesis(&objs);
    let extra = g["extraData"].as_str().unwrap();
    let alloc = g["alloc"].as_object().unwrap();
    let mut addresses = Vec::new();
    for i in 0..2 {
        let ks: Value = serde_json::from_str(
            string_data(&objs, &format!("eth-signer-{i}-keystore"))["keystore.json"].as_str().unwrap(),
        )
        .unwrap();
        let key = PrivateKey::from_bytes(&keystore::decrypt(&ks, &password).unwrap()).unwrap();
        let address = key.address();
        let args = geth_args(find(&objs, "StatefulSet", &format!("eth-signer-{i}")));
        assert_eq!(flag(&args, "--unlock"), [address.as_str()], "signer {i} unlocks its own key");
        assert_eq!(flag(&args, "--miner.etherbase"), [address.as_str()]);
        assert!(alloc.contains_key(&address), "signer {i} is prefunded");
        addresses.push(hex_lower(&address));
    }
    let signers_in_extra: Vec<String> =
        extra.as_bytes()[66..extra.len() - 130].chunks(40).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(signers_in_extra, sorted, "extraData holds the signers in ascending order");
    assert_eq!(&extra[..66], format!("0x{}", "0".repeat(64)));
    // The generated account is prefunded and its raw key matches its keystore.
    let acc = string_data(&objs, "eth-accounts");
    let key = PrivateKey::from_hex(acc["account-0.key"].as_str().unwrap()).unwrap();
    assert!(alloc.contains_key(&key.address()));
    let ks: Value = serde_json::from_str(acc["account-0.json"].as_str().unwrap()).unwrap();
    assert_eq!(keystore::decrypt(&ks, &password).unwrap(), key.to_bytes());
}

fn hex_lower(a: &str) -> String {
    a.trim_start_matches("0x").to_lowercase()
}

#[test]
fn every_bootnodes_enode_matches_the_bootnode_key() {
    let objs = render("22", &["global.topology.bootnodes=2", "global.topology.rpcNodes=2"]);
    let keys = string_data(&objs, "eth-nodekeys");
    let expected: Vec<String> = (0..2)
        .map(|i| {
            let pod = format!("eth-bootnode-{i}");
            let id = PrivateKey::from_hex(keys[&pod].as_str().unwrap()).unwrap().node_id();
            format!("enode://{id}@{pod}.eth-bootnode.chain.svc.cluster.local:30301")
        })
        .collect();
    let mut geth = 0;
    for o in objs
        .iter()
        .filter(|o| o.key.kind == "StatefulSet" && o.body["metadata"]["labels"]["app.kubernetes.io/name"] == "geth")
    {
        let args = geth_args(&o.body);
        assert_eq!(flag(&args, "--bootnodes"), [expected.join(",").as_str()], "{}", o.key);
        geth += 1;
    }
    assert_eq!(geth, 3, "two signers and the RPC set");
    let boot = find(&objs, "StatefulSet", "eth-bootnode");
    assert_eq!(boot["spec"]["replicas"], 2);
    assert_eq!(boot["spec"]["template"]["spec"]["containers"][0]["image"], "ethereum/client-go:alltools-v1.13.15");
}

#[test]
fn ethstats_and_every_node_read_the_same_secret() {
    let objs = render("33", &[]);
    let dash = find(&objs, "Deployment", "eth-ethstats");
    let dash_ref = &dash["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"];
    assert_eq!(dash_ref["name"], "eth-ethstats");
    assert!(string_data(&objs, "eth-ethstats")["WS_SECRET"].as_str().unwrap().len() >= 16);
    for o in objs.iter().filter(|o| o.key.kind == "StatefulSet" && o.key.name != "eth-bootnode") {
        let c = &o.body["spec"]["template"]["spec"]["containers"][0];
        let ws = c["env"].as_array().unwrap().iter().find(|e| e["name"] == "WS_SECRET").expect("WS_SECRET env");
        assert_eq!(&ws["valueFrom"]["secretKeyRef"], dash_ref, "{}", o.key);
        let args = geth_args(&o.body);
        assert_eq!(flag(&args, "--ethstats"), ["$(POD_NAME):$(WS_SECRET)@eth-ethstats:80"]);
    }
}

#[test]
fn chain_id_equals_network_id_everywhere() {
    let objs = render("44", &["genesis.chainId=1337"]);
    let g = genesis(&objs);
    assert_eq!(g["config"]["chainId"], 1337);
    assert_eq!(find(&objs, "ConfigMap", "eth-genesis")["data"]["networkId"], "1337");
    let hash = {
        use std::fmt::Write;
        let text = find(&objs, "ConfigMap", "eth-genesis")["data"]["genesis.json"].as_str().unwrap();
        ethwasm::plugin::sha256(text.as_bytes()).iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    for o in objs.iter().filter(|o| o.key.kind == "StatefulSet" && o.key.name != "eth-bootnode") {
        assert_eq!(flag(&geth_args(&o.body), "--networkid"), ["1337"], "{}", o.key);
        assert_eq!(o.body["spec"]["template"]["metadata"]["annotations"]["ethwasm.io/genesis-hash"], hash.as_str());
    }
}

#[test]
fn no_secret_appears_outside_a_secret() {
    let objs = render("55", &["secrets.accounts.generate=2"]);
    let mut secrets: Vec<String> = Vec::new();
    let password = string_data(&objs, "eth-keystore-password")["password"].as_str().unwrap().to_string();
    for o in objs.iter().filter(|o| o.key.kind == "Secret") {
        for (k, v) in o.body["stringData"].as_object().unwrap() {
            let v = v.as_str().unwrap();
            if k == "address" {
                // A tool account's address sits beside its key for the tool's convenience; it is
                // public (genesis.json funds it).
                continue;
            } else if k.ends_with(".json") {
                let ks: Value = serde_json::from_str(v).unwrap();
                secrets.push(hex::encode(keystore::decrypt(&ks, &password).unwrap()));
            } else {
                secrets.push(v.to_string());
            }
        }
    }
    assert!(secrets.len() >= 2 + 4 + 2 + 2, "found {} secret values", secrets.len());
    for o in objs.iter().filter(|o| o.key.kind != "Secret") {
        let text = serde_json::to_string(&o.body).unwrap().to_lowercase();
        for s in &secrets {
            assert!(!text.contains(&s.to_lowercase()), "{} contains secret material", o.key);
        }
    }
}

mod hex {
    pub fn encode(b: Vec<u8>) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

#[test]
fn same_seed_is_byte_identical_and_another_seed_is_not() {
    let yaml = |seed: &str| render(seed, &[]).iter().map(|o| ethwasm::yaml::to_string(&o.body)).collect::<String>();
    let a = yaml("66");
    assert_eq!(a, yaml("66"));
    let b = yaml("77");
    assert_ne!(a, b);
    let keys = |y: &str| -> Vec<String> {
        y.lines()
            .filter(|l| l.trim_start().starts_with("eth-signer-0-0:") || l.contains("keystore.json:"))
            .map(String::from)
            .collect()
    };
    assert!(!keys(&a).is_empty());
    for k in keys(&a) {
        assert!(!b.contains(&k), "a different seed must give different keys");
    }
}

#[test]
fn ethash_renders_the_2018_network_on_v1_11_6() {
    let objs = render("88", &["genesis.consensus=ethash"]);
    let g = genesis(&objs);
    assert!(g["config"].get("clique").is_none());
    assert_eq!(g["difficulty"], "0x400");
    let args = geth_args(find(&objs, "StatefulSet", "eth-signer-0"));
    assert!(args.contains(&"--mine".to_string()) && flag(&args, "--unlock").is_empty());
    assert_eq!(
        find(&objs, "StatefulSet", "eth-signer-0")["spec"]["template"]["spec"]["containers"][0]["image"],
        "ethereum/client-go:v1.11.6"
    );
}

#[test]
fn values_errors_name_the_path_before_any_plugin_runs() {
    let err = |set: &[&str]| {
        let job = Job::resolve(&chart_spec("default", Some("01".repeat(32)), set)).unwrap();
        ethwasm::render::render(&job.request).unwrap_err().to_string()
    };
    let e = err(&["miners.rpc.service.httpPort=70000"]);
    assert!(e.starts_with("values.miners.rpc.service.httpPort: 70000 is greater than the maximum of 65535"), "{e}");
    let e = err(&["miners.persistance.enabled=false"]);
    assert!(
        e.starts_with("values.miners: Additional properties are not allowed ('persistance' was unexpected)"),
        "{e}"
    );
    let e = err(&["global.topology.signers=many"]);
    assert!(e.starts_with("values.global.topology.signers: \"many\" is not of types \"null\", \"integer\""), "{e}");
    let e = err(&["secrets.wsSecret=s3cr3t|pipe"]);
    assert!(e.starts_with("values.secrets.wsSecret: <redacted> does not match"), "{e}");
    assert!(!e.contains("s3cr3t"), "secrets are never quoted: {e}");
    let e = err(&["minerz.x=1"]);
    assert!(
        e.starts_with(
            "values.minerz matches no plugin (plugins: blockscout, bootnode, dora, ethstats, faucet, genesis, miners, \
             monitoring, secrets)"
        ),
        "{e}"
    );
}

#[test]
fn install_order_puts_secrets_and_config_before_workloads() {
    let objs = render("99", &[]);
    let kinds: Vec<&str> = objs.iter().map(|o| o.key.kind.as_str()).collect();
    let pos = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    assert!(pos("Secret") < pos("ConfigMap"));
    assert!(pos("ConfigMap") < pos("Service"));
    assert!(pos("Service") < pos("StatefulSet"));
    for o in &objs {
        assert_eq!(o.body["metadata"]["labels"]["app.kubernetes.io/managed-by"], "ethwasm");
        assert_eq!(o.body["metadata"]["labels"]["app.kubernetes.io/instance"], "eth");
        assert_eq!(o.body["metadata"]["namespace"], "chain");
    }
}

/// The chart's own pods, in every profile, meet the Pod Security Standards' `restricted` level
/// (the README says so): non-root, no privilege escalation, every capability dropped, the
/// runtime's seccomp profile, and only the volume types restricted allows.
#[test]
fn the_charts_pods_meet_the_restricted_level() {
    const VOLUMES: &[&str] =
        &["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    for consensus in ["pos", "clique", "ethash"] {
        let set = [format!("genesis.consensus={consensus}"), "genesis.pos.genesisTime=1767225600".into()];
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let job = Job::resolve(&chart_spec("chain", Some("0e".repeat(32)), &set)).expect("resolve");
        let objects = ethwasm::render::render(&job.request).expect("render").objects;
        let mut pods = 0;
        for o in &objects {
            let Some(pod) = ethwasm::pod_security::pod_of(&o.key.kind, &o.body) else { continue };
            pods += 1;
            let what = format!("{consensus}: {}", o.key);
            let sc = &pod.spec["securityContext"];
            assert_eq!(sc["runAsNonRoot"], true, "{what}");
            assert_ne!(sc["runAsUser"], 0, "{what}");
            assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault", "{what}");
            for v in pod.spec["volumes"].as_array().into_iter().flatten() {
                let kind = v.as_object().unwrap().keys().find(|k| *k != "name").unwrap();
                assert!(VOLUMES.contains(&kind.as_str()), "{what}: volume type {kind}");
            }
            for list in ["initContainers", "containers"] {
                for c in pod.spec[list].as_array().into_iter().flatten() {
                    let csc = &c["securityContext"];
                    assert_eq!(csc["allowPrivilegeEscalation"], false, "{what} {}", c["name"]);
                    assert_eq!(csc["capabilities"]["drop"], serde_json::json!(["ALL"]), "{what} {}", c["name"]);
                    assert!(csc["capabilities"].get("add").is_none(), "{what} {}", c["name"]);
                }
            }
            assert!(ethwasm::pod_security::violation(&pod).is_none(), "{what}: within the baseline too");
        }
        assert!(pods >= 3, "{consensus}: {pods} pods");
    }
}

/// A tool its values turn off (chart.yaml `condition`) is not compiled or run, and its values
/// section is not checked; on, it is both.
#[test]
fn a_plugin_its_condition_turns_off_is_not_loaded() {
    let names = |set: &[&str]| {
        let job = Job::resolve(&chart_spec("default", Some("01".repeat(32)), set)).unwrap();
        let loaded: Vec<String> = job.request.plugins.iter().map(|p| p.name().to_string()).collect();
        (loaded, job.request.off.clone())
    };
    let (loaded, off) = names(&[]);
    assert!(loaded.contains(&"dora".to_string()) && !loaded.contains(&"faucet".to_string()), "{loaded:?}");
    assert_eq!(off, ["faucet", "monitoring", "blockscout"]);
    let (loaded, off) = names(&["faucet.enabled=true", "dora.enabled=false"]);
    assert!(loaded.contains(&"faucet".to_string()) && !loaded.contains(&"dora".to_string()), "{loaded:?}");
    assert_eq!(off, ["dora", "monitoring", "blockscout"]);
    // Off: its section is known and not checked; on: checked.
    let job = Job::resolve(&chart_spec("default", Some("01".repeat(32)), &["faucet.amount=-1"])).unwrap();
    assert!(ethwasm::render::render(&job.request).is_ok());
    let job = Job::resolve(&chart_spec("default", Some("01".repeat(32)), &["faucet.amount=-1", "faucet.enabled=true"]))
        .unwrap();
    let e = ethwasm::render::render(&job.request).unwrap_err().to_string();
    assert!(e.starts_with("values.faucet.amount: -1"), "{e}");
}
