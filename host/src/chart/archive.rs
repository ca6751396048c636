//! Packaged charts: one gzipped tar, `NAME-VERSION.tgz`, holding `NAME/chart.yaml` (each plugin's
//! path made `plugins/NAME.wasm`), `values.yaml`, `values.schema.json`, `chart.lock` and every
//! plugin component, checked against the lock when packed. `render`, `deploy` and `diff` take it
//! as they take a chart directory, with no build and no network; the lock is checked again when
//! it is read.
//!
//! Packing is reproducible (entries sorted, times, owners and modes fixed, the gzip header
//! without a time), so a chart packs to the same bytes wherever it is packed. Reading never
//! extracts: entries are read into memory, only regular files under the one top directory
//! count, and sizes are bounded, so no entry can land anywhere.

pub use super::files::Files;
pub(crate) use super::files::MAX_ARCHIVE;
use super::{Chart, ChartError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Packs the chart directory `chart` with its plugins into `out/NAME-VERSION.tgz`, after
/// checking every plugin against `chart.lock`; returns the archive's path. A plugin the chart
/// names by `oci://` reference is taken from `remote` (reference -> component, pulled and
/// checked by the caller) and pinned in the archive's lock like the others.
pub fn package(chart: &Chart, out: &Path, remote: &BTreeMap<String, Arc<[u8]>>) -> Result<PathBuf, ChartError> {
    let Files::Dir(dir) = &chart.files else {
        return Err(ChartError::Invalid { path: chart.dir.clone(), message: "is packaged already".into() });
    };
    let mut lock = chart.lock()?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut paths: BTreeMap<String, String> = BTreeMap::new();
    let mut remote_pins = BTreeMap::new();
    for p in chart.plugins()? {
        use sha2::Digest;
        let bytes = match &p.remote {
            Some(r) => {
                let bytes = remote.get(r).ok_or_else(|| ChartError::Invalid {
                    path: chart.files.path_of("chart.yaml"),
                    message: format!("plugins[{}].path: {r} was not pulled", p.name),
                })?;
                remote_pins.insert(p.name.clone(), hex::encode(sha2::Sha256::digest(bytes)));
                bytes.to_vec()
            }
            None => {
                let bytes =
                    std::fs::read(&p.path).map_err(|source| ChartError::Read { path: p.path.clone(), source })?;
                chart.check_pin(&lock, &p.name, &p.path, &hex::encode(sha2::Sha256::digest(&bytes)))?;
                bytes
            }
        };
        let entry = format!("plugins/{}.wasm", p.name);
        paths.insert(p.name.clone(), entry.clone());
        files.insert(entry, bytes);
    }
    // chart.yaml as written, each plugin's path pointing into the archive.
    let yaml_path = dir.join("chart.yaml");
    let text =
        std::fs::read_to_string(&yaml_path).map_err(|source| ChartError::Read { path: yaml_path.clone(), source })?;
    let mut doc: serde_json::Value = serde_yaml::from_str(&text)
        .map_err(|e| ChartError::Invalid { path: yaml_path.clone(), message: e.to_string() })?;
    for p in doc.get_mut("plugins").and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
        let name = p.get("name").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
        if let (Some(entry), Some(obj)) = (paths.get(&name), p.as_object_mut()) {
            obj.insert("path".into(), entry.clone().into());
        }
    }
    files.insert(
        "chart.yaml".into(),
        format!("# Packed by `ethwasm package`.\n{}", crate::yaml::to_string(&doc)).into_bytes(),
    );
    lock.plugins.extend(remote_pins);
    files.insert(
        "chart.lock".into(),
        format!(
            "# Written by `ethwasm package`: the sha256 of each plugin this chart runs.\n{}",
            crate::yaml::to_string(&serde_json::json!({"plugins": lock.plugins}))
        )
        .into_bytes(),
    );
    for name in ["values.yaml", "values.schema.json"] {
        match std::fs::read(dir.join(name)) {
            Ok(bytes) => {
                files.insert(name.into(), bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ChartError::Read { path: dir.join(name), source }),
        }
    }
    let top = &chart.file.name;
    let target = out.join(format!("{top}-{}.tgz", chart.file.version));
    let write = |source| ChartError::Read { path: target.clone(), source };
    std::fs::create_dir_all(out).map_err(|source| ChartError::Read { path: out.into(), source })?;
    let gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (name, bytes) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{top}/{name}"), bytes.as_slice()).map_err(write)?;
    }
    let gz = tar.into_inner().map_err(write)?;
    let bytes = gz.finish().map_err(write)?;
    // Through a temporary file and a rename: never a half-written archive under its name.
    let tmp = out.join(format!(".{top}.tgz.tmp-{}", std::process::id()));
    std::fs::write(&tmp, &bytes).map_err(write)?;
    std::fs::rename(&tmp, &target).map_err(write)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart directory with one plugin `a` (bytes `abc`), locked.
    fn chart_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("chart.yaml"),
            "apiVersion: ethwasm/v1\nname: demo\nversion: 0.2.0\nplugins:\n  - name: a\n    path: a.wasm\n    allow: [crds]\n",
        )
        .unwrap();
        std::fs::write(d.path().join("values.yaml"), "a: {x: 1}\n").unwrap();
        std::fs::write(d.path().join("a.wasm"), b"abc").unwrap();
        Chart::load(d.path()).unwrap().write_lock().unwrap();
        d
    }

    #[test]
    fn a_packed_chart_reads_back_with_its_plugins_and_packs_reproducibly() {
        let d = chart_dir();
        let out = tempfile::tempdir().unwrap();
        let chart = Chart::load(d.path()).unwrap();
        let archive = package(&chart, out.path(), &BTreeMap::new()).unwrap();
        assert_eq!(archive.file_name().unwrap(), "demo-0.2.0.tgz");
        let first = std::fs::read(&archive).unwrap();
        let again = package(&chart, out.path(), &BTreeMap::new()).unwrap();
        assert_eq!(std::fs::read(again).unwrap(), first, "the same chart packs to the same bytes");

        let packed = Chart::load(&archive).unwrap();
        assert_eq!(packed.values, serde_json::json!({"a": {"x": 1}}));
        let plugins = packed.plugins().unwrap();
        assert_eq!(plugins[0].bytes.as_deref(), Some(&b"abc"[..]));
        assert_eq!(plugins[0].path, PathBuf::from(format!("{}:plugins/a.wasm", archive.display())));
        assert_eq!(plugins[0].allow.len(), 1, "grants are packed");
        assert_eq!(packed.lock().unwrap(), chart.lock().unwrap());
        assert!(packed.write_lock().unwrap_err().to_string().contains("locked as it was packed"));
    }

    #[test]
    fn a_plugin_that_differs_from_the_lock_is_not_packed() {
        let d = chart_dir();
        std::fs::write(d.path().join("a.wasm"), b"abd").unwrap();
        let out = tempfile::tempdir().unwrap();
        let e = package(&Chart::load(d.path()).unwrap(), out.path(), &BTreeMap::new()).unwrap_err().to_string();
        assert!(e.contains("pins ba7816bf"), "{e}");
        assert!(std::fs::read_dir(out.path()).unwrap().next().is_none(), "nothing written");
    }
}
