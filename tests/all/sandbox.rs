//! The sandbox: every limit and every denied capability, checked by its error message.

use ethwasm::plugin::{Limits, Plugin, PluginError};
use ethwasm_tests::{input, load_test_plugin, runtime, seed, test_plugin_path};
use serde_json::json;
use std::time::{Duration, Instant};

fn limits() -> Limits {
    Limits::default()
}

fn render_err(name: &str, limits: Limits, values: serde_json::Value) -> PluginError {
    let rt = runtime();
    let p = load_test_plugin(&rt, name, limits);
    p.render(&seed(1), &input(values)).expect_err("the plugin must fail")
}

#[test]
fn infinite_loop_stops_at_the_deadline() {
    let l = Limits { timeout: Duration::from_secs(1), ..limits() };
    let rt = runtime();
    // Loading and compiling are not what the deadline bounds: time the render call alone.
    let p = load_test_plugin(&rt, "misbehave", l);
    let start = Instant::now();
    let e = p.render(&seed(1), &input(json!({"mode": "loop"}))).expect_err("the loop must be stopped");
    let took = start.elapsed();
    assert_eq!(e.to_string(), "plugin `misbehave` exceeded its time limit of 1s in `render` (raise it with --plugin-timeout or the chart's `limits.timeout`)");
    // The lower bound is the property; the upper one only says it stopped, with room for a
    // busy machine (the epoch ticker is a thread that may be scheduled late).
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(30), "stopped after {took:?}");
}

#[test]
fn memory_growth_hits_the_memory_limit() {
    let l = Limits { memory_bytes: 64 << 20, ..limits() };
    let e = render_err("misbehave", l, json!({"mode": "memory"}));
    assert_eq!(e.to_string(), "plugin `misbehave` exceeded its memory limit of 64Mi (raise it with --plugin-memory or the chart's `limits.memory`)");
}

#[test]
fn output_flood_hits_the_output_cap() {
    let e = render_err("misbehave", limits(), json!({"mode": "flood", "flood_mib": 20}));
    let msg = e.to_string();
    assert!(msg.starts_with("plugin `misbehave` returned 2097"), "{msg}");
    assert!(msg.ends_with("bytes of output, over the limit of 16777216 bytes (--max-output)"), "{msg}");
    // Under the cap the same plugin is fine.
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    assert_eq!(p.render(&seed(1), &input(json!({"mode": "flood", "flood_mib": 2}))).unwrap().output.manifests.len(), 2);
}

#[test]
fn a_panic_names_the_plugin_and_carries_the_message() {
    let msg = render_err("misbehave", limits(), json!({"mode": "panic"})).to_string();
    assert!(msg.starts_with("plugin `misbehave` trapped in `render`: wasm `unreachable` executed"), "{msg}");
    assert!(msg.contains("misbehave was asked to panic"), "{msg}");
}

#[test]
fn an_abort_is_a_trap_naming_the_plugin() {
    let msg = render_err("misbehave", limits(), json!({"mode": "abort"})).to_string();
    assert!(
        msg.starts_with(
            "plugin `misbehave` trapped in `render`: wasm `unreachable` executed (a panic or abort in the plugin)"
        ),
        "{msg}"
    );
}

#[test]
fn a_plugin_error_is_data() {
    let e = render_err("misbehave", limits(), json!({"mode": "error"}));
    assert_eq!(e.to_string(), "plugin `misbehave` failed: misbehave was asked to fail");
    let e = render_err("misbehave", limits(), json!({"mode": "nonsense"}));
    assert!(matches!(e, PluginError::InvalidValues { .. }), "{e}");
    assert!(e.to_string().contains("unknown mode `nonsense`"));
}

#[test]
fn a_fresh_store_works_after_a_trap() {
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    assert!(p.render(&seed(1), &input(json!({"mode": "panic"}))).is_err());
    assert_eq!(p.render(&seed(1), &input(json!({"mode": "ok"}))).unwrap().output.manifests.len(), 1);
}

#[test]
fn plugin_logs_reach_the_host() {
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    let r = p.render(&seed(1), &input(json!({"mode": "log"}))).unwrap();
    let msgs: Vec<&str> = r.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(msgs, ["debug line", "info line", "warn line", "error line"]);
}

#[test]
fn derive_key_is_deterministic_per_seed() {
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    let data = |s: u8| {
        let out = p.render(&seed(s), &input(json!({}))).unwrap().output;
        let cm: serde_json::Value = serde_json::from_str(&out.manifests[0]).unwrap();
        (cm["data"]["a"].as_str().unwrap().to_string(), cm["data"]["b"].as_str().unwrap().to_string())
    };
    let (a1, b1) = data(1);
    assert_eq!((a1.len(), b1.len()), (64, 32));
    assert_eq!(data(1), (a1.clone(), b1.clone()));
    let (a2, _) = data(2);
    assert_ne!(a1, a2, "another seed gives other keys");
    assert_ne!(&a1[..32], &b1[..], "labels are independent");
}

#[test]
fn wasi_file_reads_are_denied() {
    let msg = render_err("wasi-probe", limits(), json!({"mode": "file", "path": "/etc/hostname"})).to_string();
    assert!(msg.starts_with("plugin `wasi-probe` failed: read /etc/hostname denied:"), "{msg}");
    let msg = render_err("wasi-probe", limits(), json!({"mode": "file", "path": "Cargo.toml"})).to_string();
    assert!(msg.contains("read Cargo.toml denied:"), "relative paths too: {msg}");
}

#[test]
fn wasi_environment_and_arguments_are_empty() {
    let msg = render_err("wasi-probe", limits(), json!({"mode": "env"})).to_string();
    assert!(msg.starts_with("plugin `wasi-probe` failed: env vars: 0, args: 0, cwd: "), "{msg}");
}

#[test]
fn wasi_stdio_goes_to_the_log() {
    let rt = runtime();
    let p = load_test_plugin(&rt, "wasi-probe", limits());
    let r = p.render(&seed(1), &input(json!({"mode": "stdio"}))).unwrap();
    let msgs: Vec<&str> = r.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(msgs, ["hello from stdout", "hello from stderr"]);
}

#[test]
fn a_wrong_wit_version_is_refused_naming_both() {
    let rt = runtime();
    let path = test_plugin_path("wrong-wit");
    let e = Plugin::load(&rt, &path, limits()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "plugin {} was built against ethwasm:plugin@0.0.1, but this host supports ethwasm:plugin@0.3.0, ethwasm:plugin@0.2.0, ethwasm:plugin@0.1.0; rebuild it against a supported version",
            path.display()
        )
    );
}

#[test]
fn an_unknown_import_is_refused_naming_it() {
    let bytes = wat::parse_str(
        r#"(component
            (import "evil:net/socket@1.0.0" (instance))
            (instance $e)
            (export "ethwasm:plugin/plugin@0.1.0" (instance $e)))"#,
    )
    .unwrap();
    let rt = runtime();
    let e = Plugin::from_bytes(&rt, std::path::Path::new("evil.wasm"), &bytes, limits()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "plugin evil.wasm imports `evil:net/socket@1.0.0`, which the sandbox does not provide; a plugin may import only ethwasm:plugin/host, ethwasm:plugin/crypto (from WIT 0.3.0) and WASI 0.2"
    );
}

#[test]
fn a_core_module_is_refused() {
    let bytes = wat::parse_str("(module)").unwrap();
    let rt = runtime();
    let e = Plugin::from_bytes(&rt, std::path::Path::new("core.wasm"), &bytes, limits()).unwrap_err();
    assert!(
        e.to_string().starts_with("core.wasm is not a WebAssembly component (a core module, not a component)"),
        "{e}"
    );
}

/// Work the host runs natively for a plugin (WIT 0.3.0's `crypto`) is not interrupted by the
/// epoch: the host checks the deadline between items, so a plugin that asks for scrypt batches
/// forever still stops at its time limit.
#[test]
fn crypto_work_stops_at_the_deadline() {
    let l = Limits { timeout: Duration::from_secs(1), ..limits() };
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", l);
    let start = Instant::now();
    let e = p.render(&seed(1), &input(json!({"mode": "crypto-spin"}))).expect_err("the spin must be stopped");
    let took = start.elapsed();
    assert_eq!(e.to_string(), "plugin `misbehave` exceeded its time limit of 1s in `render` (raise it with --plugin-timeout or the chart's `limits.timeout`)");
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(30), "stopped after {took:?}");
}

/// scrypt's working memory is the host's, charged to the plugin's memory limit.
#[test]
fn crypto_memory_counts_against_the_memory_limit() {
    let l = Limits { memory_bytes: 64 << 20, ..limits() };
    let e = render_err("misbehave", l, json!({"mode": "crypto-memory"}));
    assert_eq!(e.to_string(), "plugin `misbehave` exceeded its memory limit of 64Mi (raise it with --plugin-memory or the chart's `limits.memory`)");
    // Under the default 256 MiB the same 128 MiB scrypt runs.
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    assert_eq!(p.render(&seed(1), &input(json!({"mode": "crypto-memory"}))).unwrap().output.manifests.len(), 1);
}

/// A crypto argument past its bound is a trap that says which bound.
#[test]
fn a_crypto_call_past_its_bound_traps_and_says_why() {
    let msg = render_err("misbehave", limits(), json!({"mode": "crypto-bound"})).to_string();
    assert!(
        msg.starts_with(
            "plugin `misbehave` trapped in `render`: crypto.eip2333-derive: 5000 paths; at most 4096 per call"
        ),
        "{msg}"
    );
}

/// Every crypto call through the real interface, against published vectors and the plugins' own
/// crate: RFC 7914's scrypt and PBKDF2-HMAC-SHA256 vectors, and `consensus-keys` for EIP-2333 and
/// BLS.
#[test]
fn crypto_calls_answer_as_the_vectors_and_the_crate_do() {
    let rt = runtime();
    let p = load_test_plugin(&rt, "misbehave", limits());
    let out = p.render(&seed(1), &input(json!({"mode": "crypto-ok"}))).unwrap().output;
    let cm: serde_json::Value = serde_json::from_str(&out.manifests[0]).unwrap();
    let data = |k: &str| cm["data"][k].as_str().unwrap().to_string();
    // RFC 7914 section 12, the second scrypt vector; section 11, the first PBKDF2 vector.
    assert_eq!(
        data("scrypt"),
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    );
    assert_eq!(
        data("pbkdf2"),
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
    );
    use consensus_keys::{backend, bls};
    let parent = [1u8; 32];
    let sks = [backend::derive_path_from(&parent, &[0]), backend::derive_path_from(&parent, &[1, 2])];
    assert_eq!(data("sk"), hex::encode(sks.concat()));
    let pks = bls::public_keys(&sks).unwrap();
    assert_eq!(data("pk"), hex::encode(pks.concat()));
    assert_eq!(data("aggregate"), hex::encode(bls::aggregate_public_keys(&pks).unwrap()));
    assert_eq!(data("zero"), "secret key 0: zero or not below the BLS12-381 group order");
}

/// Winch (the default compiler on x86_64 with AVX) lacks some proposals, tail calls among them:
/// a component that uses one is compiled by Cranelift instead, so it gets as far as it would
/// have (here, to the check of its world), not to a compile error.
#[test]
fn a_component_winch_cannot_compile_is_compiled_by_cranelift() {
    use ethwasm::plugin::{CompileCache, Compiler, Runtime};
    let bytes = wat::parse_str(
        r#"(component
            (core module $m
                (func $f (param i32) (result i32) (return_call $f (local.get 0)))
                (export "f" (func $f)))
            (core instance (instantiate $m)))"#,
    )
    .unwrap();
    for compiler in [Compiler::Winch, Compiler::Cranelift] {
        let rt = Runtime::with_compiler(CompileCache::disabled(), compiler).unwrap();
        let e = Plugin::from_bytes(&rt, std::path::Path::new("tail.wasm"), &bytes, limits()).unwrap_err();
        assert!(
            e.to_string().starts_with("plugin tail.wasm does not export `ethwasm:plugin/plugin`"),
            "{compiler:?}: {e}"
        );
    }
}
