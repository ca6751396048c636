//! The one `bindgen!` of the host: Rust types and traits for `ethwasm:plugin@0.1.0`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "ethwasm:plugin/plugin-world@0.1.0",
    // `derive-key` traps on a length outside 1..=8160: that is a plugin bug, not data.
    imports: { "ethwasm:plugin/host.derive-key": trappable },
});

pub use self::ethwasm::plugin::types::{Level, PluginError, PluginInfo, Release, RenderInput, RenderOutput};
