//! Helpers shared by the end-to-end tests: where the built plugins are, and how to run them.
//!
//! The components are built by `make build` (scripts/build-plugins.sh), never committed; a
//! missing one fails the test with the command to run.

use ethwasm::job::Spec;
use ethwasm::plugin::{CompileCache, Limits, Plugin, Release, RenderInput, Runtime, Seed};
use ethwasm::source::{Ask, Sources};
use ethwasm::values::ValueSources;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn built(dir: &str, name: &str) -> PathBuf {
    let p = root().join("target").join(dir).join(format!("{name}.wasm"));
    assert!(
        p.exists(),
        "{} is missing: build the plugins first with `make build` (or scripts/build-plugins.sh)",
        p.display()
    );
    p
}

/// A chart or example plugin component: `target/plugins/<name>.wasm`.
pub fn plugin_path(name: &str) -> PathBuf {
    built("plugins", name)
}

/// A test plugin component: `target/test-plugins/<name>.wasm`.
pub fn test_plugin_path(name: &str) -> PathBuf {
    built("test-plugins", name)
}

/// A runtime without a disk cache.
pub fn runtime() -> Runtime {
    Runtime::new(CompileCache::disabled()).expect("engine")
}

/// Loads a test plugin with `limits`.
pub fn load_test_plugin(rt: &Runtime, name: &str, limits: Limits) -> Arc<Plugin> {
    Plugin::load(rt, &test_plugin_path(name), limits).unwrap_or_else(|e| panic!("load {name}: {e}"))
}

/// A seed of 32 copies of `byte`.
pub fn seed(byte: u8) -> Seed {
    Seed::from_hex(&format!("{byte:02x}").repeat(32)).expect("valid seed")
}

/// A render input for release `t` in namespace `test` with `values` as the plugin's section.
pub fn input(values: serde_json::Value) -> RenderInput {
    RenderInput {
        release: Release { name: "t".into(), namespace: "test".into(), created: 1_767_225_600 },
        values: values.to_string(),
        global_values: "{}".into(),
        inputs: vec![],
    }
}

/// When the chains the tests render were created: 2026-12-07T00:00:00Z, the first creation time
/// with today's defaults (`GENESIS_DEFAULTS_V2`). A render depends on its creation time, so a
/// test that left it to the clock would change its answer the day a new default starts; the
/// older defaults are pinned by tests/all/compat.rs.
pub const CREATED: u64 = 1_796_601_600;

/// A render request for chart tests: a compile cache shared by the tests of a run (entries
/// are written atomically), 60 s per plugin call, `set` as `--set` flags, and the chain
/// created at [`CREATED`].
pub fn spec(set: &[&str]) -> Spec {
    Spec {
        created: Some(CREATED),
        cache: CompileCache::at(root().join("target/test-cache")),
        limits: Limits { memory_bytes: 256 << 20, timeout: Duration::from_secs(60), output_bytes: 16 << 20 },
        values: ValueSources { set: set.iter().map(|s| s.to_string()).collect(), ..ValueSources::default() },
        ..Spec::default()
    }
}

/// The Ethereum chart in `namespace`, release named after the chart, with `seed` (hex) or a
/// fresh one, and `set` as `--set` flags.
pub fn chart_spec(namespace: &str, seed: Option<String>, set: &[&str]) -> Spec {
    let sources = open(Some(&root().join("charts/ethereum")), &[]);
    Spec { sources, namespace: Some(namespace.into()), seed, ..spec(set) }
}

/// `chart` and the `plugins` files, opened as the command line opens them. A test binary lives
/// in target/*/deps, so the chart's plugins are looked for in target/plugins, where the build
/// puts them.
pub fn open(chart: Option<&Path>, plugins: &[PathBuf]) -> Sources {
    let plugins: Vec<String> = plugins.iter().map(|p| p.display().to_string()).collect();
    let plugin_path = [root().join("target/plugins")];
    let ask = Ask { chart, plugins: &plugins, plugin_path: &plugin_path, ..Ask::default() };
    Sources::open(None, &ask).unwrap_or_else(|e| panic!("open {chart:?} {plugins:?}: {e}"))
}
