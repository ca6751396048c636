//! Output `network`: where the nodes this plugin renders answer, for the tools' plugins
//! (explorers, faucet, load generator, dashboards) to `require`. Names only: the URLs are the
//! Services' and pods' DNS names in the release's namespace, as the nodes' own flags use them.

use crate::inputs::Inputs;
use crate::values::Values;
use ethwasm_ethereum_types::{Consensus, Endpoint, ExecutionClient, MetricsEndpoint, Network};
use std::collections::BTreeMap;

/// The `network` output of a render of `release` in `namespace`.
pub(crate) fn network(namespace: &str, release: &str, v: &Values, i: &Inputs) -> Network {
    let domain = &i.cluster_domain;
    let service = |name: &str, port: u16| format!("http://{name}.{namespace}.svc.{domain}:{port}");
    let rpc = !i.rpc.nodes.is_empty();
    let (http, ws) = (v.rpc.service.http_port, v.rpc.service.ws_port);
    let pos = i.genesis.consensus == Consensus::Pos;
    // Proof of stake: every pair pod is named by the pairs' headless Service.
    let pairs = format!("{release}-geth");
    let pod_url = |pod: &str, port: u16| format!("http://{pod}.{pairs}.{namespace}.svc.{domain}:{port}");
    let pair_pods: Vec<&str> =
        i.signers.signers.iter().map(|s| s.pod.as_str()).chain(i.rpc.nodes.iter().map(|n| n.pod.as_str())).collect();
    let endpoint = |pod: &str, port: u16| Endpoint { name: pod.to_string(), url: pod_url(pod, port) };
    Network {
        consensus: Some(i.genesis.consensus),
        chain_id: i.genesis.chain_id,
        rpc_http: rpc.then(|| service(&i.rpc.stateful_set, http)),
        rpc_ws: rpc.then(|| service(&i.rpc.stateful_set, ws).replacen("http://", "ws://", 1)),
        rpc_nodes: if pos { i.rpc.nodes.iter().map(|n| endpoint(&n.pod, http)).collect() } else { Vec::new() },
        beacon_nodes: if pos {
            pair_pods.iter().map(|p| endpoint(p, v.beacon.http_port)).collect()
        } else {
            Vec::new()
        },
        beacon_service: (pos && rpc).then(|| service(&format!("{release}-beacon"), v.beacon.http_port)),
        genesis_time: i.genesis.pos.as_ref().map(|p| p.genesis_time),
        seconds_per_slot: i.genesis.pos.as_ref().map(|p| p.seconds_per_slot),
        genesis_config_map: i.genesis.config_map.clone(),
        metrics: if v.metrics.enabled { metrics(release, v, i, pos) } else { Vec::new() },
    }
}

/// Where the pods serve metrics: geth on every node, and for proof of stake Besu where it runs
/// in geth's place (its own port name, so each job finds only its client's pods), the beacon
/// nodes (in the pair pods; Lighthouse and Teku alike) and the validator clients.
fn metrics(release: &str, v: &Values, i: &Inputs, pos: bool) -> Vec<MetricsEndpoint> {
    let selector = |name: &str| {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), name.to_string()),
            ("app.kubernetes.io/instance".to_string(), release.to_string()),
        ])
    };
    let endpoint = |job: &str, pods: &str, port_name: &str, port: u16, path: &str| MetricsEndpoint {
        job: job.into(),
        selector: selector(pods),
        port_name: port_name.into(),
        port,
        path: path.into(),
    };
    let mut out = vec![endpoint("geth", "geth", "metrics", v.metrics.port, "/debug/metrics/prometheus")];
    if pos {
        let (signers, rpc) = (i.signers.signers.len() as u32, i.rpc.nodes.len() as u32);
        let execution = i.clients.execution_in_use(signers, rpc);
        if execution.contains(&ExecutionClient::Besu) {
            out.push(endpoint("besu", "geth", "besu-metrics", v.metrics.port, "/metrics"));
        }
        if execution.contains(&ExecutionClient::Reth) {
            out.push(endpoint("reth", "geth", "reth-metrics", v.metrics.port, "/metrics"));
        }
        if execution.contains(&ExecutionClient::Nethermind) {
            out.push(endpoint("nethermind", "geth", "nm-metrics", v.metrics.port, "/metrics"));
        }
        out.push(endpoint("beacon", "geth", "beacon-metrics", v.beacon.metrics_port, "/metrics"));
        out.push(endpoint("validator", "validator", "vc-metrics", v.validator.metrics_port, "/metrics"));
    }
    out
}
