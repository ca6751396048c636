//! The local content-addressed store of what was pulled: every manifest and blob under its
//! sha256 (`blobs/sha256/<hex>`), and the digest each tag last resolved to
//! (`tags/<registry>/<repository>/@tags/<tag>`: no repository part holds `@`), so a second pull works with the registry gone.
//!
//! Everything read back is hashed again: an entry that does not match its name is deleted and
//! fetched anew (or, offline, reported).

use super::reference::OciRef;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The store, or none (`--no-cache`).
#[derive(Debug, Clone, Default)]
pub struct Store {
    root: Option<PathBuf>,
}

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

impl Store {
    /// A store at `root` (the cache directory's `oci/`).
    pub fn at(root: PathBuf) -> Store {
        Store { root: Some(root) }
    }

    /// A store that keeps nothing.
    pub fn disabled() -> Store {
        Store { root: None }
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.as_ref()?.join("blobs").join("sha256").join(hex))
    }

    /// The content with `digest`, if stored and intact.
    pub fn get(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let bytes = std::fs::read(&path).ok()?;
        if digest_of(&bytes) != digest {
            tracing::warn!(
                "{}: content does not match its digest {digest}; removed, to be fetched again",
                path.display()
            );
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(bytes)
    }

    /// Keeps `bytes` (whose digest the caller has checked) under `digest`. A store that cannot
    /// be written is only logged: the pull still succeeds.
    pub fn put(&self, digest: &str, bytes: &[u8]) {
        if let Some(path) = self.blob_path(digest) {
            if !path.exists() {
                if let Err(e) = crate::plugin::write_atomic(&path, bytes) {
                    tracing::warn!("cannot keep {digest} in {}: {e}", path.display());
                }
            }
        }
    }

    fn tag_path(&self, r: &OciRef) -> Option<PathBuf> {
        let mut path = self.root.as_ref()?.join("tags").join(r.registry.replace(['[', ']'], ""));
        for part in r.repository.split('/') {
            path.push(part);
        }
        Some(path.join("@tags").join(r.tag_or_latest()))
    }

    /// The digest `r`'s tag resolved to when last pulled.
    pub fn tag(&self, r: &OciRef) -> Option<String> {
        let text = std::fs::read_to_string(self.tag_path(r)?).ok()?;
        let digest = text.trim().to_string();
        super::reference::check_digest(&digest).ok().map(|_| digest)
    }

    /// Records that `r`'s tag resolves to `digest`.
    pub fn set_tag(&self, r: &OciRef, digest: &str) {
        if let Some(path) = self.tag_path(r) {
            if self.tag(r).as_deref() != Some(digest) {
                if let Err(e) = crate::plugin::write_atomic(&path, digest.as_bytes()) {
                    tracing::warn!("cannot record tag {r} in {}: {e}", path.display());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_checked_when_read_and_tags_remembered() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::at(d.path().into());
        let digest = digest_of(b"abc");
        assert_eq!(store.get(&digest), None);
        store.put(&digest, b"abc");
        assert_eq!(store.get(&digest).as_deref(), Some(&b"abc"[..]));
        let path = d.path().join("blobs/sha256").join(digest.strip_prefix("sha256:").unwrap());
        std::fs::write(&path, b"abd").unwrap();
        assert_eq!(store.get(&digest), None, "a changed entry is not returned");
        assert!(!path.exists(), "and is removed");

        let r = OciRef::parse("oci://localhost:5000/charts/a:1.0").unwrap();
        assert_eq!(store.tag(&r), None);
        store.set_tag(&r, &digest);
        assert_eq!(store.tag(&r), Some(digest.clone()));
        assert_eq!(Store::disabled().get(&digest), None);
    }
}
