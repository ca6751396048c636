//! Memoised renders. A plugin's render is a pure function of its component, its input, its
//! limits and the seed: the sandbox gives it no clock, files, network or entropy but what the
//! seed derives. So a render already made is read back instead of run again, which turns a warm
//! render of a proof-of-stake network (thousands of key derivations) into a file read.
//!
//! Entries hold secrets (keys, keystores, passwords), so they are useless without the seed:
//! each is sealed with AES-256-GCM under a key derived from the seed and the component, and
//! named by an HMAC of the request under that key, so a cache file neither opens nor says which
//! render it belongs to unless one has the seed. A file that does not open is ignored and
//! removed. The directory is bounded: past [`MAX_BYTES`], the oldest entries go.

use super::bindings::RenderOutput;
use super::state::Level;
use super::state::{LogLine, Seed};
use super::{Limits, PluginRender, RenderInput};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};

/// What the host contributes to a render, by version: derive-key (HKDF-SHA256 v1), WASI
/// randomness (rand 0.10's StdRng seeded from the seed) and frozen clocks. Change it with them.
const HOST_BEHAVIOUR: &str = "render memo v3 (logs escaped and bounded); derive-key hkdf-sha256 v1 (labels up to 1 KiB); wasi rand 0.10.4 stdrng; clocks at epoch";

/// Entries beyond this many bytes in all are removed, oldest first.
pub(crate) const MAX_BYTES: u64 = 512 << 20;

/// The render cache under a compile cache directory.
#[derive(Debug, Clone)]
pub struct Memo {
    dir: PathBuf,
}

/// What a request is keyed by besides the seed.
pub struct Request<'a> {
    /// sha256 of the component, hex.
    pub component: &'a str,
    pub input: &'a RenderInput,
    pub limits: Limits,
    /// The release revision, for plugins that see it (WIT 0.1.0).
    pub revision: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    manifests: Vec<String>,
    outputs: Vec<(String, String)>,
    notes: Option<String>,
    logs: Vec<(u8, String)>,
}

fn level_code(l: Level) -> u8 {
    match l {
        Level::Debug => 0,
        Level::Info => 1,
        Level::Warn => 2,
        Level::Error => 3,
    }
}

fn level_of(c: u8) -> Level {
    match c {
        0 => Level::Debug,
        1 => Level::Info,
        2 => Level::Warn,
        _ => Level::Error,
    }
}

/// Length-prefixed fields, so no two requests serialise alike.
fn request_bytes(r: &Request<'_>) -> Vec<u8> {
    let mut b = Vec::new();
    let mut field = |f: &[u8]| {
        b.extend_from_slice(&(f.len() as u64).to_le_bytes());
        b.extend_from_slice(f);
    };
    // The host's side of a render (derive-key, WASI randomness and clocks, the engine) is part
    // of what it computes: a change there must miss. Bump HOST_BEHAVIOUR when it changes.
    field(concat!("ethwasm ", env!("CARGO_PKG_VERSION")).as_bytes());
    field(HOST_BEHAVIOUR.as_bytes());
    field(super::wasmtime_version().as_bytes());
    field(r.component.as_bytes());
    field(&r.limits.memory_bytes.to_le_bytes());
    field(&(r.limits.timeout.as_millis() as u64).to_le_bytes());
    field(&r.limits.output_bytes.to_le_bytes());
    let i = r.input;
    field(i.release.name.as_bytes());
    field(i.release.namespace.as_bytes());
    field(&r.revision.map_or([0xff; 5], |v| {
        let mut b = [0u8; 5];
        b[1..].copy_from_slice(&v.to_le_bytes());
        b
    }));
    field(&i.release.created.to_le_bytes());
    field(i.values.as_bytes());
    field(i.global_values.as_bytes());
    for (name, value) in &i.inputs {
        field(name.as_bytes());
        field(value.as_bytes());
    }
    b
}

impl Memo {
    /// A render cache in `dir` (created when first written).
    pub fn at(dir: PathBuf) -> Self {
        Memo { dir }
    }

    /// The sealing key and file name of a request.
    /// The sealing key, file name and associated data (the file name: an entry opens only
    /// under its own name, so one moved over another is refused).
    fn locate(&self, seed: &Seed, r: &Request<'_>) -> ([u8; 32], PathBuf, String) {
        let key = seed.memo_key(r.component);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(&request_bytes(r));
        let name = hex::encode(mac.finalize().into_bytes());
        (key, self.dir.join(&name), name)
    }

    /// A render made before with the same seed and request.
    pub fn get(&self, seed: &Seed, r: &Request<'_>) -> Option<PluginRender> {
        let (key, path, name) = self.locate(seed, r);
        let sealed = std::fs::read(&path).ok()?;
        match open(&key, &sealed, name.as_bytes()) {
            Some(e) => {
                // Recently used entries are the last to be evicted.
                let _ = std::fs::File::options().append(true).open(&path).and_then(|f| f.set_modified(now()));
                Some(PluginRender {
                    output: RenderOutput { manifests: e.manifests, outputs: e.outputs, notes: e.notes },
                    logs: e.logs.into_iter().map(|(l, message)| LogLine { level: level_of(l), message }).collect(),
                })
            }
            None => {
                tracing::debug!("render cache: {} does not open; removed", path.display());
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Keeps `render` for the request. Failures to write only cost the next render its speed.
    pub fn put(&self, seed: &Seed, r: &Request<'_>, render: &PluginRender) {
        let (key, path, name) = self.locate(seed, r);
        let entry = Entry {
            manifests: render.output.manifests.clone(),
            outputs: render.output.outputs.clone(),
            notes: render.output.notes.clone(),
            logs: render.logs.iter().map(|l| (level_code(l.level), l.message.clone())).collect(),
        };
        let Ok(plain) = serde_json::to_vec(&entry) else { return };
        let Some(sealed) = seal(&key, &plain, name.as_bytes()) else { return };
        if let Err(e) = write_atomically(&self.dir, &path, &sealed) {
            tracing::debug!("render cache: cannot write {}: {e}", path.display());
            return;
        }
        self.evict();
    }

    /// Removes the oldest entries while the directory holds more than [`MAX_BYTES`]. Once per
    /// directory and process: the scan stats every entry (thousands on a busy machine), and a
    /// render puts one entry per plugin, so later puts of the same process only overshoot the
    /// bound by one render's entries until the next process.
    fn evict(&self) {
        static SCANNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
        {
            let mut scanned = SCANNED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if scanned.contains(&self.dir) {
                return;
            }
            scanned.push(self.dir.clone());
        }
        let Ok(dir) = std::fs::read_dir(&self.dir) else { return };
        let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = dir
            .filter_map(|e| {
                let e = e.ok()?;
                let m = e.metadata().ok()?;
                m.is_file().then(|| (m.modified().unwrap_or(std::time::UNIX_EPOCH), m.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= MAX_BYTES {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= MAX_BYTES * 3 / 4 {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

fn now() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

/// nonce ++ AES-256-GCM(key, nonce, plain, aad).
fn seal(key: &[u8; 32], plain: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).ok()?;
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let mut out = nonce.to_vec();
    out.extend(cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad }).ok()?);
    Some(out)
}

fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Option<Entry> {
    if sealed.len() < 12 {
        return None;
    }
    let (nonce, body) = sealed.split_at(12);
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let plain = cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad }).ok()?;
    serde_json::from_slice(&plain).ok()
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::Release;

    fn input(values: &str) -> RenderInput {
        RenderInput {
            release: Release { name: "eth".into(), namespace: "ns".into(), created: 1_767_225_600 },
            values: values.into(),
            global_values: "{}".into(),
            inputs: vec![("signers".into(), "[]".into())],
        }
    }

    fn render(secret: &str) -> PluginRender {
        PluginRender {
            output: RenderOutput {
                manifests: vec![format!(r#"{{"kind":"Secret","stringData":{{"k":"{secret}"}}}}"#)],
                outputs: vec![("o".into(), "1".into())],
                notes: Some("n".into()),
            },
            logs: vec![LogLine { level: Level::Warn, message: "w".into() }],
        }
    }

    fn seed(b: u8) -> Seed {
        Seed::from_hex(&format!("{b:02x}").repeat(32)).unwrap()
    }

    #[test]
    fn a_render_comes_back_only_for_the_same_seed_and_request() {
        let dir = tempfile::tempdir().unwrap();
        let memo = Memo::at(dir.path().join("renders"));
        let i = input("{}");
        let r = Request { component: "abc", input: &i, limits: Limits::default(), revision: None };
        assert!(memo.get(&seed(1), &r).is_none());
        memo.put(&seed(1), &r, &render("hunter2"));
        let back = memo.get(&seed(1), &r).unwrap();
        assert_eq!(back.output.manifests, render("hunter2").output.manifests);
        assert_eq!(back.output.notes.as_deref(), Some("n"));
        assert_eq!((back.logs[0].level, back.logs[0].message.as_str()), (Level::Warn, "w"));
        assert!(memo.get(&seed(2), &r).is_none(), "another seed finds nothing");
        let other = input(r#"{"x":1}"#);
        assert!(memo.get(&seed(1), &Request { input: &other, ..r }).is_none(), "other values");
        let limits = Limits { output_bytes: 1, ..Limits::default() };
        assert!(memo.get(&seed(1), &Request { limits, ..r }).is_none(), "other limits");
        assert!(memo.get(&seed(1), &Request { component: "abd", ..r }).is_none(), "another component");
        // A plugin that sees the revision (WIT 0.1.0) gets a render per revision.
        assert!(memo.get(&seed(1), &Request { revision: Some(1), ..r }).is_none(), "another revision");
    }

    #[test]
    fn entries_are_sealed_and_a_damaged_one_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let memo = Memo::at(dir.path().to_path_buf());
        let i = input("{}");
        let r = Request { component: "abc", input: &i, limits: Limits::default(), revision: None };
        memo.put(&seed(1), &r, &render("hunter2"));
        let files: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        let bytes = std::fs::read(&files[0]).unwrap();
        assert!(!bytes.windows(7).any(|w| w == b"hunter2"), "the secret is not in the file");
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        std::fs::write(&files[0], damaged).unwrap();
        assert!(memo.get(&seed(1), &r).is_none());
        assert!(!files[0].exists(), "removed");
    }

    #[test]
    fn an_entry_moved_over_another_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let memo = Memo::at(dir.path().to_path_buf());
        let (one, two) = (input("{}"), input(r#"{"x":2}"#));
        let r1 = Request { component: "abc", input: &one, limits: Limits::default(), revision: None };
        let r2 = Request { component: "abc", input: &two, limits: Limits::default(), revision: None };
        memo.put(&seed(1), &r1, &render("one"));
        let first = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
        memo.put(&seed(1), &r2, &render("two"));
        let second = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).find(|p| *p != first).unwrap();
        std::fs::copy(&first, &second).unwrap();
        assert!(memo.get(&seed(1), &r2).is_none(), "one input's render does not open as another's");
        assert!(memo.get(&seed(1), &r1).is_some());
    }
}
