//! Loading and running plugin components: engine, compile cache, sandbox, host imports.

mod bindings;
mod cache;
mod crypto;
mod digest;
mod engine;
mod error;
mod limits;
mod loader;
mod memo;
mod meta;
mod plugin_render;
pub mod progress;
mod run;
mod state;

/// WIT package versions this host runs plugins for, newest first.
pub use bindings::SUPPORTED as SUPPORTED_WIT_VERSIONS;
pub use bindings::{PluginError as WitPluginError, PluginInfo, Release, RenderInput, RenderOutput};
pub use cache::wasmtime_version;
pub(crate) use cache::write_atomic;
pub use cache::CompileCache;
pub use digest::sha256;
pub use engine::{Compiler, Runtime};
pub use error::PluginError;
pub(crate) use limits::format_bytes;
pub use limits::Limits;
pub(crate) use loader::MAX_COMPONENT_BYTES as MAX_COMPONENT;
pub use loader::{is_dns_label, Plugin, Source, RESERVED_NAME};
pub use memo::{Memo, Request as MemoRequest};
pub use meta::ImportKind;
pub use plugin_render::PluginRender;
pub use state::Seed;
pub use state::{Level, LogLine};
