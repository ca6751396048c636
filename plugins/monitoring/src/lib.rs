//! monitoring plugin: what a Prometheus and a Grafana need to watch the network, from the
//! miners plugin's `network` output (which pods serve metrics, on which port and path):
//!
//! - Grafana dashboards as ConfigMaps that Grafana's dashboard sidecar picks up by label
//!   (`dashboards.rs`): the beacon chain (head slot and missed slots, justified and finalized
//!   epochs, participation, peers, validator clients) and the execution side with the pods
//!   (block rate, gas, transaction pool, peers, disk used per volume, pod restarts);
//! - a PodMonitor per kind of pod (monitoring.coreos.com/v1, for the Prometheus Operator);
//! - scrape configs a plain Prometheus uses without the operator, in a ConfigMap.
//!
//! The metric names and the flags that serve them are cited in docs/research/metrics.md. The
//! pods serve metrics only with `miners.metrics.enabled`; without it this renders the dashboards
//! alone and says so in the notes.

mod dashboards;

use ethwasm_ethereum_types::{names, MetricsEndpoint, Network};
use ethwasm_plugin::k8s;
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// JSON Schema of the `monitoring` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The `monitoring` values section.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Values {
    /// The switch of the whole plugin (the chart's `condition`: off, it is not even compiled).
    pub enabled: bool,
    pub dashboards: DashboardValues,
    pub pod_monitors: PodMonitorValues,
    pub scrape_config: Toggle,
}

/// `monitoring.dashboards`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DashboardValues {
    pub enabled: bool,
    /// The label (and value) Grafana's sidecar looks for (kube-prometheus-stack: `grafana_dashboard: "1"`).
    pub label: String,
    pub label_value: String,
    /// The Grafana folder (the sidecar's `grafana_folder` annotation); empty: the default one.
    pub folder: String,
}

impl Default for DashboardValues {
    fn default() -> Self {
        DashboardValues {
            enabled: true,
            label: "grafana_dashboard".into(),
            label_value: "1".into(),
            folder: String::new(),
        }
    }
}

/// `monitoring.podMonitors`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodMonitorValues {
    pub enabled: bool,
    pub interval: String,
    /// Labels the Prometheus selects PodMonitors by (kube-prometheus-stack: `release: <its release>`).
    pub labels: Map<String, Value>,
}

impl Default for PodMonitorValues {
    fn default() -> Self {
        PodMonitorValues { enabled: false, interval: "30s".into(), labels: Map::new() }
    }
}

/// A switch.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Toggle {
    pub enabled: bool,
}

/// The plugin.
pub struct Monitoring;

impl Plugin for Monitoring {
    fn info() -> Info {
        Info::new(
            "monitoring",
            env!("CARGO_PKG_VERSION"),
            "Grafana dashboards, PodMonitors and Prometheus scrape configs for the network's metrics",
        )
        .requires(&[names::NETWORK])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let network: Network = input.input(names::NETWORK)?;
        Ok(render(input.release(), &values, &network))
    }
}

/// Renders what `v` turns on for `release`.
pub fn render(release: &Release, v: &Values, network: &Network) -> Output {
    let (namespace, release) = (release.namespace.as_str(), release.name.as_str());
    let mut out = Output::new();
    if !v.enabled {
        return out;
    }
    let mut notes = Vec::new();
    let any = v.dashboards.enabled || v.pod_monitors.enabled || v.scrape_config.enabled;
    if any && network.metrics.is_empty() {
        notes.push("monitoring: the pods serve no metrics; turn them on with --set miners.metrics.enabled=true".into());
    }
    if v.dashboards.enabled {
        for (name, dashboard) in dashboards::all(release, network) {
            out = out.manifest(dashboard_config_map(release, &v.dashboards, &name, &dashboard));
        }
        notes.push(format!(
            "Grafana dashboards: ConfigMaps labelled {}={} in {namespace}, for Grafana's dashboard sidecar",
            v.dashboards.label, v.dashboards.label_value
        ));
    }
    if v.pod_monitors.enabled {
        for m in &network.metrics {
            out = out.manifest(pod_monitor(release, &v.pod_monitors, m));
        }
    }
    if v.scrape_config.enabled {
        let text = scrape_configs(namespace, release, &network.metrics);
        let mut cm = k8s::config_map(&format!("{release}-scrape-config"), [("scrape-configs.yaml", text.as_str())]);
        cm["metadata"]["labels"] = k8s::component_labels(release, "monitoring", "scrape-config");
        out = out.manifest(cm);
        notes.push(format!(
            "Prometheus scrape configs (no operator): kubectl -n {namespace} get configmap {release}-scrape-config -o \
             jsonpath='{{.data.scrape-configs\\.yaml}}', then add them under scrape_configs"
        ));
    }
    if notes.is_empty() {
        out
    } else {
        out.notes(notes.join("\n"))
    }
}

fn dashboard_config_map(release: &str, v: &DashboardValues, name: &str, dashboard: &Value) -> Value {
    let text = serde_json::to_string_pretty(dashboard).unwrap_or_default();
    let file = format!("{release}-{name}.json");
    let mut cm = k8s::config_map(&format!("{release}-dashboard-{name}"), [(file.as_str(), text.as_str())]);
    let labels = k8s::merge_labels(
        &k8s::component_labels(release, "monitoring", "dashboard"),
        &json!({ v.label.as_str(): v.label_value.as_str() }),
    );
    cm["metadata"]["labels"] = labels;
    if !v.folder.is_empty() {
        cm["metadata"]["annotations"] = json!({ "grafana_folder": v.folder });
    }
    cm
}

/// A PodMonitor for the pods of `m`.
fn pod_monitor(release: &str, v: &PodMonitorValues, m: &MetricsEndpoint) -> Value {
    let labels = k8s::merge_labels(
        &k8s::component_labels(release, "monitoring", "pod-monitor"),
        &Value::Object(v.labels.clone()),
    );
    let mut pm = k8s::object("monitoring.coreos.com/v1", "PodMonitor", &format!("{release}-{}", m.job), Some(&labels));
    pm["spec"] = json!({
        "selector": { "matchLabels": m.selector },
        "podMetricsEndpoints": [{ "port": m.port_name, "path": m.path, "interval": v.interval }],
    });
    pm
}

/// Scrape configs (YAML, as Prometheus's `scrape_configs` takes it) that find the pods of each
/// endpoint through the Kubernetes API (`kubernetes_sd_configs`, role `pod`) and keep the
/// container port by name.
pub fn scrape_configs(namespace: &str, release: &str, metrics: &[MetricsEndpoint]) -> String {
    let mut s = String::new();
    for m in metrics {
        s.push_str(&format!(
            "- job_name: {release}-{job}\n  metrics_path: {path}\n  kubernetes_sd_configs:\n    - role: pod\n      \
             namespaces:\n        names: [{namespace}]\n  relabel_configs:\n",
            job = m.job,
            path = m.path
        ));
        for (label, value) in &m.selector {
            let meta = label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect::<String>();
            s.push_str(&format!(
                "    - source_labels: [__meta_kubernetes_pod_label_{meta}]\n      regex: {value}\n      action: keep\n"
            ));
        }
        s.push_str(&format!(
            "    - source_labels: [__meta_kubernetes_pod_container_port_name]\n      regex: {port}\n      action: keep\n    \
             - source_labels: [__meta_kubernetes_pod_name]\n      target_label: pod\n    \
             - source_labels: [__meta_kubernetes_namespace]\n      target_label: namespace\n    \
             - target_label: job\n      replacement: {job}\n",
            port = m.port_name,
            job = m.job
        ));
    }
    s
}

export!(Monitoring);

#[cfg(test)]
mod tests;
