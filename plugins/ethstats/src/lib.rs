//! ethstats plugin: the eth-netstats dashboard that geth nodes report to.
//!
//! Renders a Deployment and a Service for an eth-netstats server whose `WS_SECRET` comes from
//! the Secret the secrets plugin owns (input `ethstats-secret`), so the dashboard and every geth
//! node read the same secret. Provides `ethstats`: whether it is on and the address nodes dial.

use ethwasm_ethereum_types::{names, EthstatsEndpoint as Endpoint, SecretKeyRef as SecretRef};
use ethwasm_plugin::k8s::{self, Image};
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};
use serde::Deserialize;

/// JSON Schema of the `ethstats` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The `ethstats` values section.
#[derive(Debug, Deserialize)]
// No deny_unknown_fields: `placement` is flattened; the schema rejects unknown keys.
#[serde(rename_all = "camelCase", default)]
pub struct Values {
    pub enabled: bool,
    pub image: Image,
    pub service: k8s::ServiceValues,
    #[serde(flatten)]
    pub placement: k8s::Placement,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            enabled: true,
            image: Image::default(),
            service: k8s::ServiceValues::default(),
            placement: k8s::Placement::default(),
        }
    }
}

const REPOSITORY: &str = "ethereumex/eth-stats-dashboard";
const TAG: &str = "v0.0.1";
const CONTAINER_PORT: u16 = 3000;

/// The plugin.
pub struct Ethstats;

impl Plugin for Ethstats {
    fn info() -> Info {
        Info::new("ethstats", env!("CARGO_PKG_VERSION"), "eth-netstats dashboard that geth nodes report to")
            .provides(&[names::ETHSTATS])
            .requires(&[names::ETHSTATS_SECRET])
            .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let values: Values = input.values()?;
        let secret: SecretRef = input.input(names::ETHSTATS_SECRET)?;
        Ok(render(input.release(), &values, &secret))
    }
}

/// Renders the dashboard for `release`.
pub fn render(release: &Release, v: &Values, secret: &SecretRef) -> Output {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    let name = format!("{release}-ethstats");
    let endpoint =
        Endpoint { enabled: v.enabled, address: format!("{name}:{}", v.service.port), secret: secret.clone() };
    let out = Output::new().output(names::ETHSTATS, &endpoint);
    if !v.enabled {
        return out;
    }
    let selector = k8s::selector(release, "ethstats");
    let labels = k8s::component_labels(release, "ethstats", "ethstats");
    let container = Container::new("ethstats", &v.image.reference(REPOSITORY, TAG), v.image.pull_policy())
        .env([
            k8s::secret_env("WS_SECRET", &secret.secret_name, &secret.key),
            // `npm start` keeps its cache and logs under $HOME, which is `/` for a user the image
            // does not know, and the root filesystem is read-only.
            k8s::env("HOME", "/tmp"),
        ])
        .ports([workload::container_port("http", CONTAINER_PORT, "TCP")])
        .mounts([workload::mount("tmp", "/tmp")])
        .tcp_readiness("http");
    let pod =
        Pod::new(&labels).volumes([workload::empty_dir_volume("tmp")]).container(container).placement(&v.placement);
    let deployment = workload::deployment(&name, 1, &selector, pod);
    let service =
        k8s::service(&name, &labels, &selector, &v.service.type_, vec![k8s::port("http", v.service.port, "TCP")]);
    let notes = format!(
        "ethstats dashboard: kubectl -n {namespace} port-forward svc/{name} 8080:{port}, then open http://localhost:8080",
        port = v.service.port
    );
    out.manifest(deployment).manifest(service).notes(notes)
}

export!(Ethstats);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(enabled: bool) -> Values {
        serde_json::from_value(json!({ "enabled": enabled, "image": {"tag": "v0.0.2"} })).unwrap()
    }

    fn rel() -> Release {
        Release { name: "eth".into(), namespace: "chain".into(), created: 1_767_225_600 }
    }

    fn secret() -> SecretRef {
        SecretRef { secret_name: "eth-ethstats".into(), key: "WS_SECRET".into() }
    }

    #[test]
    fn renders_deployment_and_service_reading_the_shared_secret() {
        let out = render(&rel(), &values(true), &secret());
        let m = out.manifests();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["kind"], "Deployment");
        assert_eq!(m[0]["spec"]["template"]["spec"]["containers"][0]["image"], "ethereumex/eth-stats-dashboard:v0.0.2");
        let env = &m[0]["spec"]["template"]["spec"]["containers"][0]["env"][0];
        assert_eq!(env["name"], "WS_SECRET");
        assert_eq!(env["valueFrom"]["secretKeyRef"]["name"], "eth-ethstats");
        assert_eq!(m[1]["kind"], "Service");
        assert_eq!(m[1]["spec"]["ports"][0]["port"], 80);
        assert!(m[0]["spec"]["template"]["spec"].get("nodeSelector").is_none());
        let ep: Endpoint = serde_json::from_value(out.get_output(names::ETHSTATS).unwrap()).unwrap();
        assert_eq!(ep.address, "eth-ethstats:80");
        assert!(ep.enabled);
    }

    #[test]
    fn dashboard_is_hardened_with_a_writable_tmp() {
        let m = render(&rel(), &values(true), &secret()).manifests();
        let pod = &m[0]["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
        let c = &pod["containers"][0];
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
        assert_eq!(c["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(pod["volumes"][0], json!({ "name": "tmp", "emptyDir": {} }));
        assert_eq!(c["volumeMounts"][0]["mountPath"], "/tmp");
    }

    #[test]
    fn disabled_renders_nothing_but_says_so() {
        let out = render(&rel(), &values(false), &secret());
        assert!(out.manifests().is_empty());
        assert_eq!(out.get_output(names::ETHSTATS).unwrap()["enabled"], false);
    }

    #[test]
    fn schema_is_json() {
        let s: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(s["additionalProperties"], false);
    }
}
