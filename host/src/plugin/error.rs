//! Why a plugin could not be loaded or run ([`PluginError`]).

use std::path::PathBuf;
use std::time::Duration;

/// Why a plugin could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot read plugin {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is not a WebAssembly component ({what}); build it with wasm-component-ld or `wasm-tools component new`"
    )]
    NotAComponent { path: PathBuf, what: &'static str },
    #[error("cannot compile plugin {path}: {message}")]
    Compile { path: PathBuf, message: String },
    #[error("plugin {path} was built against ethwasm:plugin@{found}, but this host supports {supported}; rebuild it against a supported version")]
    WitVersion { path: PathBuf, found: String, supported: String },
    #[error("plugin {path} does not export `ethwasm:plugin/plugin`: it is not an ethwasm plugin (exports: {exports})")]
    NotAPlugin { path: PathBuf, exports: String },
    #[error("plugin {path} imports `{import}`, which the sandbox does not provide; a plugin may import only ethwasm:plugin/host, ethwasm:plugin/crypto (from WIT 0.3.0) and WASI 0.2")]
    ForbiddenImport { path: PathBuf, import: String },
    #[error("cannot instantiate plugin {path}: {message}")]
    Link { path: PathBuf, message: String },
    #[error("plugin {path} reports the name `{name}`, which is not a DNS label ([a-z0-9-], at most 63 characters)")]
    BadName { path: PathBuf, name: String },
    #[error("plugin {path} describes itself wrongly: {message}; fix its `info`")]
    BadInfo { path: PathBuf, message: String },
    #[error("plugin {path} is {size} bytes; a plugin component is at most {limit} bytes")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("plugin `{plugin}` exceeded its memory limit of {limit} (raise it with --plugin-memory or the chart's `limits.memory`)")]
    MemoryLimit { plugin: String, limit: String },
    #[error("plugin `{plugin}` exceeded its time limit of {limit:?} in `{func}` (raise it with --plugin-timeout or the chart's `limits.timeout`)")]
    Timeout { plugin: String, limit: Duration, func: &'static str },
    #[error("plugin `{plugin}` returned {size} bytes of output, over the limit of {limit} bytes (--max-output)")]
    OutputLimit { plugin: String, size: u64, limit: u64 },
    #[error("plugin `{plugin}` trapped in `{func}`: {message}")]
    Trap { plugin: String, func: &'static str, message: String },
    #[error("plugin `{plugin}` rejected its values: {message}")]
    InvalidValues { plugin: String, message: String },
    #[error("plugin `{plugin}` is missing an input: {message}")]
    MissingInput { plugin: String, message: String },
    #[error("plugin `{plugin}` failed: {message}")]
    Failed { plugin: String, message: String },
}

impl crate::error::Classify for PluginError {
    /// Unreadable files and values a plugin's schema rejects are the caller's to fix.
    fn class(&self) -> crate::error::Class {
        match self {
            PluginError::Read { .. } | PluginError::InvalidValues { .. } | PluginError::TooLarge { .. } => {
                crate::error::Class::Usage
            }
            _ => crate::error::Class::Plugin,
        }
    }
}
