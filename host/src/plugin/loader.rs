//! Loading a plugin: read, check it is a component built for a supported WIT version with no
//! imports beyond the sandbox, compile (through the cache), link and ask for its `info`.

use super::bindings::{PluginInfo, WorldPre};
use super::engine::Runtime;
use super::state::{Seed, State};
use super::{Limits, PluginError, SUPPORTED_WIT_VERSIONS};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};

/// What a component import is, as the sandbox sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// `ethwasm:plugin/...`: the host interface.
    Ethwasm,
    /// `wasi:...@0.2.x`: served by an empty WASI context.
    Wasi,
}

/// A loaded, linked plugin, ready for calls.
pub struct Plugin {
    /// Where it was loaded from.
    pub path: PathBuf,
    /// sha256 of the component bytes, hex.
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: u64,
    /// The WIT package version it was built against.
    pub wit_version: String,
    /// Its imports, by name.
    pub imports: Vec<(String, ImportKind)>,
    /// What it says about itself.
    pub info: PluginInfo,
    /// Whether the compiled code came from the cache.
    pub cached: bool,
    /// Limits for its calls.
    pub limits: Limits,
    pub(super) pre: WorldPre,
    /// Where its renders are memoised (beside the compile cache), unless caching is off.
    pub(super) memo: Option<super::Memo>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("path", &self.path).field("name", &self.info.name).finish()
    }
}

/// The component-model layer byte sequence that follows `\0asm`: version 0x0d, layer 1.
const COMPONENT_HEADER: [u8; 4] = [0x0d, 0x00, 0x01, 0x00];

/// A component read from disk with its digest, not yet compiled.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// sha256 of `bytes`, hex.
    pub sha256: String,
    pub limits: Limits,
}

impl Source {
    /// Reads `path` and hashes it.
    pub fn read(path: &Path, limits: Limits) -> Result<Source, PluginError> {
        let bytes = std::fs::read(path).map_err(|source| PluginError::Read { path: path.into(), source })?;
        Ok(Source::from_bytes(path, bytes, limits))
    }

    /// Wraps bytes; `path` names them in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, limits: Limits) -> Source {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Source { path: path.into(), bytes, sha256, limits }
    }

    /// Compiles (or loads from the cache), links, and asks for `info`.
    pub fn load(&self, rt: &Runtime) -> Result<Arc<Plugin>, PluginError> {
        Plugin::from_source(rt, self)
    }
}

impl Plugin {
    /// Loads the component at `path` and asks for its `info`, within `limits`.
    pub fn load(rt: &Runtime, path: &Path, limits: Limits) -> Result<Arc<Plugin>, PluginError> {
        Source::read(path, limits)?.load(rt)
    }

    /// Loads a component from `bytes`; `path` names it in errors.
    pub fn from_bytes(rt: &Runtime, path: &Path, bytes: &[u8], limits: Limits) -> Result<Arc<Plugin>, PluginError> {
        Source::from_bytes(path, bytes.to_vec(), limits).load(rt)
    }

    fn from_source(rt: &Runtime, src: &Source) -> Result<Arc<Plugin>, PluginError> {
        let (path, bytes, limits) = (src.path.as_path(), src.bytes.as_slice(), src.limits);
        check_header(path, bytes)?;
        let start = std::time::Instant::now();
        let sha256 = src.sha256.clone();
        let (component, cached) = rt
            .cache()
            .load(rt.engine(), bytes, &sha256)
            .map_err(|e| PluginError::Compile { path: path.into(), message: format!("{e:#}") })?;
        let (wit_version, imports) = check_world(rt, path, &component)?;
        let linker = linker(rt, path)?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| PluginError::Link { path: path.into(), message: format!("{e:#}") })?;
        let pre = WorldPre::new(&wit_version, instance_pre)
            .map_err(|e| PluginError::Link { path: path.into(), message: format!("{e:#}") })?;
        let mut plugin = Plugin {
            path: path.into(),
            sha256,
            size: bytes.len() as u64,
            wit_version,
            imports,
            info: PluginInfo {
                name: file_stem(path),
                version: String::new(),
                description: String::new(),
                provides: vec![],
                requires: vec![],
                values_schema: None,
            },
            cached,
            limits,
            pre,
            memo: rt.cache().dir().map(|d| super::Memo::at(d.join("renders"))),
        };
        // `info` runs before the plugin's name is known: no seed material is derived from it.
        let info = plugin.call("info", &Seed::zero(), |w, s| w.info(s))?;
        if !is_dns_label(&info.name) {
            return Err(PluginError::BadName { path: path.into(), name: info.name });
        }
        plugin.info = info;
        tracing::debug!(
            "plugin {}: loaded in {:?} ({})",
            plugin.info.name,
            start.elapsed(),
            if cached { "compile cache" } else { "compiled" }
        );
        Ok(Arc::new(plugin))
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn check_header(path: &Path, bytes: &[u8]) -> Result<(), PluginError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(PluginError::NotAComponent { path: path.into(), what: "no WebAssembly header" });
    }
    if bytes[4..8] != COMPONENT_HEADER {
        return Err(PluginError::NotAComponent { path: path.into(), what: "a core module, not a component" });
    }
    Ok(())
}

/// Checks the export's WIT version and every import; returns the version and the imports.
fn check_world(
    rt: &Runtime,
    path: &Path,
    component: &Component,
) -> Result<(String, Vec<(String, ImportKind)>), PluginError> {
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(rt.engine()).map(|(n, _)| n.to_string()).collect();
    let version = exports
        .iter()
        .find_map(|n| n.strip_prefix("ethwasm:plugin/plugin@"))
        .map(str::to_string)
        .ok_or_else(|| PluginError::NotAPlugin { path: path.into(), exports: exports.join(", ") })?;
    if !SUPPORTED_WIT_VERSIONS.contains(&version.as_str()) {
        return Err(PluginError::WitVersion {
            path: path.into(),
            found: version,
            supported: SUPPORTED_WIT_VERSIONS
                .iter()
                .map(|v| format!("ethwasm:plugin@{v}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut imports = Vec::new();
    for (name, item) in ty.imports(rt.engine()) {
        let kind = classify_import(name, &item.ty)
            .ok_or_else(|| PluginError::ForbiddenImport { path: path.into(), import: name.to_string() })?;
        imports.push((name.to_string(), kind));
    }
    Ok((version, imports))
}

fn classify_import(name: &str, item: &ComponentItem) -> Option<ImportKind> {
    if !matches!(item, ComponentItem::ComponentInstance(_)) {
        return None;
    }
    if let Some(v) = name.strip_prefix("ethwasm:plugin/host@").or_else(|| name.strip_prefix("ethwasm:plugin/types@")) {
        return SUPPORTED_WIT_VERSIONS.contains(&v).then_some(ImportKind::Ethwasm);
    }
    let (_, version) = name.split_once('@')?;
    (name.starts_with("wasi:") && version.starts_with("0.2.")).then_some(ImportKind::Wasi)
}

/// The linker: the host interface plus WASI 0.2 served from an empty context.
fn linker(rt: &Runtime, path: &Path) -> Result<Linker<State>, PluginError> {
    let link = |e: wasmtime::Error| PluginError::Link { path: path.into(), message: format!("{e:#}") };
    let mut linker = Linker::new(rt.engine());
    super::bindings::add_to_linker(&mut linker).map_err(link)?;
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(link)?;
    Ok(linker)
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks_name_what_is_wrong() {
        let p = Path::new("x.wasm");
        assert!(check_header(p, b"hello").unwrap_err().to_string().contains("no WebAssembly header"));
        let core = [0, b'a', b's', b'm', 1, 0, 0, 0];
        assert!(check_header(p, &core).unwrap_err().to_string().contains("a core module"));
        let comp = [0, b'a', b's', b'm', 0x0d, 0, 1, 0];
        assert!(check_header(p, &comp).is_ok());
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("ethstats"));
        assert!(is_dns_label("a-1"));
        assert!(!is_dns_label("A"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(""));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
