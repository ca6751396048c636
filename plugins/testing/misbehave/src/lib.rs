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
//! `misbehave.manifests` as given: a hostile author's chosen objects, for the permission tests);
//! and against the host's `crypto` interface (WIT 0.3.0): `crypto-spin` (batches of eight
//! 64 MiB scrypts, forever: the host's deadline must stop work it runs natively),
//! `crypto-memory` (one scrypt of 128 MiB: over a 64 MiB memory limit), `crypto-bound` (5,000
//! derivation paths in one call: over its bound), `crypto-ok` (one of each call, its answers in
//! a ConfigMap); `progress` (reports "steps 1/2", then works for a second or more in the host's
//! scrypt, for the live progress line).

use ethwasm_plugin::{crypto, export, k8s, keys, log, Info, Input, Level, Output, Plugin, PluginError};
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
            "crypto-spin" => loop {
                let salts: Vec<Vec<u8>> = (0u8..8).map(|i| vec![i; 32]).collect();
                std::hint::black_box(crypto::scrypt(b"pw", &salts, 16, 8, 1, 32));
            },
            "crypto-memory" => Ok(Output::new().manifest(k8s::config_map(
                &name,
                [("dk", keys::to_hex(&crypto::scrypt(b"pw", &[vec![1; 32]], 17, 8, 1, 32).concat()).as_str())],
            ))),
            "progress" => {
                ethwasm_plugin::progress("steps", 1, 2);
                // 24 scrypts of 64 MiB: memory-hard, so over a second on any machine of today
                // (about 2.4 s on 2 cores here).
                let salts: Vec<Vec<u8>> = (0u8..24).map(|i| vec![i; 32]).collect();
                let dk = crypto::scrypt(b"pw", &salts, 16, 8, 1, 32).concat();
                ethwasm_plugin::progress("steps", 2, 2);
                Ok(Output::new().manifest(k8s::config_map(&name, [("dk", keys::to_hex(&dk[..32]).as_str())])))
            }
            "crypto-bound" => {
                let paths: Vec<Vec<u32>> = (0..5_000).map(|i| vec![i]).collect();
                Ok(Output::new().manifest(k8s::config_map(
                    &name,
                    [("sk", keys::to_hex(&crypto::eip2333_derive(&[1; 32], &paths)).as_str())],
                )))
            }
            "crypto-ok" => {
                let sk = crypto::eip2333_derive(&[1; 32], &[vec![0], vec![1, 2]]);
                let pk = crypto::bls_public_keys(&sk).map_err(PluginError::Failed)?;
                let agg = crypto::bls_aggregate_public_keys(&pk).map_err(PluginError::Failed)?;
                let zero = crypto::bls_public_keys(&[0; 32]).expect_err("zero is no secret key");
                let scrypt = crypto::scrypt(b"password", &[b"NaCl".to_vec()], 10, 8, 16, 64).concat();
                let pbkdf2 = crypto::pbkdf2_sha256(b"passwd", &[b"salt".to_vec()], 1, 64).concat();
                let hex = [sk, pk, agg, scrypt, pbkdf2].map(|b| keys::to_hex(&b));
                Ok(Output::new().manifest(k8s::config_map(
                    &name,
                    [
                        ("sk", hex[0].as_str()),
                        ("pk", hex[1].as_str()),
                        ("aggregate", hex[2].as_str()),
                        ("zero", zero.as_str()),
                        ("scrypt", hex[3].as_str()),
                        ("pbkdf2", hex[4].as_str()),
                    ],
                )))
            }
            "echo" => Ok(v.manifests.into_iter().fold(Output::new(), Output::manifest)),
            other => Err(PluginError::InvalidValues(format!(
                "mode: unknown mode `{other}`; use ok, loop, memory, flood, panic, abort, error, log, noisy, escape, escape-error, big-panic, long-label, bad-kind, list, cluster-admin, kube-system, privileged or echo"
            ))),
        }
    }
}

export!(Misbehave);
