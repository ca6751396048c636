//! Example plugins beside the chart: a Rust third-party plugin and a Python one.

use ethwasm::job::Job;
use ethwasm::job::Spec;
use ethwasm::plugin::{CompileCache, ImportKind, Limits, Plugin, Runtime};
use ethwasm_tests::{chart_spec, input, root, seed};
use serde_json::json;

fn example(name: &str) -> std::path::PathBuf {
    let p = root().join("target/examples").join(format!("{name}.wasm"));
    assert!(p.exists(), "{} is missing: run `make build`", p.display());
    p
}

#[test]
fn servicemonitor_scrapes_the_charts_geth_metrics() {
    let sources = ethwasm_tests::open(Some(&root().join("charts/ethereum")), &[example("servicemonitor")]);
    let source = Spec {
        sources,
        release: Some("eth".into()),
        ..chart_spec(
            "chain",
            Some("12".repeat(32)),
            &["miners.metrics.enabled=true", "servicemonitor.labels.release=prometheus"],
        )
    };
    let job = Job::resolve(&source).unwrap();
    let objs = ethwasm::render::render(&job.request).unwrap().objects;
    let sm = objs.iter().find(|o| o.key.kind == "ServiceMonitor").expect("a ServiceMonitor");
    assert_eq!(sm.key.group, "monitoring.coreos.com");
    assert_eq!(sm.body["metadata"]["labels"]["release"], "prometheus");
    let svc = objs.iter().find(|o| o.key.kind == "Service" && o.key.name == "eth-geth-metrics").unwrap();
    assert_eq!(svc.body["spec"]["ports"][0]["port"], 6060);
    // The Service selects the pods that expose the port the ServiceMonitor scrapes.
    let selector = svc.body["spec"]["selector"].as_object().unwrap();
    let rpc = objs.iter().find(|o| o.key.kind == "StatefulSet" && o.key.name == "eth-rpc").unwrap();
    let pod_labels = rpc.body["spec"]["template"]["metadata"]["labels"].as_object().unwrap();
    assert!(selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v)));
    let args = rpc.body["spec"]["template"]["spec"]["containers"][0]["args"].as_array().unwrap();
    assert!(args.iter().any(|a| a == "--metrics.port=6060"));
    assert_eq!(objs.last().unwrap().key.kind, "ServiceMonitor", "unknown kinds install last");
}

#[test]
fn a_python_plugin_runs_in_the_empty_wasi_context() {
    let rt = Runtime::new(CompileCache::at(root().join("target/test-cache"))).unwrap();
    let p = Plugin::load(&rt, &example("quota"), Limits::default()).unwrap();
    assert_eq!(p.info.name, "quota");
    assert!(p.imports.iter().any(|(n, k)| n.starts_with("wasi:") && *k == ImportKind::Wasi));
    let r = p.render(&seed(3), &input(json!({"hard": {"pods": 7}}))).unwrap();
    let quota: serde_json::Value = serde_json::from_str(&r.output.manifests[0]).unwrap();
    assert_eq!(quota["kind"], "ResourceQuota");
    assert_eq!(quota["spec"]["hard"]["pods"], "7");
    assert_eq!(quota["spec"]["hard"]["requests.memory"], "32Gi");
    let limits: serde_json::Value = serde_json::from_str(&r.output.manifests[1]).unwrap();
    assert_eq!(limits["spec"]["limits"][0]["defaultRequest"]["cpu"], "100m");
    assert!(r.logs.iter().any(|l| l.message == "quota for namespace test: 4 limits"), "{:?}", r.logs);
}

/// The JavaScript plugin (componentize-js) next to the chart: it reads the miners plugin's
/// `network` and the secrets plugin's `tool-accounts`, and its objects follow them: every RPC
/// node in its hosts file, the load generator account's Secret, Osaka's blob format from the
/// genesis time.
#[test]
fn a_javascript_plugin_loads_the_network_from_the_chart_s_outputs() {
    let sources = ethwasm_tests::open(Some(&root().join("charts/ethereum")), &[example("spamoor")]);
    let source = Spec {
        sources,
        release: Some("eth".into()),
        created: Some(1_796_601_600),
        ..chart_spec("chain", Some("12".repeat(32)), &["global.topology.rpcNodes=2", "spamoor.throughput.blobs=2"])
    };
    let mut source = source;
    source.values.set_json.push(r#"spamoor.presets=["transfers","contract-calls","blobs"]"#.into());
    let job = Job::resolve(&source).unwrap();
    let objs = ethwasm::render::render(&job.request).unwrap().objects;
    let find = |kind: &str, name: &str| objs.iter().find(|o| o.key.kind == kind && o.key.name == name).unwrap();
    let cm = find("ConfigMap", "eth-spamoor");
    assert_eq!(
        cm.body["data"]["rpchosts.txt"],
        "name(eth-rpc-0)http://eth-rpc-0.eth-geth.chain.svc.cluster.local:8545\n\
         name(eth-rpc-1)http://eth-rpc-1.eth-geth.chain.svc.cluster.local:8545\n"
    );
    let spammers: serde_json::Value =
        serde_json::from_str(cm.body["data"]["startup-spammers.yaml"].as_str().unwrap()).unwrap();
    assert_eq!(spammers[2]["scenario"], "blob-combined");
    assert_eq!(spammers[2]["config"]["throughput"], 2);
    assert_eq!(spammers[0]["config"]["refill_amount"], 5_000_000_000_000_000_000u64);
    let d = find("Deployment", "eth-spamoor");
    let c = &d.body["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["env"][0]["valueFrom"]["secretKeyRef"]["name"], "eth-load-generator-account");
    assert!(objs.iter().any(|o| o.key.kind == "Secret" && o.key.name == "eth-load-generator-account"));
    let genesis = find("ConfigMap", "eth-genesis");
    let time = serde_json::from_str::<serde_json::Value>(genesis.body["data"]["genesis.json"].as_str().unwrap())
        .unwrap()["timestamp"]
        .as_str()
        .map(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).unwrap())
        .unwrap();
    let args: Vec<&str> = c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(args.contains(&format!("--fulu-activation={time}").as_str()), "{args:?}");
    assert!(args.contains(&"--slot-duration=12s"), "{args:?}");
    // The host labelled its objects as it labels every plugin's.
    assert_eq!(d.body["metadata"]["annotations"]["ethwasm.io/plugin"], "spamoor@0.1.0");
}
