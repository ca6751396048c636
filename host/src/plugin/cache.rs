//! On-disk cache of compiled components, keyed by the component's sha256 and the engine.
//!
//! An entry is `sha256(artifact) ++ artifact`. It is only deserialized after its checksum
//! matches, and wasmtime itself refuses artifacts from another version or configuration; a
//! corrupt or stale entry is compiled again and overwritten, never trusted.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Where compiled components are kept, or nowhere (`--no-cache`).
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: Option<PathBuf>,
}

/// Feeds `Hash` output into sha256, so the engine's compatibility hash is stable on disk.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        unreachable!("only finalize() is used")
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// A cache under `dir`.
    pub fn at(dir: PathBuf) -> Self {
        CompileCache { dir: Some(dir) }
    }

    /// The directory, unless the cache is disabled.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// No cache: every run compiles.
    pub fn disabled() -> Self {
        CompileCache { dir: None }
    }

    /// `$XDG_CACHE_HOME/ethwasm`, else `$HOME/.cache/ethwasm`; disabled when neither is set.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("ethwasm"))
    }

    /// The directory entries for `engine` live in.
    fn engine_dir(&self, engine: &Engine) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut h = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        let digest = h.0.finalize();
        Some(dir.join(format!("wasmtime-{}-{}", wasmtime_version(), &hex::encode(digest)[..16])))
    }

    /// Where the description ([`super::meta`]) of the component with sha256 `sha256` is kept.
    pub(crate) fn meta_path(&self, engine: &Engine, sha256: &str) -> Option<PathBuf> {
        self.engine_dir(engine).map(|d| d.join(format!("{sha256}.meta")))
    }

    /// The component for `bytes` (whose sha256 is `sha256`): from the cache when a valid entry
    /// exists, else compiled and stored. Returns whether it came from the cache.
    pub fn load(&self, engine: &Engine, bytes: &[u8], sha256: &str) -> wasmtime::Result<(Component, bool)> {
        let path = self.engine_dir(engine).map(|d| d.join(format!("{sha256}.cwasm")));
        if let Some(path) = &path {
            if let Some(component) = read_entry(engine, path) {
                return Ok((component, true));
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Some(path) = &path {
            if let Err(e) = write_entry(&component, path) {
                tracing::warn!("cannot write compile cache entry {}: {e}", path.display());
            }
        }
        Ok((component, false))
    }
}

fn read_entry(engine: &Engine, path: &Path) -> Option<Component> {
    let data = std::fs::read(path).ok()?;
    if data.len() < 32 || Sha256::digest(&data[32..]).as_slice() != &data[..32] {
        tracing::debug!("compile cache entry {} is corrupt; recompiling", path.display());
        return None;
    }
    // The one unsafe block of the host (lib.rs denies the rest).
    // SAFETY: the bytes were written by `write_entry` from `Component::serialize` (their checksum
    // matches) into a directory keyed by this engine's compatibility hash, and wasmtime checks
    // the version and configuration header again before using them.
    #[allow(unsafe_code)]
    let loaded = unsafe { Component::deserialize(engine, &data[32..]) };
    match loaded {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::debug!("compile cache entry {} is stale ({e}); recompiling", path.display());
            None
        }
    }
}

fn write_entry(component: &Component, path: &Path) -> anyhow::Result<()> {
    let artifact = component.serialize().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut data = Sha256::digest(&artifact).to_vec();
    data.extend_from_slice(&artifact);
    write_atomic(path, &data)
}

/// Writes `data` to `path` through a temporary file in its directory (created) and a rename,
/// so a reader sees the old file or the new one, never part of one.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().ok_or_else(|| anyhow::anyhow!("{} has no directory", path.display()))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile_in(dir)?;
    use std::io::Write;
    tmp.1.write_all(data)?;
    tmp.1.sync_all().ok();
    std::fs::rename(&tmp.0, path)?;
    Ok(())
}

/// A uniquely named file in `dir`, so concurrent runs never write the same temporary file.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(std::io::Error::other)?;
    let path = dir.join(format!(".tmp-{}-{}", std::process::id(), hex::encode(nonce)));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    Ok((path, file))
}

/// The wasmtime version compiled into this binary (wasmtime exports no constant; a test
/// keeps this equal to the version in Cargo.lock).
pub fn wasmtime_version() -> &'static str {
    "48.0.8"
}

#[cfg(test)]
mod tests {
    #[test]
    fn wasmtime_version_matches_cargo_lock() {
        let lock = include_str!("../../../Cargo.lock");
        let pinned = lock
            .split("[[package]]")
            .find(|p| p.contains("\nname = \"wasmtime\"\n"))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'))
            .expect("wasmtime is in Cargo.lock");
        assert_eq!(super::wasmtime_version(), pinned, "update wasmtime_version() with the wasmtime pin");
    }
}
