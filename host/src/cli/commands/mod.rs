//! One module per subcommand; each is a clap struct with `execute(self)`.

pub mod chart;
pub mod completions;
pub mod deploy;
pub mod diff;
pub mod history;
pub mod list;
pub mod plugin;
pub mod plugin_new;
pub mod registry;
pub mod render;
pub mod rollback;
pub mod status;
pub mod uninstall;
pub mod version;
