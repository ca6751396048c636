//! How users reach the RPC nodes, the same for every consensus: geth's JSON-RPC flags, the
//! RPC nodes' NetworkPolicy and PodDisruptionBudget, and the notes that say how to connect.

use crate::geth::{pdb, P2P_PORT};
use crate::values::{Rpc, Values};
use ethwasm_plugin::k8s;
use serde_json::{json, Value};

/// geth's JSON-RPC flags: HTTP and WebSocket on every interface, the namespaces of `rpc`.
pub(crate) fn rpc_args(r: &Rpc) -> Vec<String> {
    let mut a = vec![
        "--http".to_string(),
        "--http.addr=0.0.0.0".into(),
        format!("--http.port={}", r.service.http_port),
        format!("--http.api={}", r.http_api.join(",")),
        format!("--http.vhosts={}", r.vhosts.join(",")),
        "--ws".into(),
        "--ws.addr=0.0.0.0".into(),
        format!("--ws.port={}", r.service.ws_port),
        format!("--ws.api={}", r.ws_api.join(",")),
        format!("--ws.origins={}", r.ws_origins.join(",")),
    ];
    if !r.cors_domains.is_empty() {
        a.push(format!("--http.corsdomain={}", r.cors_domains.join(",")));
    }
    a
}

/// The RPC nodes' NetworkPolicy: HTTP, WS and `public` ports from `rpc.networkPolicy.from`, the
/// execution p2p port and `p2p` ports from this release's pods only.
pub(crate) fn rpc_network_policy(
    release: &str,
    selector: &Value,
    r: &Rpc,
    public: &[(u16, &str)],
    p2p: &[(u16, &str)],
) -> Value {
    let rule = |port: u16, protocol: &str| json!({ "port": port, "protocol": protocol });
    let public: Vec<Value> = [(r.service.http_port, "TCP"), (r.service.ws_port, "TCP")]
        .iter()
        .chain(public)
        .map(|(p, proto)| rule(*p, proto))
        .collect();
    let p2p: Vec<Value> =
        [(P2P_PORT, "TCP"), (P2P_PORT, "UDP")].iter().chain(p2p).map(|(p, proto)| rule(*p, proto)).collect();
    let mut np = k8s::object("networking.k8s.io/v1", "NetworkPolicy", &format!("{release}-rpc"), Some(selector));
    np["spec"] = json!({
        "podSelector": { "matchLabels": selector },
        "policyTypes": ["Ingress"],
        "ingress": [
            { "from": r.network_policy.from, "ports": public },
            { "from": [{ "podSelector": { "matchLabels": { "app.kubernetes.io/instance": release } } }], "ports": p2p },
        ],
    });
    np
}

/// How to reach JSON-RPC.
pub(crate) fn rpc_notes(namespace: &str, service: &str, r: &Rpc, network_id: u64) -> String {
    format!(
        "JSON-RPC: kubectl -n {namespace} port-forward svc/{service} {port}:{port}, then\n  curl -s -H 'Content-Type: application/json' -d '{{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}}' http://localhost:{port}\nWebSocket: ws://{service}:{ws} inside the cluster. Chain id / network id: {network_id}.",
        port = r.service.http_port,
        ws = r.service.ws_port,
    )
}

/// The RPC nodes' PodDisruptionBudget, when enabled.
pub(crate) fn rpc_pdb(release: &str, selector: &Value, v: &Values) -> Option<Value> {
    let budget = &v.pod_disruption_budget;
    budget.enabled.then(|| pdb(&format!("{release}-rpc"), selector, selector.clone(), budget.max_unavailable))
}
