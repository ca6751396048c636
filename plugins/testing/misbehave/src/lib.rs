//! Test plugin: behaves well or breaks one sandbox rule, as its values ask.
//!
//! `misbehave.mode`: `ok` (a ConfigMap holding derived bytes and the release's creation
//! time), `loop` (spins forever), `memory`
//! (grows memory until refused), `flood` (returns more output than the host allows), `panic`,
//! `abort` (a wasm trap), `error` (a typed plugin error), `log` (logs at every level); and
//! hostile ones: `noisy` (20,000 log lines of 64 KiB), `escape` / `escape-error` (terminal
//! escape sequences in notes and in an error), `big-panic` (a 10 MiB panic message),
//! `long-label` (derive-key with a 120 MiB label), `bad-kind` (a `kind` with `/` and `..`),
//! `list` (a `kind: List` wrapping an object in kube-system); and beyond the default
//! permissions: `cluster-admin` (a ClusterRoleBinding), `kube-system` (a ConfigMap there),
//! `privileged` (a privileged Pod mounting the host's root); `echo` (returns
//! `misbehave.manifests` as given: a hostile author's chosen objects, for the permission tests).

use ethwasm_plugin::{export, k8s, keys, log, Info, Input, Level, Output, Plugin, PluginError};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Values {
    mode: String,
    /// Size of the flood in MiB.
    flood_mib: usize,
    /// The objects `echo` returns.
    manifests: Vec<serde_json::Value>,
}

/// The plugin.
pub struct Misbehave;

impl Plugin for Misbehave {
    fn info() -> Info {
        Info::new("misbehave", env!("CARGO_PKG_VERSION"), "breaks sandbox rules on request, for tests")
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        let name = format!("{}-misbehave", input.release().name);
        match v.mode.as_str() {
            "" | "ok" => {
                let a = keys::to_hex(&keys::derive("a", 32));
                let b = keys::to_hex(&keys::derive("b", 16));
                let created = input.release().created.to_string();
                Ok(Output::new().manifest(k8s::config_map(
                    &name,
                    [("a", a.as_str()), ("b", b.as_str()), ("created", created.as_str())],
                )))
            }
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = std::hint::black_box(i.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut chunk = vec![0u8; 8 << 20];
                    chunk[0] = 1;
                    hoard.push(std::hint::black_box(chunk));
                }
            }
            "flood" => {
                let mib = if v.flood_mib == 0 { 20 } else { v.flood_mib };
                let blob = "x".repeat(1 << 20);
                let mut out = Output::new();
                for i in 0..mib {
                    out = out.manifest(k8s::config_map(&format!("{name}-{i}"), [("blob", blob.as_str())]));
                }
                Ok(out)
            }
            "panic" => panic!("misbehave was asked to panic"),
            "abort" => std::process::abort(),
            "error" => Err(PluginError::Failed("misbehave was asked to fail".into())),
            "log" => {
                for (level, text) in [
                    (Level::Debug, "debug line"),
                    (Level::Info, "info line"),
                    (Level::Warn, "warn line"),
                    (Level::Error, "error line"),
                ] {
                    log(level, text);
                }
                Ok(Output::new())
            }
            // Hostile modes: what the host does for a plugin must stay bounded, and its text
            // must reach the terminal escaped.
            "noisy" => {
                let big = "n".repeat(64 << 10);
                for _ in 0..20_000 {
                    log(Level::Error, &big);
                }
                Ok(Output::new())
            }
            "escape" => Ok(Output::new()
                .manifest(k8s::config_map(&name, [("a", "b")]))
                .notes("title\x1b]0;pwned\x07 clear\x1b[2J\x1b[H done")),
            "escape-error" => Err(PluginError::Failed("bad\x1b[2J\x1b[H news".into())),
            "big-panic" => panic!("{}", "p".repeat(10 << 20)),
            "long-label" => Ok(Output::new().manifest(k8s::config_map(
                &name,
                [("k", keys::to_hex(&keys::derive(&"l".repeat(120 << 20), 8160)).as_str())],
            ))),
            "bad-kind" => Ok(Output::new().manifest(serde_json::json!({
                "apiVersion": "v1", "kind": "../../escaped", "metadata": {"name": name}
            }))),
            "list" => Ok(Output::new().manifest(serde_json::json!({
                "apiVersion": "v1", "kind": "List", "metadata": {"name": name},
                "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "hidden", "namespace": "kube-system"}}]
            }))),
            // Objects beyond the default permissions.
            "cluster-admin" => Ok(Output::new().manifest(serde_json::json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}]
            }))),
            "kube-system" => Ok(Output::new().manifest(serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "kube-system"}
            }))),
            "privileged" => Ok(Output::new().manifest(serde_json::json!({
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {
                    "containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true},
                                    "volumeMounts": [{"name": "root", "mountPath": "/host"}]}],
                    "volumes": [{"name": "root", "hostPath": {"path": "/"}}]
                }
            }))),
            "echo" => Ok(v.manifests.into_iter().fold(Output::new(), Output::manifest)),
            other => Err(PluginError::InvalidValues(format!(
                "mode: unknown mode `{other}`; use ok, loop, memory, flood, panic, abort, error, log, noisy, escape, escape-error, big-panic, long-label, bad-kind, list, cluster-admin, kube-system, privileged or echo"
            ))),
        }
    }
}

export!(Misbehave);
