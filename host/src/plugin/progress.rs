//! What a render is doing while it runs: which plugins are rendering, and how far each says it
//! is (WIT 0.3.0's `host.progress`). The library only reports; a front end (the CLI's live line
//! on a terminal) installs a sink with [`set_sink`]. Nothing here changes a render.

use std::sync::OnceLock;

/// One thing that happened in a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A plugin's render began (a render served by the render cache reports nothing).
    Started {
        /// The plugin's name.
        plugin: &'a str,
    },
    /// A plugin said it has done `done` of `total` units of `what`.
    Progress {
        /// The plugin's name.
        plugin: &'a str,
        /// What it counts, one line, at most 64 bytes.
        what: &'a str,
        /// Units done.
        done: u64,
        /// Units in all.
        total: u64,
    },
    /// A plugin's render ended, well or not.
    Finished {
        /// The plugin's name.
        plugin: &'a str,
    },
}

type Sink = Box<dyn Fn(Event<'_>) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends every later event to `sink`, from whichever thread renders (plugins of one level render
/// in parallel). Once per process; a second call is ignored and returns false.
pub fn set_sink(sink: impl Fn(Event<'_>) + Send + Sync + 'static) -> bool {
    SINK.set(Box::new(sink)).is_ok()
}

/// Reports an event to the sink, if one is installed.
pub(crate) fn report(event: Event<'_>) {
    if let Some(sink) = SINK.get() {
        sink(event);
    }
}
