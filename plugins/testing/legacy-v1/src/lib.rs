//! Test plugin built against `ethwasm:plugin@0.1.0` straight from `wit/0.1.0` (no SDK), as a
//! third-party plugin written for that release is: the host must keep loading it beside 0.2.0
//! plugins, give it the release without the fields 0.1.0 lacks, and serve its host imports.
//!
//! It renders one ConfigMap that echoes what it received (release, values, global values) and
//! a key derived through the 0.1.0 host interface, and provides output `legacy`.

wit_bindgen::generate!({ path: "../../../wit/0.1.0", world: "plugin-world" });

use ethwasm::plugin::host;
use ethwasm::plugin::types::{Level, PluginError, PluginInfo, RenderInput, RenderOutput};
use exports::ethwasm::plugin::plugin::Guest;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct LegacyV1;

/// JSON string literal of `s`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Guest for LegacyV1 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "legacy-v1".into(),
            version: "0.1.0".into(),
            description: "a plugin built for ethwasm:plugin@0.1.0".into(),
            provides: vec!["legacy".into()],
            requires: vec![],
            values_schema: None,
        }
    }

    fn render(input: RenderInput) -> Result<RenderOutput, PluginError> {
        host::log(Level::Info, "rendering as a 0.1.0 plugin");
        let key: String = host::derive_key("legacy", 8).iter().map(|b| format!("{b:02x}")).collect();
        let r = &input.release;
        let manifest = format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":{}}},"data":{{"release":{},"namespace":{},"revision":"{}","values":{},"global":{},"key":"{}"}}}}"#,
            quote(&format!("{}-legacy", r.name)),
            quote(&r.name),
            quote(&r.namespace),
            r.revision,
            quote(&input.values),
            quote(&input.global_values),
            key
        );
        Ok(RenderOutput {
            manifests: vec![manifest],
            outputs: vec![("legacy".into(), format!("{{\"revision\":{}}}", r.revision))],
            notes: Some("built for ethwasm:plugin@0.1.0".into()),
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(LegacyV1);
