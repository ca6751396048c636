//! The compile cache: hits, and corrupt or stale entries recompiled rather than trusted; a
//! plugin described by the cache opens without its code, which is made when first called. The
//! render cache: a render read back only with its seed, never kept for a fresh seed.

use ethwasm::plugin::{CompileCache, Limits, Memo, MemoRequest, Plugin, Runtime, Seed, Source};
use ethwasm_tests::{input, seed, test_plugin_path};
use serde_json::json;

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        let sub = sub.unwrap();
        if sub.file_name() == "renders" {
            continue;
        }
        for e in std::fs::read_dir(sub.path()).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "cwasm") {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn second_load_comes_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = test_plugin_path("misbehave");
    let rt = Runtime::new(CompileCache::at(dir.path().to_path_buf())).unwrap();
    assert_eq!(Plugin::load(&rt, &path, Limits::default()).unwrap().cached(), Some(false));
    let p = Plugin::load(&rt, &path, Limits::default()).unwrap();
    assert_eq!(p.cached(), Some(true));
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
    assert_eq!(p.cached(), Some(false), "a corrupt entry must not be used");
    assert_eq!(p.render(&seed(1), &input(json!({}))).unwrap().output.manifests.len(), 1);
    assert_eq!(Plugin::load(&rt, &path, Limits::default()).unwrap().cached(), Some(true), "the entry was rewritten");
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
    assert_eq!(p.cached(), Some(false));
}

#[test]
fn a_described_plugin_opens_without_its_code_and_makes_it_when_called() {
    let (dir, rt, path, _) = one_cached_entry();
    let src = Source::read(&path, Limits::default()).unwrap();
    let p = src.load(&rt).unwrap();
    assert_eq!(p.name(), "misbehave", "its description came from the cache");
    assert_eq!(p.cached(), None, "no code was read to open it");
    assert_eq!(p.render(&seed(1), &input(json!({}))).unwrap().output.manifests.len(), 1);
    assert_eq!(p.cached(), Some(true), "the render made the code from the compile cache");

    // A damaged description is not used: the component is asked again, and the entry rewritten.
    let meta = std::fs::read_dir(entries(dir.path())[0].parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "meta"))
        .expect("a description beside the compiled code");
    let mut bytes = std::fs::read(&meta).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    std::fs::write(&meta, &bytes).unwrap();
    let p = src.load(&rt).unwrap();
    assert_eq!((p.name(), p.cached()), ("misbehave", Some(true)), "asked again: its code was needed");
    assert_eq!(src.load(&rt).unwrap().cached(), None, "the description was rewritten");
}

#[test]
fn a_description_that_disagrees_with_the_component_is_refused_when_the_code_is_made() {
    let (dir, rt, path, _) = one_cached_entry();
    let meta = std::fs::read_dir(entries(dir.path())[0].parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "meta"))
        .unwrap();
    // A description with a valid checksum whose WIT version is not the component's.
    let bytes = std::fs::read(&meta).unwrap();
    let mut entry: serde_json::Value = serde_json::from_slice(&bytes[32..]).unwrap();
    let other = if entry["wit_version"] == "0.2.0" { "0.1.0" } else { "0.2.0" };
    entry["wit_version"] = json!(other);
    let json = serde_json::to_vec(&entry).unwrap();
    let mut data = ethwasm::plugin::sha256(&json).to_vec();
    data.extend_from_slice(&json);
    std::fs::write(&meta, data).unwrap();
    let p = Source::read(&path, Limits::default()).unwrap().load(&rt).unwrap();
    let err = p.render(&seed(1), &input(json!({}))).unwrap_err().to_string();
    assert!(err.contains("differs from its description in the compile cache"), "{err}");
}

#[test]
fn a_render_is_read_back_from_the_render_cache_with_its_seed_only() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::new(CompileCache::at(dir.path().to_path_buf())).unwrap();
    let p = Plugin::load(&rt, &test_plugin_path("misbehave"), Limits::default()).unwrap();
    let i = input(json!({}));
    let first = p.render(&seed(1), &i).unwrap();
    let renders = dir.path().join("renders");
    assert_eq!(std::fs::read_dir(&renders).unwrap().count(), 1, "one entry per render");
    // Replace the entry with another output: the next render with that seed returns it, so it
    // was read from the cache, not run.
    let memo = Memo::at(renders.clone());
    let request = MemoRequest { component: &p.sha256, input: &i, limits: p.limits, revision: None };
    let mut planted = first;
    planted.output.notes = Some("from the render cache".into());
    memo.put(&seed(1), &request, &planted);
    assert_eq!(p.render(&seed(1), &i).unwrap().output.notes.as_deref(), Some("from the render cache"));
    assert_ne!(p.render(&seed(2), &i).unwrap().output.notes.as_deref(), Some("from the render cache"));
    // A seed drawn for one process is never used again: its renders are not kept.
    let before = std::fs::read_dir(&renders).unwrap().count();
    p.render(&Seed::random().unwrap(), &i).unwrap();
    assert_eq!(std::fs::read_dir(&renders).unwrap().count(), before);
}
