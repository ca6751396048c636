use super::*;
use ethwasm_ethereum_types::{Account, Consensus, SecretKeyRef};
use serde_json::Value;

fn rel() -> Release {
    Release { name: "eth".into(), namespace: "chain".into(), created: 1_796_601_600 }
}

fn network() -> Network {
    Network {
        consensus: Some(Consensus::Pos),
        chain_id: 98052,
        rpc_http: Some("http://eth-rpc.chain.svc.cluster.local:8545".into()),
        ..Network::default()
    }
}

fn account(tool: &str) -> Account {
    Account {
        address: format!("0x{}", "11".repeat(20)),
        key: SecretKeyRef { secret_name: format!("eth-{tool}-account"), key: "key".into() },
    }
}

fn accounts() -> ToolAccounts {
    ToolAccounts { funder: account("funder"), faucet: account("faucet"), load_generator: account("load-generator") }
}

fn values(v: Value) -> Values {
    serde_json::from_value(v).unwrap()
}

#[test]
fn pays_from_the_faucet_account_through_the_rpc_service_with_a_rate_limit() {
    let v = values(json!({ "enabled": true, "amount": 2.5, "intervalMinutes": 30 }));
    let out = render(&rel(), &v, &network(), Some(&accounts())).unwrap();
    let m = out.manifests();
    let d = m.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert_eq!(d["spec"]["replicas"], 1);
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "chainflag/eth-faucet:1.2.1");
    assert_eq!(
        c["args"],
        json!([
            "-httpport=8080",
            "-faucet.amount=2.5",
            "-faucet.minutes=30",
            "-faucet.name=eth faucet",
            "-proxycount=0"
        ])
    );
    let env = c["env"].as_array().unwrap();
    assert_eq!(env[0], json!({ "name": "WEB3_PROVIDER", "value": "http://eth-rpc.chain.svc.cluster.local:8545" }));
    assert_eq!(env[1]["name"], "PRIVATE_KEY");
    assert_eq!(env[1]["valueFrom"]["secretKeyRef"], json!({ "name": "eth-faucet-account", "key": "key" }));
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/api/info");
    assert_eq!(c["ports"][0]["containerPort"], 8080);
    let svc = m.iter().find(|o| o["kind"] == "Service").unwrap();
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, val) in svc["spec"]["selector"].as_object().unwrap() {
        assert_eq!(&labels[k], val);
    }
    let notes = out.get_notes().unwrap_or_default();
    assert!(notes.contains("port-forward svc/eth-faucet 8081:80") && notes.contains("2.5 ETH"), "{notes}");
    // The key never appears in the render: only the Secret's name.
    assert!(!serde_json::to_string(&m).unwrap().contains("11111111111111111111111111111111111111111111111111111111"));
}

#[test]
fn off_by_default_and_refused_where_nothing_funds_it() {
    assert!(!Values::default().enabled);
    assert!(render(&rel(), &Values::default(), &network(), None).unwrap().manifests().is_empty());
    let on = values(json!({ "enabled": true }));
    let err = render(&rel(), &on, &network(), None).unwrap_err().to_string();
    assert!(err.contains("created before 2026-12-07"), "{err}");
    let no_rpc = Network { rpc_http: None, ..network() };
    let err = render(&rel(), &on, &no_rpc, Some(&accounts())).unwrap_err().to_string();
    assert!(err.contains("global.topology.rpcNodes"), "{err}");
}

#[test]
fn behind_an_ingress_it_counts_the_proxy() {
    let v = values(
        json!({ "enabled": true, "proxyCount": 1, "ingress": { "enabled": true, "host": "faucet.example.com" } }),
    );
    let m = render(&rel(), &v, &network(), Some(&accounts())).unwrap().manifests();
    assert!(m.iter().any(|o| o["kind"] == "Ingress" && o["spec"]["rules"][0]["host"] == "faucet.example.com"));
    let d = m.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert!(d["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .contains(&json!("-proxycount=1")));
    let s: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(s["additionalProperties"], false);
}
