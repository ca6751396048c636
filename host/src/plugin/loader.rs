//! Loading a plugin: read and hash it; take its description from the compile cache, or check it
//! is a component built for a supported WIT version with no imports beyond the sandbox, compile
//! it (through the cache), link it and ask for its `info`. Code a plugin opened from its
//! description is made when it is first called.

use super::bindings::{PluginInfo, WorldPre};
use super::cache::CompileCache;
use super::engine::Runtime;
use super::meta::{ImportKind, Meta};
use super::state::{Seed, State};
use super::{Limits, PluginError, SUPPORTED_WIT_VERSIONS};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};
use wasmtime::Engine;

/// A plugin: what it says about itself, and its code, compiled and linked when first called.
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
    /// Limits for its calls.
    pub limits: Limits,
    pub(super) code: Code,
    /// Where its renders are memoised (beside the compile cache), unless caching is off.
    pub(super) memo: Option<super::Memo>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("path", &self.path).field("name", &self.info.name).finish()
    }
}

/// A component's code: compiled (or read from the compile cache) and linked on first use, once,
/// whichever thread asks first; the others wait for it.
pub(super) struct Code {
    engine: Engine,
    /// Cranelift, when `engine` (Winch) cannot compile the component.
    fallback: Option<Engine>,
    cache: CompileCache,
    bytes: Arc<[u8]>,
    /// sha256 of `bytes`, hex: the compile cache's key.
    sha256: String,
    linked: OnceLock<Result<Linked, Failed>>,
}

struct Linked {
    pre: WorldPre,
    /// Whether the compiled code came from the compile cache.
    cached: bool,
    /// The world's version and imports, as the component states them.
    wit_version: String,
    imports: Vec<(String, ImportKind)>,
}

/// Why the code could not be made, kept to be reported to every caller.
#[derive(Clone)]
enum Failed {
    Compile(String),
    Link(String),
    NotAPlugin { exports: String },
    WitVersion { found: String },
    ForbiddenImport { import: String },
}

impl Failed {
    fn error(&self, path: &Path) -> PluginError {
        let path = path.to_path_buf();
        match self.clone() {
            Failed::Compile(message) => PluginError::Compile { path, message },
            Failed::Link(message) => PluginError::Link { path, message },
            Failed::NotAPlugin { exports } => PluginError::NotAPlugin { path, exports },
            Failed::WitVersion { found } => PluginError::WitVersion {
                path,
                found,
                supported: SUPPORTED_WIT_VERSIONS
                    .iter()
                    .map(|v| format!("ethwasm:plugin@{v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            Failed::ForbiddenImport { import } => PluginError::ForbiddenImport { path, import },
        }
    }
}

/// The largest component the host reads (the default chart's largest is under 1 MiB).
pub(crate) const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// The component-model layer byte sequence that follows `\0asm`: version 0x0d, layer 1.
const COMPONENT_HEADER: [u8; 4] = [0x0d, 0x00, 0x01, 0x00];

/// A component read from disk with its digest, not yet compiled.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub bytes: Arc<[u8]>,
    /// sha256 of `bytes`, hex.
    pub sha256: String,
    pub limits: Limits,
}

impl Source {
    /// Reads `path` and hashes it.
    pub fn read(path: &Path, limits: Limits) -> Result<Source, PluginError> {
        // The size first: a huge file given by mistake (or malice) is refused before it is read.
        let read = |source| PluginError::Read { path: path.into(), source };
        let file = std::fs::File::open(path).map_err(read)?;
        let size = file.metadata().map_err(read)?.len();
        if size > MAX_COMPONENT_BYTES {
            return Err(PluginError::TooLarge { path: path.into(), size, limit: MAX_COMPONENT_BYTES });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        use std::io::Read;
        file.take(MAX_COMPONENT_BYTES + 1).read_to_end(&mut bytes).map_err(read)?;
        Source::from_bytes(path, bytes, limits)
    }

    /// Wraps bytes (at most 64 MiB, as a component file); `path` names them in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, limits: Limits) -> Result<Source, PluginError> {
        if bytes.len() as u64 > MAX_COMPONENT_BYTES {
            let size = bytes.len() as u64;
            return Err(PluginError::TooLarge { path: path.into(), size, limit: MAX_COMPONENT_BYTES });
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(Source { path: path.into(), bytes: bytes.into(), sha256, limits })
    }

    /// Opens the plugin: its description from the compile cache when a host like this one
    /// stored it, else compiled (or loaded from the cache), linked and asked for `info`. In the
    /// first case its code is made when first called ([`Plugin::prepare`]).
    pub fn load(&self, rt: &Runtime) -> Result<Arc<Plugin>, PluginError> {
        Plugin::from_source(rt, self)
    }
}

impl Plugin {
    /// Loads the component at `path`, asks for its `info` and makes its code, within `limits`.
    pub fn load(rt: &Runtime, path: &Path, limits: Limits) -> Result<Arc<Plugin>, PluginError> {
        let plugin = Source::read(path, limits)?.load(rt)?;
        plugin.prepare()?;
        Ok(plugin)
    }

    /// Loads a component from `bytes` and makes its code; `path` names it in errors.
    pub fn from_bytes(rt: &Runtime, path: &Path, bytes: &[u8], limits: Limits) -> Result<Arc<Plugin>, PluginError> {
        let plugin = Source::from_bytes(path, bytes.to_vec(), limits)?.load(rt)?;
        plugin.prepare()?;
        Ok(plugin)
    }

    fn from_source(rt: &Runtime, src: &Source) -> Result<Arc<Plugin>, PluginError> {
        let path = src.path.as_path();
        check_header(path, &src.bytes)?;
        let start = std::time::Instant::now();
        let code = Code {
            engine: rt.engine().clone(),
            fallback: rt.fallback().cloned(),
            cache: rt.cache().clone(),
            bytes: src.bytes.clone(),
            sha256: src.sha256.clone(),
            linked: OnceLock::new(),
        };
        let meta_path = rt.cache().meta_path(rt.engine(), &src.sha256);
        let known = meta_path
            .as_deref()
            .and_then(super::meta::read)
            .filter(|m| check_info(path, &m.info).is_ok() && SUPPORTED_WIT_VERSIONS.contains(&m.wit_version.as_str()));
        let meta = match known {
            Some(meta) => meta,
            None => {
                // Ask the component: compile, check its world, link, call `info`.
                let linked = code.linked(path)?;
                let (wit_version, imports) = (linked.wit_version.clone(), linked.imports.clone());
                let mut plugin = Plugin::new(src, code, Meta { wit_version, imports, info: unnamed(path) }, rt);
                // `info` runs before the plugin's name is known: no seed material is derived from it.
                let info = plugin.call("info", &Seed::zero(), |w, s| w.info(s))?;
                check_info(path, &info)?;
                plugin.info = info;
                let meta = Meta {
                    wit_version: plugin.wit_version.clone(),
                    imports: plugin.imports.clone(),
                    info: plugin.info.clone(),
                };
                if let Some(p) = &meta_path {
                    if let Err(e) = super::meta::write(p, &meta) {
                        tracing::warn!("cannot write plugin meta {}: {e}", p.display());
                    }
                }
                tracing::debug!("plugin {}: loaded in {:?} ({})", plugin.info.name, start.elapsed(), plugin.how());
                return Ok(Arc::new(plugin));
            }
        };
        let plugin = Plugin::new(src, code, meta, rt);
        tracing::debug!(
            "plugin {}: opened in {:?} (described by the cache; code made when first called)",
            plugin.info.name,
            start.elapsed()
        );
        Ok(Arc::new(plugin))
    }

    fn new(src: &Source, code: Code, meta: Meta, rt: &Runtime) -> Plugin {
        Plugin {
            path: src.path.clone(),
            sha256: src.sha256.clone(),
            size: src.bytes.len() as u64,
            wit_version: meta.wit_version,
            imports: meta.imports,
            info: meta.info,
            limits: src.limits,
            code,
            memo: rt.cache().dir().map(|d| super::Memo::at(d.join("renders"))),
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Makes its code now (compiled, or read from the compile cache, and linked) unless made
    /// already; a render does this for plugins the render cache cannot serve.
    pub fn prepare(&self) -> Result<(), PluginError> {
        self.pre().map(|_| ())
    }

    /// Whether its compiled code came from the compile cache; `None` while it was not needed.
    pub fn cached(&self) -> Option<bool> {
        match self.code.linked.get() {
            Some(Ok(l)) => Some(l.cached),
            _ => None,
        }
    }

    fn how(&self) -> &'static str {
        match self.cached() {
            Some(true) => "compile cache",
            Some(false) => "compiled",
            None => "not compiled",
        }
    }

    /// The linked component, made on first use. A component whose world differs from what its
    /// cached description says is refused (the cache was tampered with or is from a bug).
    pub(super) fn pre(&self) -> Result<&WorldPre, PluginError> {
        let linked = self.code.linked(&self.path)?;
        if linked.wit_version != self.wit_version || linked.imports != self.imports {
            return Err(PluginError::Link {
                path: self.path.clone(),
                message: format!(
                    "the component's world (ethwasm:plugin@{}) differs from its description in the compile cache; remove {} and try again",
                    linked.wit_version,
                    self.code.cache.dir().map_or_else(|| "the cache".into(), |d| d.display().to_string())
                ),
            });
        }
        Ok(&linked.pre)
    }
}

impl Code {
    /// Makes the code once.
    fn linked(&self, path: &Path) -> Result<&Linked, PluginError> {
        match self.linked.get_or_init(|| self.link(path)) {
            Ok(l) => Ok(l),
            Err(failed) => Err(failed.error(path)),
        }
    }

    fn link(&self, path: &Path) -> Result<Linked, Failed> {
        let start = std::time::Instant::now();
        let loaded = match (self.cache.load(&self.engine, &self.bytes, &self.sha256), &self.fallback) {
            (Ok(loaded), _) => Ok((loaded, &self.engine)),
            // Winch lacks some proposals and instructions: such a component gets Cranelift.
            (Err(e), Some(fallback)) => {
                tracing::debug!("{}: Winch cannot compile it ({e:#}); Cranelift does", path.display());
                self.cache.load(fallback, &self.bytes, &self.sha256).map(|l| (l, fallback))
            }
            (Err(e), None) => Err(e),
        };
        let ((component, cached), engine) = loaded.map_err(|e| Failed::Compile(format!("{e:#}")))?;
        let (wit_version, imports) = check_world(engine, &component)?;
        let link = |e: wasmtime::Error| Failed::Link(format!("{e:#}"));
        let linker = linker(engine).map_err(link)?;
        let pre = WorldPre::new(&wit_version, linker.instantiate_pre(&component).map_err(link)?).map_err(link)?;
        tracing::debug!(
            "{}: code made in {:?} ({})",
            path.display(),
            start.elapsed(),
            if cached { "compile cache" } else { "compiled" }
        );
        Ok(Linked { pre, cached, wit_version, imports })
    }
}

/// Limits on what a plugin says about itself.
const MAX_VERSION: usize = 64;
const MAX_DESCRIPTION: usize = 4 << 10;
const MAX_IO_NAMES: usize = 256;
const MAX_IO_NAME: usize = 253;
const MAX_SCHEMA: usize = 1 << 20;
/// The values section every plugin shares; no plugin may take its name.
pub const RESERVED_NAME: &str = "global";

/// Checks a plugin's `info`: a DNS-label name that is not `global`, short printable version and
/// description, output names of `[a-z0-9._/-]` each listed once, a schema of bounded size.
fn check_info(path: &Path, info: &PluginInfo) -> Result<(), PluginError> {
    let bad = |message: String| PluginError::BadInfo { path: path.into(), message };
    let printable = |s: &str, lines: bool| s.chars().all(|c| !c.is_control() || (lines && (c == '\n' || c == '\t')));
    if !is_dns_label(&info.name) {
        return Err(PluginError::BadName { path: path.into(), name: crate::text::one_line(&info.name, 100) });
    }
    if info.name == RESERVED_NAME {
        return Err(bad(format!("the name `{RESERVED_NAME}` is reserved for the values every plugin shares")));
    }
    if info.version.len() > MAX_VERSION || !printable(&info.version, false) {
        return Err(bad(format!("its version must be printable and at most {MAX_VERSION} bytes")));
    }
    if info.description.len() > MAX_DESCRIPTION || !printable(&info.description, true) {
        return Err(bad(format!(
            "its description is {} bytes with{} control characters; at most {MAX_DESCRIPTION} bytes of printable text",
            info.description.len(),
            if printable(&info.description, true) { "out" } else { "" }
        )));
    }
    for (what, names) in [("provides", &info.provides), ("requires", &info.requires)] {
        if names.len() > MAX_IO_NAMES {
            return Err(bad(format!("`{what}` lists {} outputs; at most {MAX_IO_NAMES}", names.len())));
        }
        let mut seen = std::collections::HashSet::new();
        for n in names {
            let ok = !n.is_empty()
                && n.len() <= MAX_IO_NAME
                && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._/".contains(&b));
            if !ok {
                return Err(bad(format!(
                    "`{what}` names `{}`; an output name is 1 to {MAX_IO_NAME} of [a-z0-9._/-]",
                    crate::text::one_line(n, 100)
                )));
            }
            if !seen.insert(n) {
                return Err(bad(format!("`{what}` lists `{n}` twice")));
            }
        }
    }
    if info.values_schema.as_ref().is_some_and(|s| s.len() > MAX_SCHEMA) {
        return Err(bad(format!("its values schema is over {} KiB", MAX_SCHEMA >> 10)));
    }
    Ok(())
}

/// A placeholder description until `info` answers: the file name.
fn unnamed(path: &Path) -> PluginInfo {
    PluginInfo {
        name: file_stem(path),
        version: String::new(),
        description: String::new(),
        provides: vec![],
        requires: vec![],
        values_schema: None,
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
fn check_world(engine: &Engine, component: &Component) -> Result<(String, Vec<(String, ImportKind)>), Failed> {
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
    let version = exports
        .iter()
        .find_map(|n| n.strip_prefix("ethwasm:plugin/plugin@"))
        .map(str::to_string)
        .ok_or_else(|| Failed::NotAPlugin { exports: exports.join(", ") })?;
    if !SUPPORTED_WIT_VERSIONS.contains(&version.as_str()) {
        return Err(Failed::WitVersion { found: version });
    }
    let mut imports = Vec::new();
    for (name, item) in ty.imports(engine) {
        let kind =
            classify_import(name, &item.ty).ok_or_else(|| Failed::ForbiddenImport { import: name.to_string() })?;
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
    if let Some(v) = name.strip_prefix("ethwasm:plugin/crypto@") {
        return super::bindings::WITH_CRYPTO.contains(&v).then_some(ImportKind::Ethwasm);
    }
    let (_, version) = name.split_once('@')?;
    (name.starts_with("wasi:") && version.starts_with("0.2.")).then_some(ImportKind::Wasi)
}

/// The linker: the host interface plus WASI 0.2 served from an empty context.
fn linker(engine: &Engine) -> wasmtime::Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    super::bindings::add_to_linker(&mut linker)?;
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
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

    fn info(name: &str) -> PluginInfo {
        PluginInfo {
            name: name.into(),
            version: "1.0.0".into(),
            description: "does\nthings".into(),
            provides: vec!["a.b/c-1".into()],
            requires: vec!["x".into()],
            values_schema: None,
        }
    }

    #[test]
    fn info_is_checked_before_anything_trusts_it() {
        let p = Path::new("p.wasm");
        assert!(check_info(p, &info("ok")).is_ok());
        let e = |i: PluginInfo| check_info(p, &i).unwrap_err().to_string();
        assert!(e(info("global")).contains("reserved"));
        assert!(e(info("Bad")).contains("not a DNS label"));
        assert!(e(PluginInfo { description: "x".repeat(MAX_DESCRIPTION + 1), ..info("a") }).contains("at most 4096"));
        assert!(e(PluginInfo { description: "\x1b]0;t\x07".into(), ..info("a") }).contains("control characters"));
        assert!(e(PluginInfo { version: "1\r".into(), ..info("a") }).contains("printable"));
        assert!(e(PluginInfo { requires: vec!["x".into(); 2], ..info("a") }).contains("`requires` lists `x` twice"));
        assert!(e(PluginInfo { provides: vec!["../x Y".into()], ..info("a") }).contains("output name"));
        assert!(e(PluginInfo { provides: (0..300).map(|i| format!("o{i}")).collect(), ..info("a") })
            .contains("at most 256"));
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
