//! Test plugin built against `ethwasm:plugin@0.0.1`, a version no host supports: the host must
//! refuse it at load time and name both versions.

wit_bindgen::generate!({ path: "wit", world: "plugin-world" });

use ethwasm::plugin::types::{PluginError, PluginInfo, RenderInput, RenderOutput};
use exports::ethwasm::plugin::plugin::Guest;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct WrongWit;

impl Guest for WrongWit {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "wrong-wit".into(),
            version: "0.1.0".into(),
            description: "built against an unsupported WIT version".into(),
            provides: vec![],
            requires: vec![],
            values_schema: None,
        }
    }
    fn render(_: RenderInput) -> Result<RenderOutput, PluginError> {
        Ok(RenderOutput { manifests: vec![], outputs: vec![], notes: None })
    }
}

#[cfg(target_arch = "wasm32")]
export!(WrongWit);
