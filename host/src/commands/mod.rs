//! One module per subcommand; each is a clap struct with `execute(self)`.

pub mod chart;
pub mod completions;
pub mod plugin;
pub mod plugin_new;
pub mod render;
pub mod version;
