//! The compile cache: hits, and corrupt or stale entries recompiled rather than trusted.

use ethwasm::plugin::{CompileCache, Limits, Plugin, Runtime};
use ethwasm_tests::{input, seed, test_plugin_path};
use serde_json::json;

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for e in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            out.push(e.unwrap().path());
        }
    }
    out
}

#[test]
fn second_load_comes_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = test_plugin_path("misbehave");
    let rt = Runtime::new(CompileCache::at(dir.path().to_path_buf())).unwrap();
    assert!(!Plugin::load(&rt, &path, Limits::default()).unwrap().cached);
    let p = Plugin::load(&rt, &path, Limits::default()).unwrap();
    assert!(p.cached);
    let files = entries(dir.path());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name().unwrap().to_string_lossy(), format!("{}.cwasm", p.sha256));
    assert_eq!(p.render(&seed(1), &input(json!({}))).unwrap().output.manifests.len(), 1);
}

/// A runtime whose cache holds one entry for the misbehave plugin: (dir guard, runtime,
/// plugin path, entry path).
fn one_cached_entry() -> (tempfile::TempDir, Runtime, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = test_plugin_path("misbehave");
    let rt = Runtime::new(CompileCache::at(dir.path().to_path_buf())).unwrap();
    Plugin::load(&rt, &path, Limits::default()).unwrap();
    let entry = entries(dir.path()).remove(0);
    (dir, rt, path, entry)
}

#[test]
fn a_corrupt_entry_is_recompiled_not_trusted() {
    let (_dir, rt, path, entry) = one_cached_entry();
    let mut bytes = std::fs::read(&entry).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&entry, &bytes).unwrap();
    let p = Plugin::load(&rt, &path, Limits::default()).unwrap();
    assert!(!p.cached, "a corrupt entry must not be used");
    assert_eq!(p.render(&seed(1), &input(json!({}))).unwrap().output.manifests.len(), 1);
    assert!(Plugin::load(&rt, &path, Limits::default()).unwrap().cached, "the entry was rewritten");
}

#[test]
fn a_stale_entry_with_a_valid_checksum_is_recompiled() {
    let (_dir, rt, path, entry) = one_cached_entry();
    // A well-formed entry (checksum matches) whose artifact is not one this engine made.
    let junk = b"not a wasmtime artifact".to_vec();
    let mut data = ethwasm::plugin::sha256(&junk).to_vec();
    data.extend_from_slice(&junk);
    std::fs::write(&entry, data).unwrap();
    let p = Plugin::load(&rt, &path, Limits::default()).unwrap();
    assert!(!p.cached);
}
