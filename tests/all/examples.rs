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
