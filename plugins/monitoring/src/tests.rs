use super::*;
use ethwasm_ethereum_types::Consensus;
use std::collections::BTreeMap;

fn rel() -> Release {
    Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
}

fn endpoint(job: &str, pods: &str, port_name: &str, port: u16, path: &str) -> MetricsEndpoint {
    MetricsEndpoint {
        job: job.into(),
        selector: BTreeMap::from([
            ("app.kubernetes.io/instance".to_string(), "eth".to_string()),
            ("app.kubernetes.io/name".to_string(), pods.to_string()),
        ]),
        port_name: port_name.into(),
        port,
        path: path.into(),
    }
}

fn network(metrics: bool) -> Network {
    Network {
        consensus: Some(Consensus::Pos),
        chain_id: 98052,
        metrics: if metrics {
            vec![
                endpoint("geth", "geth", "metrics", 6060, "/debug/metrics/prometheus"),
                endpoint("beacon", "geth", "beacon-metrics", 5054, "/metrics"),
                endpoint("validator", "validator", "vc-metrics", 5064, "/metrics"),
            ]
        } else {
            vec![]
        },
        ..Network::default()
    }
}

fn values(mut v: Value) -> Values {
    v["enabled"] = true.into();
    serde_json::from_value(v).unwrap()
}

#[test]
fn off_by_default() {
    assert!(render(&rel(), &Values::default(), &network(true)).manifests().is_empty());
}

#[test]
fn dashboards_are_labelled_for_the_sidecar_and_query_the_release_s_pods() {
    let v = values(json!({ "dashboards": { "enabled": true, "folder": "Ethereum" } }));
    let out = render(&rel(), &v, &network(true));
    let m = out.manifests();
    let names: Vec<&str> = m.iter().map(|o| o["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["eth-dashboard-consensus", "eth-dashboard-execution"]);
    for cm in &m {
        assert_eq!(cm["metadata"]["labels"]["grafana_dashboard"], "1");
        assert_eq!(cm["metadata"]["annotations"]["grafana_folder"], "Ethereum");
        let (file, text) = cm["data"].as_object().unwrap().iter().next().unwrap();
        assert!(file.ends_with(".json"));
        let d: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
        assert!(d["uid"].as_str().unwrap().len() <= 40);
        for p in d["panels"].as_array().unwrap() {
            for t in p["targets"].as_array().unwrap() {
                let expr = t["expr"].as_str().unwrap();
                assert!(expr.contains("namespace=\"$namespace\""), "{expr}");
                assert_eq!(expr.matches('(').count(), expr.matches(')').count(), "{expr}");
                assert_eq!(expr.matches('{').count(), expr.matches('}').count(), "{expr}");
            }
        }
    }
    let consensus: Value = serde_json::from_str(m[0]["data"]["eth-consensus.json"].as_str().unwrap()).unwrap();
    let exprs: Vec<&str> = consensus["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter().map(|t| t["expr"].as_str().unwrap()))
        .collect();
    for metric in [
        "beacon_head_state_slot",
        "beacon_finalized_epoch",
        "beacon_participation_prev_epoch_target_attesting_gwei_total",
        "libp2p_peers",
    ] {
        assert!(exprs.iter().any(|e| e.contains(metric)), "{metric}");
    }
    // Metrics off: the notes say how to turn them on.
    let out = render(&rel(), &v, &network(false));
    assert!(out.get_notes().unwrap_or_default().contains("miners.metrics.enabled=true"));
}

#[test]
fn pod_monitors_and_scrape_configs_select_each_kind_of_pod_by_its_port_name() {
    let v = values(
        json!({ "podMonitors": { "enabled": true, "labels": { "release": "prom" } }, "scrapeConfig": { "enabled": true } }),
    );
    let m = render(&rel(), &v, &network(true)).manifests();
    let monitors: Vec<&Value> = m.iter().filter(|o| o["kind"] == "PodMonitor").collect();
    assert_eq!(monitors.len(), 3);
    let beacon = monitors.iter().find(|o| o["metadata"]["name"] == "eth-beacon").unwrap();
    assert_eq!(beacon["metadata"]["labels"]["release"], "prom");
    assert_eq!(
        beacon["spec"]["podMetricsEndpoints"][0],
        json!({ "port": "beacon-metrics", "path": "/metrics", "interval": "30s" })
    );
    assert_eq!(beacon["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"], "geth");
    let cm = m.iter().find(|o| o["metadata"]["name"] == "eth-scrape-config").unwrap();
    let text = cm["data"]["scrape-configs.yaml"].as_str().unwrap();
    assert!(text.contains("- job_name: eth-geth\n  metrics_path: /debug/metrics/prometheus\n"), "{text}");
    assert!(text.contains("__meta_kubernetes_pod_label_app_kubernetes_io_name]\n      regex: validator\n"), "{text}");
    assert!(text.contains("__meta_kubernetes_pod_container_port_name]\n      regex: vc-metrics\n"), "{text}");
    assert!(text.contains("names: [chain]"), "{text}");
    let s: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(s["additionalProperties"], false);
}
