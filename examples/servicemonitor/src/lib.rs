//! servicemonitor: an example third-party plugin used with `--plugins` next to the Ethereum
//! chart. It renders a metrics Service over the release's geth pods and a Prometheus Operator
//! ServiceMonitor that scrapes geth's `/debug/metrics/prometheus` endpoint. Turn the endpoint
//! on with `--set miners.metrics.enabled=true`.

use ethwasm_plugin::{export, k8s, Info, Input, Output, Plugin, PluginError};
use serde::Deserialize;
use serde_json::json;

/// The `servicemonitor` values section.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Values {
    /// geth's metrics port (the miners plugin's `metrics.port`).
    pub port: u16,
    /// Scrape interval.
    pub interval: String,
    /// Labels your Prometheus selects ServiceMonitors by (e.g. `release: prometheus`).
    pub labels: serde_json::Map<String, serde_json::Value>,
}

impl Default for Values {
    fn default() -> Self {
        Values { port: 6060, interval: "30s".into(), labels: Default::default() }
    }
}

const SCHEMA: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "port": { "type": "integer", "minimum": 1, "maximum": 65535 },
    "interval": { "type": "string", "pattern": "^[0-9]+(ms|s|m|h)$" },
    "labels": { "type": "object", "additionalProperties": { "type": "string" } }
  }
}"#;

/// The plugin.
pub struct ServiceMonitor;

impl Plugin for ServiceMonitor {
    fn info() -> Info {
        Info::new("servicemonitor", env!("CARGO_PKG_VERSION"), "Prometheus ServiceMonitor for geth metrics")
            .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        Ok(render(&input.release().name, &v))
    }
}

/// Renders the metrics Service and the ServiceMonitor.
pub fn render(release: &str, v: &Values) -> Output {
    let name = format!("{release}-geth-metrics");
    let geth = json!({ "app.kubernetes.io/name": "geth", "app.kubernetes.io/instance": release });
    let labels = k8s::merge_labels(&geth, &json!({ "app.kubernetes.io/component": "metrics" }));
    let service = k8s::service(&name, &labels, &geth, "ClusterIP", vec![k8s::port("metrics", v.port, "TCP")]);
    let mut sm = k8s::object(
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        &name,
        Some(&k8s::merge_labels(&labels, &serde_json::Value::Object(v.labels.clone()))),
    );
    sm["spec"] = json!({
        "selector": { "matchLabels": labels },
        "endpoints": [{ "port": "metrics", "path": "/debug/metrics/prometheus", "interval": v.interval }],
    });
    Output::new().manifest(service).manifest(sm).notes("geth metrics need --set miners.metrics.enabled=true")
}

export!(ServiceMonitor);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_monitor_selects_the_metrics_service() {
        let mut v = Values::default();
        v.labels.insert("release".into(), "prometheus".into());
        let m = render("eth", &v).manifests();
        assert_eq!(m[0]["spec"]["ports"][0]["port"], 6060);
        assert_eq!(m[0]["spec"]["selector"]["app.kubernetes.io/name"], "geth");
        assert_eq!(m[1]["kind"], "ServiceMonitor");
        assert_eq!(m[1]["spec"]["selector"]["matchLabels"], m[0]["metadata"]["labels"]);
        assert_eq!(m[1]["metadata"]["labels"]["release"], "prometheus");
        assert_eq!(m[1]["spec"]["endpoints"][0]["path"], "/debug/metrics/prometheus");
    }
}
