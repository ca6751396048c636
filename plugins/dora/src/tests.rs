use super::*;

fn rel() -> Release {
    Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
}

fn endpoint(pod: &str, port: u16) -> ethwasm_ethereum_types::Endpoint {
    ethwasm_ethereum_types::Endpoint {
        name: pod.into(),
        url: format!("http://{pod}.eth-geth.chain.svc.cluster.local:{port}"),
    }
}

fn network() -> Network {
    Network {
        consensus: Some(Consensus::Pos),
        chain_id: 98052,
        rpc_http: Some("http://eth-rpc.chain.svc.cluster.local:8545".into()),
        rpc_nodes: vec![endpoint("eth-rpc-0", 8545)],
        beacon_nodes: ["eth-signer-0-0", "eth-signer-1-0", "eth-rpc-0"].iter().map(|p| endpoint(p, 5052)).collect(),
        ..Network::default()
    }
}

fn values(v: Value) -> Values {
    serde_json::from_value(v).unwrap()
}

fn find<'a>(m: &'a [Value], kind: &str) -> &'a Value {
    m.iter().find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn reads_every_beacon_node_and_the_rpc_nodes_from_its_mounted_config() {
    let out = render(&rel(), &values(json!({})), &network()).unwrap();
    let m = out.manifests();
    let cm = find(&m, "ConfigMap");
    let config: Value = serde_json::from_str(cm["data"]["dora-config.yaml"].as_str().unwrap()).unwrap();
    let urls: Vec<&str> =
        config["beaconapi"]["endpoints"].as_array().unwrap().iter().map(|e| e["url"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), 3);
    assert_eq!(urls[0], "http://eth-signer-0-0.eth-geth.chain.svc.cluster.local:5052");
    assert_eq!(config["executionapi"]["endpoints"][0]["url"], "http://eth-rpc-0.eth-geth.chain.svc.cluster.local:8545");
    assert_eq!(config["server"]["port"], "8080");
    assert_eq!(config["database"]["sqlite"]["file"], "/data/dora.sqlite");
    // The pod mounts that ConfigMap where its -config flag points, and a writable /data.
    let sts = find(&m, "StatefulSet");
    let pod = &sts["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    assert_eq!(c["image"], "ethpandaops/dora:v1.24.3");
    assert_eq!(c["args"], json!(["-config", "/config/dora-config.yaml"]));
    let mounts: Vec<(&str, &str)> = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["mountPath"].as_str().unwrap()))
        .collect();
    assert_eq!(mounts, [("config", "/config"), ("data", "/data"), ("tmp", "/tmp")]);
    let volumes = pod["volumes"].as_array().unwrap();
    let config_volume = volumes.iter().find(|v| v["name"] == "config").unwrap();
    assert_eq!(config_volume["configMap"]["name"], cm["metadata"]["name"]);
    assert!(volumes.iter().any(|v| v["name"] == "data" && v.get("emptyDir").is_some()));
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/index/data");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/robots.txt");
    assert_eq!(sts["spec"]["replicas"], 1);
    // The Service selects the pod and targets its port.
    let svc = find(&m, "Service");
    assert_eq!(svc["spec"]["ports"][0]["port"], 80);
    let labels = &pod.get("labels").cloned().unwrap_or_else(|| sts["spec"]["template"]["metadata"]["labels"].clone());
    for (k, v) in svc["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&labels[k], v, "the Service selects the pod by {k}");
    }
    assert!(out.get_notes().unwrap_or_default().contains("port-forward svc/eth-dora 8088:80"), "{:?}", out.get_notes());
    assert!(!m.iter().any(|o| o["kind"] == "Ingress"));
}

#[test]
fn a_config_change_rolls_the_pod_and_persistence_and_ingress_are_options() {
    let a = render(&rel(), &values(json!({})), &network()).unwrap().manifests();
    let b = render(&rel(), &values(json!({ "siteName": "devnet" })), &network()).unwrap().manifests();
    let hash = |m: &[Value]| {
        find(m, "StatefulSet")["spec"]["template"]["metadata"]["annotations"]["ethwasm.io/config-hash"].clone()
    };
    assert_ne!(hash(&a), hash(&b));
    let v = values(
        json!({ "persistence": { "enabled": true }, "ingress": { "enabled": true, "host": "dora.example.com" } }),
    );
    let out = render(&rel(), &v, &network()).unwrap();
    let m = out.manifests();
    let sts = find(&m, "StatefulSet");
    assert_eq!(sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"], "2Gi");
    assert!(!sts["spec"]["template"]["spec"]["volumes"].as_array().unwrap().iter().any(|v| v["name"] == "data"));
    let ingress = find(&m, "Ingress");
    assert_eq!(ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"], "eth-dora");
    assert!(out.get_notes().unwrap_or_default().contains("http://dora.example.com/"));
}

#[test]
fn off_or_without_beacon_nodes_it_renders_nothing() {
    assert!(render(&rel(), &values(json!({ "enabled": false })), &network()).unwrap().manifests().is_empty());
    let clique = Network { consensus: Some(Consensus::Clique), beacon_nodes: vec![], ..network() };
    let out = render(&rel(), &values(json!({})), &clique).unwrap();
    assert!(out.manifests().is_empty());
    assert!(out.get_notes().unwrap_or_default().contains("proof of stake only"));
}

#[test]
fn schema_is_json_and_defaults_are_on() {
    let s: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(s["additionalProperties"], false);
    assert!(Values::default().enabled);
}
