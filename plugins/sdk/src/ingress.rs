//! An Ingress in front of one Service port, as a tool's values ask for it ([`IngressValues`]):
//! off by default, one host (or every host), an optional TLS Secret and ingress class.

use crate::k8s;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `ingress` in a tool's values section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IngressValues {
    /// Render the Ingress.
    pub enabled: bool,
    /// `spec.ingressClassName`; empty: the cluster's default class.
    pub class_name: String,
    /// The host it serves; empty: every host.
    pub host: String,
    /// Annotations for the ingress controller (e.g. auth, rate limits).
    pub annotations: Map<String, Value>,
    /// A `kubernetes.io/tls` Secret for `host`; empty: plain HTTP.
    pub tls_secret: String,
}

/// The schema of [`IngressValues`], for a plugin's schema.json (`"ingress": <this>`).
pub const SCHEMA: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "enabled": { "type": "boolean" },
    "className": { "type": "string" },
    "host": { "type": "string", "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$" },
    "annotations": { "type": "object", "additionalProperties": { "type": "string" } },
    "tlsSecret": { "type": "string" }
  }
}"#;

impl IngressValues {
    /// The Ingress `name` routing every path to `service`'s `port`, when enabled.
    pub fn render(&self, name: &str, labels: &Value, service: &str, port: u16) -> Option<Value> {
        if !self.enabled {
            return None;
        }
        let mut o = k8s::object("networking.k8s.io/v1", "Ingress", name, Some(labels));
        if !self.annotations.is_empty() {
            o["metadata"]["annotations"] = Value::Object(self.annotations.clone());
        }
        let backend = json!({ "service": { "name": service, "port": { "number": port } } });
        let mut rule = json!({ "http": { "paths": [{ "path": "/", "pathType": "Prefix", "backend": backend }] } });
        if !self.host.is_empty() {
            rule["host"] = self.host.clone().into();
        }
        let mut spec = json!({ "rules": [rule] });
        if !self.class_name.is_empty() {
            spec["ingressClassName"] = self.class_name.clone().into();
        }
        if !self.tls_secret.is_empty() {
            let hosts: Vec<&str> = [self.host.as_str()].into_iter().filter(|h| !h.is_empty()).collect();
            spec["tls"] = json!([{ "hosts": hosts, "secretName": self.tls_secret }]);
        }
        o["spec"] = spec;
        Some(o)
    }

    /// `out` with the Ingress in front of `service`'s `port` (when enabled) and `notes`, which
    /// then also give the Ingress's URL.
    pub fn attach(
        &self,
        out: crate::Output,
        notes: String,
        name: &str,
        labels: &Value,
        service: &str,
        port: u16,
    ) -> crate::Output {
        let Some(ingress) = self.render(name, labels, service, port) else { return out.notes(notes) };
        let notes = match self.url() {
            Some(url) => format!("{notes} (or {url})"),
            None => notes,
        };
        out.manifest(ingress).notes(notes)
    }

    /// How to open it, for the notes: the Ingress's URL, or None when off.
    pub fn url(&self) -> Option<String> {
        let scheme = if self.tls_secret.is_empty() { "http" } else { "https" };
        (self.enabled && !self.host.is_empty()).then(|| format!("{scheme}://{}/", self.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ingress_routes_its_host_to_the_service() {
        let v: IngressValues = serde_json::from_value(json!({
            "enabled": true, "host": "dora.example.com", "className": "nginx", "tlsSecret": "dora-tls",
            "annotations": { "nginx.ingress.kubernetes.io/limit-rps": "5" }
        }))
        .unwrap();
        let o = v.render("eth-dora", &json!({ "a": "b" }), "eth-dora", 80).unwrap();
        assert_eq!(o["spec"]["rules"][0]["host"], "dora.example.com");
        assert_eq!(o["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"], 80);
        assert_eq!(o["spec"]["ingressClassName"], "nginx");
        assert_eq!(o["spec"]["tls"][0], json!({ "hosts": ["dora.example.com"], "secretName": "dora-tls" }));
        assert_eq!(o["metadata"]["annotations"]["nginx.ingress.kubernetes.io/limit-rps"], "5");
        assert_eq!(v.url().as_deref(), Some("https://dora.example.com/"));
        assert!(IngressValues::default().render("x", &json!({}), "x", 80).is_none());
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["additionalProperties"], false);
    }
}
