//! `chart.lock` ([`LockFile`]): reading it, writing it, and checking a plugin against its pin.

use super::files::Files;
use super::{Chart, ChartError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `chart.lock`: plugin name -> sha256.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub plugins: BTreeMap<String, String>,
}

impl Chart {
    /// Path of the lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.files.path_of("chart.lock")
    }

    /// Reads `chart.lock`.
    pub fn lock(&self) -> Result<LockFile, ChartError> {
        let path = self.lock_path();
        match self.files.read_text("chart.lock")? {
            Some(text) => serde_yaml::from_str(&text).map_err(|e| ChartError::Invalid { path, message: e.to_string() }),
            None => Err(ChartError::NoLock { path, chart: self.dir.clone() }),
        }
    }

    /// Checks that `sha256` is the pinned digest of plugin `name`.
    pub(crate) fn check_pin(&self, lock: &LockFile, name: &str, file: &Path, sha256: &str) -> Result<(), ChartError> {
        match lock.plugins.get(name) {
            None => Err(ChartError::Unpinned { plugin: name.into(), lock: self.lock_path(), chart: self.dir.clone() }),
            Some(p) if p != sha256 && matches!(self.files, Files::Archive { .. }) => Err(ChartError::Tampered {
                plugin: name.into(),
                archive: self.dir.clone(),
                actual: sha256.into(),
                pinned: p.clone(),
            }),
            Some(p) if p != sha256 => Err(ChartError::PinMismatch {
                plugin: name.into(),
                file: file.into(),
                actual: sha256.into(),
                pinned: p.clone(),
                lock: self.lock_path(),
            }),
            Some(_) => Ok(()),
        }
    }

    /// Writes `chart.lock` with the sha256 of every plugin file as it is now.
    pub fn write_lock(&self) -> Result<LockFile, ChartError> {
        if let Files::Archive { path, .. } = &self.files {
            return Err(ChartError::Invalid {
                path: path.clone(),
                message: "a packaged chart is locked as it was packed; package the chart directory again".into(),
            });
        }
        let mut lock = LockFile::default();
        // A plugin named by oci:// is pinned by the digest in chart.yaml.
        for p in self.plugins()?.into_iter().filter(|p| p.remote.is_none()) {
            let bytes = std::fs::read(&p.path).map_err(|source| ChartError::Read { path: p.path.clone(), source })?;
            use sha2::Digest;
            lock.plugins.insert(p.name, hex::encode(sha2::Sha256::digest(&bytes)));
        }
        let text = format!(
            "# Written by `ethwasm chart lock`: the sha256 of each plugin this chart runs.\n{}",
            crate::yaml::to_string(&serde_json::json!({"plugins": lock.plugins}))
        );
        let path = self.lock_path();
        std::fs::write(&path, text).map_err(|source| ChartError::Read { path, source })?;
        Ok(lock)
    }
}

#[cfg(test)]
mod tests {
    use super::super::load::tests::chart_dir;
    use super::*;

    #[test]
    fn lock_round_trip_and_pin_check() {
        let d =
            chart_dir("apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins:\n  - name: a\n    path: a.wasm\n");
        std::fs::write(d.path().join("a.wasm"), b"abc").unwrap();
        let c = Chart::load(d.path()).unwrap();
        let lock = c.write_lock().unwrap();
        assert_eq!(c.lock().unwrap(), lock);
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(lock.plugins["a"], sha);
        c.check_pin(&lock, "a", Path::new("a.wasm"), sha).unwrap();
        let e = c.check_pin(&lock, "a", Path::new("a.wasm"), "00").unwrap_err().to_string();
        assert!(e.contains("has sha256 00") && e.contains("refresh the pins with `ethwasm chart lock"), "{e}");
        assert!(c
            .check_pin(&lock, "b", Path::new("b.wasm"), sha)
            .unwrap_err()
            .to_string()
            .contains("no pin for plugin `b`"));
    }
}
