//! Charts: a directory with `chart.yaml` (name, version, plugins), `values.yaml` (defaults) and
//! `chart.lock` (the sha256 of every plugin, written by `ethwasm chart lock` / `make build`), or
//! the same packed into one archive with its plugins ([`archive`]).

pub mod archive;
mod chart_file;
mod error;
mod files;
mod load;
mod lock_file;

pub use chart_file::{ChartFile, PluginLimits, PluginRef};
pub use error::ChartError;
pub use load::{default_search, Chart, ResolvedPlugin};
pub use lock_file::LockFile;
