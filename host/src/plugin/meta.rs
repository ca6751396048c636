//! What a component says about itself (its `info`, WIT version and imports), kept beside its
//! compiled code. `info` is a pure function of the component (it runs with the zero seed, frozen
//! clocks and no entropy), so once asked it need not be asked again: a plugin whose meta is
//! cached opens without reading, checking or instantiating its compiled code, which a render
//! served wholly from the render cache never needs.
//!
//! An entry is `sha256(json) ++ json`, named by the component's sha256 in the engine's
//! directory, and records the host version that wrote it: a corrupt entry, or one another host
//! wrote, is ignored and rewritten.

use super::bindings::PluginInfo;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// What a component import is, as the sandbox sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// `ethwasm:plugin/...`: the host interface.
    Ethwasm,
    /// `wasi:...@0.2.x`: served by an empty WASI context.
    Wasi,
}

/// The host that wrote an entry; an entry from any other is not used.
const WRITER: &str = concat!("ethwasm ", env!("CARGO_PKG_VERSION"), "; meta v1");

/// A component's description, as the loader checked it.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub wit_version: String,
    pub imports: Vec<(String, ImportKind)>,
    pub info: PluginInfo,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    writer: String,
    wit_version: String,
    /// (name, "ethwasm" | "wasi").
    imports: Vec<(String, String)>,
    name: String,
    version: String,
    description: String,
    provides: Vec<String>,
    requires: Vec<String>,
    values_schema: Option<String>,
}

impl Meta {
    fn to_entry(&self) -> Entry {
        let i = &self.info;
        Entry {
            writer: WRITER.into(),
            wit_version: self.wit_version.clone(),
            imports: self
                .imports
                .iter()
                .map(|(n, k)| {
                    let kind = match k {
                        ImportKind::Ethwasm => "ethwasm",
                        ImportKind::Wasi => "wasi",
                    };
                    (n.clone(), kind.to_string())
                })
                .collect(),
            name: i.name.clone(),
            version: i.version.clone(),
            description: i.description.clone(),
            provides: i.provides.clone(),
            requires: i.requires.clone(),
            values_schema: i.values_schema.clone(),
        }
    }

    fn from_entry(e: Entry) -> Option<Meta> {
        if e.writer != WRITER {
            return None;
        }
        let imports = e
            .imports
            .into_iter()
            .map(|(n, k)| match k.as_str() {
                "ethwasm" => Some((n, ImportKind::Ethwasm)),
                "wasi" => Some((n, ImportKind::Wasi)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Meta {
            wit_version: e.wit_version,
            imports,
            info: PluginInfo {
                name: e.name,
                version: e.version,
                description: e.description,
                provides: e.provides,
                requires: e.requires,
                values_schema: e.values_schema,
            },
        })
    }
}

/// The meta at `path`, if it is whole and this host wrote it.
pub(crate) fn read(path: &Path) -> Option<Meta> {
    let data = std::fs::read(path).ok()?;
    if data.len() < 32 || Sha256::digest(&data[32..]).as_slice() != &data[..32] {
        tracing::debug!("plugin meta {} is corrupt; asking the component again", path.display());
        return None;
    }
    Meta::from_entry(serde_json::from_slice(&data[32..]).ok()?)
}

/// Writes `meta` to `path` atomically (a rename), creating the directory.
pub(crate) fn write(path: &Path, meta: &Meta) -> anyhow::Result<()> {
    let json = serde_json::to_vec(&meta.to_entry())?;
    let mut data = Sha256::digest(&json).to_vec();
    data.extend_from_slice(&json);
    super::cache::write_atomic(path, &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            wit_version: "0.2.0".into(),
            imports: vec![
                ("ethwasm:plugin/host@0.2.0".into(), ImportKind::Ethwasm),
                ("wasi:cli/environment@0.2.0".into(), ImportKind::Wasi),
            ],
            info: PluginInfo {
                name: "demo".into(),
                version: "1.2.3".into(),
                description: "a demo".into(),
                provides: vec!["x".into()],
                requires: vec!["y".into()],
                values_schema: Some("{}".into()),
            },
        }
    }

    #[test]
    fn an_entry_reads_back_and_a_damaged_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("m.meta");
        write(&path, &meta()).unwrap();
        let json = |m: &Meta| serde_json::to_string(&m.to_entry()).unwrap();
        assert_eq!(read(&path).map(|m| json(&m)), Some(json(&meta())));
        let mut data = std::fs::read(&path).unwrap();
        let last = data.len() - 2;
        data[last] ^= 1;
        std::fs::write(&path, &data).unwrap();
        assert!(read(&path).is_none(), "a flipped byte fails the checksum");
    }

    #[test]
    fn an_entry_from_another_host_is_not_used() {
        let mut e = meta().to_entry();
        e.writer = "ethwasm 0.0.1; meta v1".into();
        assert!(Meta::from_entry(e).is_none());
        let mut e = meta().to_entry();
        e.imports.push(("x".into(), "other".into()));
        assert!(Meta::from_entry(e).is_none(), "an unknown import kind");
    }
}
