use super::*;
use ethwasm_ethereum_types::Consensus;

fn rel() -> Release {
    Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
}

fn network() -> Network {
    Network {
        consensus: Some(Consensus::Pos),
        chain_id: 98052,
        rpc_http: Some("http://eth-rpc.chain.svc.cluster.local:8545".into()),
        rpc_ws: Some("ws://eth-rpc.chain.svc.cluster.local:8546".into()),
        ..Network::default()
    }
}

fn derive(label: &str, n: u32) -> Vec<u8> {
    label.bytes().cycle().take(n as usize).collect()
}

fn run(v: Value) -> Output {
    let v: Values = serde_json::from_value(v).unwrap();
    render(&rel(), &v, &network(), &mut derive).unwrap()
}

fn find<'a>(m: &'a [Value], kind: &str, name: &str) -> &'a Value {
    m.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn env<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["env"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("no env {name}"))
}

/// Every Service selects the pods of its workload, and targets a port they name.
fn services_reach_their_pods(m: &[Value]) {
    for svc in m.iter().filter(|o| o["kind"] == "Service") {
        let selector = svc["spec"]["selector"].as_object().unwrap();
        let pods: Vec<&Value> = m
            .iter()
            .filter(|o| o["spec"]["template"].is_object())
            .filter(|o| selector.iter().all(|(k, v)| &o["spec"]["template"]["metadata"]["labels"][k] == v))
            .collect();
        assert_eq!(pods.len(), 1, "Service {} selects one workload", svc["metadata"]["name"]);
        let port = svc["spec"]["ports"][0]["targetPort"].as_str().unwrap();
        let named = pods[0]["spec"]["template"]["spec"]["containers"][0]["ports"].as_array().unwrap();
        assert!(named.iter().any(|p| p["name"] == port), "{port}");
    }
}

#[test]
fn backend_frontend_and_database_are_wired_to_each_other_and_the_rpc_nodes() {
    let out = run(json!({ "enabled": true }));
    let m = out.manifests();
    services_reach_their_pods(&m);
    let secret = find(&m, "Secret", "eth-blockscout");
    assert_eq!(secret["stringData"]["database-password"].as_str().unwrap().len(), 32);
    let db = find(&m, "StatefulSet", "eth-blockscout-db");
    let pg = &db["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(pg["image"], "postgres:17");
    assert_eq!(
        env(pg, "POSTGRES_PASSWORD")["valueFrom"]["secretKeyRef"],
        json!({ "name": "eth-blockscout", "key": "database-password" })
    );
    assert_eq!(db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"], "10Gi");
    let backend = find(&m, "Deployment", "eth-blockscout");
    let spec = &backend["spec"]["template"]["spec"];
    let api = &spec["containers"][0];
    assert_eq!(api["image"], "ghcr.io/blockscout/blockscout:9.0.2");
    assert_eq!(env(api, "ETHEREUM_JSONRPC_HTTP_URL")["value"], "http://eth-rpc.chain.svc.cluster.local:8545/");
    assert_eq!(env(api, "ETHEREUM_JSONRPC_WS_URL")["value"], "ws://eth-rpc.chain.svc.cluster.local:8546/");
    // The password reaches the URL through a variable the kubelet expands, declared before it.
    assert_eq!(api["env"][0]["name"], "DB_PASSWORD");
    assert_eq!(
        env(api, "DATABASE_URL")["value"],
        "postgresql://blockscout:$(DB_PASSWORD)@eth-blockscout-db:5432/blockscout"
    );
    assert_eq!(env(api, "CHAIN_ID")["value"], "98052");
    assert_eq!(env(api, "INDEXER_DISABLE_INTERNAL_TRANSACTIONS_FETCHER")["value"], "true");
    assert_eq!(spec["initContainers"][0]["name"], "migrate");
    assert_eq!(api["readinessProbe"]["httpGet"]["path"], "/api/health/readiness");
    let ui = &find(&m, "Deployment", "eth-blockscout-frontend")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(ui["image"], "ghcr.io/blockscout/frontend:v2.3.5");
    assert_eq!(env(ui, "NEXT_PUBLIC_API_HOST")["value"], "eth-blockscout");
    assert_eq!(env(ui, "NEXT_PUBLIC_API_PORT")["value"], "4000");
    assert_eq!(env(ui, "NEXT_PUBLIC_USE_NEXT_JS_PROXY")["value"], "true");
    assert_eq!(
        (env(ui, "NEXT_PUBLIC_APP_HOST")["value"].as_str(), env(ui, "NEXT_PUBLIC_APP_PORT")["value"].as_str()),
        (Some("localhost"), Some("3000"))
    );
    assert_eq!(find(&m, "Service", "eth-blockscout")["spec"]["ports"][0]["port"], 4000);
    assert_eq!(find(&m, "Service", "eth-blockscout-frontend")["spec"]["ports"][0]["port"], 80);
    let notes = out.get_notes().unwrap_or_default();
    assert!(
        notes.contains("port-forward svc/eth-blockscout-frontend 3000:80")
            && notes.contains("internal transactions are off"),
        "{notes}"
    );
}

#[test]
fn options_internal_transactions_api_only_and_an_ingress() {
    let m = run(json!({ "enabled": true, "internalTransactions": true, "frontend": { "enabled": false } })).manifests();
    services_reach_their_pods(&m);
    assert!(!m.iter().any(|o| o["metadata"]["name"] == "eth-blockscout-frontend"));
    let api = &find(&m, "Deployment", "eth-blockscout")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env(api, "INDEXER_DISABLE_INTERNAL_TRANSACTIONS_FETCHER")["value"], "false");
    assert_eq!(find(&m, "Service", "eth-blockscout")["spec"]["ports"][0]["port"], 80);
    let m = run(
        json!({ "enabled": true, "ingress": { "enabled": true, "host": "explorer.example.com", "tlsSecret": "tls" } }),
    )
    .manifests();
    let ui = &find(&m, "Deployment", "eth-blockscout-frontend")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env(ui, "NEXT_PUBLIC_APP_HOST")["value"], "explorer.example.com");
    assert_eq!(env(ui, "NEXT_PUBLIC_APP_PROTOCOL")["value"], "https");
    assert!(!ui["env"].as_array().unwrap().iter().any(|e| e["name"] == "NEXT_PUBLIC_APP_PORT"));
    assert_eq!(
        find(&m, "Ingress", "eth-blockscout-frontend")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
            ["name"],
        "eth-blockscout-frontend"
    );
}

#[test]
fn off_by_default_and_needs_an_rpc_node() {
    assert!(run(json!({})).manifests().is_empty());
    let v: Values = serde_json::from_value(json!({ "enabled": true })).unwrap();
    let err = render(&rel(), &v, &Network { rpc_http: None, ..network() }, &mut derive).unwrap_err().to_string();
    assert!(err.contains("global.topology.rpcNodes"), "{err}");
    let s: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(s["additionalProperties"], false);
}
