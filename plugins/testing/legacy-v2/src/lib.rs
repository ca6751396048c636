//! Test plugin built against `ethwasm:plugin@0.2.0` straight from `wit/0.2.0` (no SDK), as a
//! third-party plugin written for that release is: the host must keep loading it beside 0.3.0
//! plugins and serve the host interface of its own version (no `progress`, no `crypto`).
//!
//! It renders one ConfigMap that echoes its release (with `created`) and a key derived through
//! the 0.2.0 host interface.

wit_bindgen::generate!({ path: "../../../wit/0.2.0", world: "plugin-world" });

use ethwasm::plugin::host;
use ethwasm::plugin::types::{Level, PluginError, PluginInfo, RenderInput, RenderOutput};
use exports::ethwasm::plugin::plugin::Guest;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct LegacyV2;

impl Guest for LegacyV2 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "legacy-v2".into(),
            version: "0.2.0".into(),
            description: "a plugin built for ethwasm:plugin@0.2.0".into(),
            provides: vec![],
            requires: vec![],
            values_schema: None,
        }
    }

    fn render(input: RenderInput) -> Result<RenderOutput, PluginError> {
        host::log(Level::Info, "rendering as a 0.2.0 plugin");
        let key: String = host::derive_key("legacy", 8).iter().map(|b| format!("{b:02x}")).collect();
        let r = &input.release;
        // Release names are DNS labels: nothing in them needs JSON escaping.
        let manifest = format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{}-legacy-v2"}},"data":{{"release":"{}","created":"{}","key":"{}"}}}}"#,
            r.name, r.name, r.created, key
        );
        Ok(RenderOutput { manifests: vec![manifest], outputs: vec![], notes: None })
    }
}

#[cfg(target_arch = "wasm32")]
export!(LegacyV2);
