//! The Grafana dashboards (schema version 39), one panel per question an operator asks, each
//! a PromQL query over the metric names cited in docs/research/metrics.md. Every query keeps to
//! the release's pods (`namespace` and `pod=~"<release>-.*"`), so one Grafana can show several
//! networks; the Prometheus data source is a dashboard variable.

use ethwasm_ethereum_types::{Consensus, Network};
use serde_json::{json, Value};

/// One panel: its title, unit, queries (expression, legend) and kind.
struct Panel {
    title: &'static str,
    unit: &'static str,
    queries: Vec<(String, &'static str)>,
    kind: &'static str,
    description: &'static str,
}

fn panel(
    title: &'static str,
    unit: &'static str,
    description: &'static str,
    queries: Vec<(String, &'static str)>,
) -> Panel {
    Panel { title, unit, queries, kind: "timeseries", description }
}

/// The dashboards for `network`: (name, dashboard).
pub fn all(release: &str, network: &Network) -> Vec<(String, Value)> {
    let sel = format!("namespace=\"$namespace\", pod=~\"{release}-.*\"");
    let mut out = Vec::new();
    if network.consensus == Some(Consensus::Pos) {
        out.push(("consensus".to_string(), dashboard(release, "beacon chain", consensus(&sel))));
    }
    out.push(("execution".to_string(), dashboard(release, "execution and pods", execution(&sel))));
    out
}

fn consensus(sel: &str) -> Vec<Panel> {
    vec![
        panel("Head slot", "none", "Each beacon node's head slot.", vec![(format!("beacon_head_state_slot{{{sel}}}"), "{{pod}}")]),
        panel(
            "Slots behind the clock",
            "none",
            "Wall-clock slot minus head slot: 0 or 1 when blocks come every slot.",
            vec![(format!("slotclock_present_slot{{{sel}}} - beacon_head_state_slot{{{sel}}}"), "{{pod}}")],
        ),
        panel(
            "Missed slots (last hour)",
            "none",
            "Slots of the last hour without a block: wall-clock slots passed minus execution blocks made (every block after the Merge carries one).",
            vec![(
                format!("max(delta(slotclock_present_slot{{{sel}}}[1h])) - max(delta(chain_head_block{{{sel}}}[1h]))"),
                "missed",
            )],
        ),
        panel(
            "Justified and finalized epochs",
            "none",
            "The head state's current justified and finalized checkpoints.",
            vec![
                (format!("max(beacon_current_justified_epoch{{{sel}}})"), "justified"),
                (format!("max(beacon_finalized_epoch{{{sel}}})"), "finalized"),
            ],
        ),
        panel(
            "Epochs since finality",
            "none",
            "Healthy at about 2; above 4 the chain is not finalizing (more than a third of the stake is offline).",
            vec![(format!("min(slotclock_present_epoch{{{sel}}} - beacon_finalized_epoch{{{sel}}})"), "epochs")],
        ),
        panel(
            "Participation (previous epoch, target)",
            "percentunit",
            "Stake that attested to the right target over the active stake; finality needs more than 2/3.",
            vec![(
                format!(
                    "max(beacon_participation_prev_epoch_target_attesting_gwei_total{{{sel}}} / \
                     beacon_participation_current_epoch_active_gwei_total{{{sel}}})"
                ),
                "target",
            )],
        ),
        panel("Beacon node peers", "none", "libp2p peers of each beacon node.", vec![(format!("libp2p_peers{{{sel}}}"), "{{pod}}")]),
        panel("Beacon nodes synced", "none", "1 when synced.", vec![(format!("sync_eth2_synced{{{sel}}}"), "{{pod}}")]),
        panel(
            "Validators per client",
            "none",
            "Validators each validator client runs (enabled of total).",
            vec![
                (format!("vc_validators_enabled_count{{{sel}}}"), "{{pod}} enabled"),
                (format!("vc_validators_total_count{{{sel}}}"), "{{pod}} total"),
            ],
        ),
        panel(
            "Attestations signed",
            "none",
            "Attestations each client signed, by outcome (slashable or unregistered ones need a look).",
            vec![(format!("sum by (pod, status) (increase(vc_signed_attestations_total{{{sel}}}[$__rate_interval]))"), "{{pod}} {{status}}")],
        ),
        panel(
            "Beacon nodes a client can use",
            "none",
            "Synced beacon nodes each validator client sees (its own and the fallbacks).",
            vec![(format!("vc_beacon_nodes_synced_count{{{sel}}}"), "{{pod}}")],
        ),
    ]
}

fn execution(sel: &str) -> Vec<Panel> {
    vec![
        panel("Block number", "none", "Each geth's head block.", vec![(format!("chain_head_block{{{sel}}}"), "{{pod}}")]),
        panel(
            "Blocks per minute",
            "none",
            "Execution blocks each geth imported per minute (5 at 12 s slots).",
            vec![(format!("60 * deriv(chain_head_block{{{sel}}}[5m])"), "{{pod}}")],
        ),
        panel(
            "Gas processed",
            "none",
            "Mgas per second of block processing (median of the last scrape interval).",
            vec![(format!("chain_mgasps{{{sel}, quantile=\"0.5\"}}"), "{{pod}}")],
        ),
        panel(
            "Transaction pool",
            "none",
            "Pending (executable) and queued transactions.",
            vec![
                (format!("txpool_pending{{{sel}}}"), "{{pod}} pending"),
                (format!("txpool_queued{{{sel}}}"), "{{pod}} queued"),
            ],
        ),
        panel("Execution peers", "none", "devp2p peers of each geth.", vec![(format!("p2p_peers{{{sel}}}"), "{{pod}}")]),
        panel(
            "Disk used per volume",
            "percentunit",
            "Used over capacity of each claim (kubelet volume stats; hostPath provisioners report none, see the databases' own sizes below).",
            vec![(
                "kubelet_volume_stats_used_bytes{namespace=\"$namespace\"} / kubelet_volume_stats_capacity_bytes{namespace=\"$namespace\"}".to_string(),
                "{{persistentvolumeclaim}}",
            )],
        ),
        panel(
            "Database sizes",
            "bytes",
            "geth's chain data and ancients, Lighthouse's hot and freezer databases.",
            vec![
                (format!("eth_db_chaindata_disk_size{{{sel}}} + eth_db_chaindata_ancient_size{{{sel}}}"), "{{pod}} geth"),
                (format!("store_disk_db_size{{{sel}}} + store_freezer_db_size{{{sel}}}"), "{{pod}} beacon"),
            ],
        ),
        panel(
            "Pod restarts (last hour)",
            "none",
            "Container restarts (kube-state-metrics).",
            vec![(format!("increase(kube_pod_container_status_restarts_total{{{sel}}}[1h])"), "{{pod}} {{container}}")],
        ),
    ]
}

/// A dashboard of `panels`, two a row.
fn dashboard(release: &str, what: &str, panels: Vec<Panel>) -> Value {
    let panels: Vec<Value> = panels
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let targets: Vec<Value> = p
                .queries
                .iter()
                .enumerate()
                .map(|(k, (expr, legend))| {
                    json!({ "refId": ((b'A' + k as u8) as char).to_string(), "expr": expr, "legendFormat": legend,
                            "datasource": { "type": "prometheus", "uid": "${datasource}" } })
                })
                .collect();
            json!({
                "id": i + 1, "type": p.kind, "title": p.title, "description": p.description,
                "gridPos": { "h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8 },
                "datasource": { "type": "prometheus", "uid": "${datasource}" },
                "fieldConfig": { "defaults": { "unit": p.unit }, "overrides": [] },
                "targets": targets,
            })
        })
        .collect();
    json!({
        "title": format!("{release}: {what}"),
        // Grafana takes uids of at most 40 characters.
        "uid": format!("ethwasm-{release}-{}", what.split_whitespace().next().unwrap_or("x")).chars().take(40).collect::<String>(),
        "tags": ["ethwasm", "ethereum"],
        "schemaVersion": 39,
        "time": { "from": "now-3h", "to": "now" },
        "refresh": "30s",
        "templating": { "list": [
            { "name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source" },
            { "name": "namespace", "type": "query", "label": "Namespace",
              "datasource": { "type": "prometheus", "uid": "${datasource}" },
              "query": { "query": "label_values(up, namespace)", "refId": "namespaces" },
              "definition": "label_values(up, namespace)", "refresh": 1 },
        ] },
        "panels": panels,
    })
}
