//! What kind of artifact a reference names ([`Kind`]).

/// What kind of artifact a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A chart archive.
    Chart,
    /// A Wasm component.
    Plugin,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Chart => "an ethwasm chart",
            Kind::Plugin => "a Wasm component",
        }
    }
}
