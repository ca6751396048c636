//! What a successful render gives back ([`PluginRender`]).

use super::bindings::RenderOutput;
use super::state::LogLine;

/// A successful render: what the plugin returned and what it logged.
#[derive(Debug)]
pub struct PluginRender {
    pub output: RenderOutput,
    pub logs: Vec<LogLine>,
}
