//! Write ethwasm plugins in Rust without touching wit-bindgen.
//!
//! A plugin implements [`Plugin`] once and calls [`export!`]:
//!
//! ```ignore
//! use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError};
//!
//! struct Hello;
//! impl Plugin for Hello {
//!     fn info() -> Info { Info::new("hello", env!("CARGO_PKG_VERSION"), "says hello") }
//!     fn render(input: Input) -> Result<Output, PluginError> {
//!         let name = format!("{}-hello", input.release().name);
//!         Ok(Output::new().manifest(ethwasm_plugin::k8s::config_map(&name, [("greeting", "hi")])))
//!     }
//! }
//! export!(Hello);
//! ```
//!
//! The crate compiles natively too, so plugin logic can be unit-tested with `cargo test`;
//! only the host imports ([`log`], [`keys::derive`]) need the wasm host.
#![deny(missing_docs)]

pub mod crypto;
pub mod ingress;
pub mod k8s;
pub mod keys;
pub mod workload;

/// The contract this SDK builds against: `wit/0.3.0`. The version is written here and in
/// [`WIT_VERSION`] only (the macro needs literals); a new contract version is a new SDK
/// release pointing at its own folder.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/0.3.0",
        world: "ethwasm:plugin/plugin-world@0.3.0",
        pub_export_macro: true,
        export_macro_name: "export_plugin_world",
        default_bindings_module: "ethwasm_plugin::bindings",
    });
}

use bindings::ethwasm::plugin::host;
pub use bindings::ethwasm::plugin::types::{Level, PluginError, Release};
use bindings::ethwasm::plugin::types::{PluginInfo, RenderInput, RenderOutput};
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The WIT package version this SDK builds plugins against.
pub const WIT_VERSION: &str = "0.3.0";

/// A plugin: describe yourself, then render.
pub trait Plugin {
    /// Name, version, provides/requires and values schema. Must be constant.
    fn info() -> Info;
    /// Renders manifests and outputs from the input. Must be deterministic.
    fn render(input: Input) -> Result<Output, PluginError>;
}

/// Exports a [`Plugin`] implementation as the component's `ethwasm:plugin/plugin` interface.
#[macro_export]
macro_rules! export {
    ($ty:ty) => {
        const _: () = {
            struct __EthwasmExport;
            impl $crate::bindings::exports::ethwasm::plugin::plugin::Guest for __EthwasmExport {
                fn info() -> $crate::bindings::ethwasm::plugin::types::PluginInfo {
                    <$ty as $crate::Plugin>::info().into_wit()
                }
                fn render(
                    input: $crate::bindings::ethwasm::plugin::types::RenderInput,
                ) -> Result<$crate::bindings::ethwasm::plugin::types::RenderOutput, $crate::PluginError> {
                    $crate::install_panic_hook();
                    <$ty as $crate::Plugin>::render($crate::Input::from_wit(input)).map($crate::Output::into_wit)
                }
            }
            // Only a wasm build exports: native builds (unit tests) cannot link export names
            // like `ethwasm:plugin/plugin@0.1.0#render`.
            #[cfg(target_arch = "wasm32")]
    $crate::bindings::export_plugin_world!(__EthwasmExport with_types_in $crate::bindings);
        };
    };
}

/// What `info` returns, built fluently.
#[derive(Debug, Clone)]
pub struct Info {
    name: String,
    version: String,
    description: String,
    provides: Vec<String>,
    requires: Vec<String>,
    schema: Option<String>,
}

impl Info {
    /// A plugin called `name` at `version` that renders what `description` says.
    pub fn new(name: &str, version: &str, description: &str) -> Self {
        Info {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            provides: Vec::new(),
            requires: Vec::new(),
            schema: None,
        }
    }
    /// Declares outputs this plugin returns.
    pub fn provides(mut self, names: &[&str]) -> Self {
        self.provides.extend(names.iter().map(|s| s.to_string()));
        self
    }
    /// Declares outputs of other plugins this plugin needs.
    pub fn requires(mut self, names: &[&str]) -> Self {
        self.requires.extend(names.iter().map(|s| s.to_string()));
        self
    }
    /// The JSON Schema of the plugin's values section (JSON text).
    pub fn schema(mut self, json: &str) -> Self {
        self.schema = Some(json.into());
        self
    }
    #[doc(hidden)]
    pub fn into_wit(self) -> PluginInfo {
        PluginInfo {
            name: self.name,
            version: self.version,
            description: self.description,
            provides: self.provides,
            requires: self.requires,
            values_schema: self.schema,
        }
    }
}

/// What `render` receives: release, values and required inputs.
#[derive(Debug, Clone)]
pub struct Input {
    release: Release,
    values: Value,
    global: Value,
    inputs: Vec<(String, Value)>,
}

impl Input {
    /// An input built by hand, for unit tests of plugin logic.
    pub fn new(release: Release, values: Value, global: Value, inputs: Vec<(String, Value)>) -> Self {
        Input { release, values, global, inputs }
    }
    #[doc(hidden)]
    pub fn from_wit(input: RenderInput) -> Self {
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(Value::Null);
        Input {
            values: parse(&input.values),
            global: parse(&input.global_values),
            inputs: input.inputs.iter().map(|(k, v)| (k.clone(), parse(v))).collect(),
            release: input.release,
        }
    }
    /// The release being rendered.
    pub fn release(&self) -> &Release {
        &self.release
    }
    /// The plugin's values section, deserialized; an error names the value path.
    pub fn values<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        from_value(&self.values).map_err(PluginError::InvalidValues)
    }
    /// The `global` values section, deserialized; an error names the value path.
    pub fn global<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        from_value(&self.global).map_err(|e| PluginError::InvalidValues(format!("global: {e}")))
    }
    /// The output `name` of a required plugin, deserialized.
    pub fn input<T: DeserializeOwned>(&self, name: &str) -> Result<T, PluginError> {
        let (_, v) = self.inputs.iter().find(|(k, _)| k == name).ok_or_else(|| {
            PluginError::MissingInput(format!("input `{name}` was not passed; declare it in `requires`"))
        })?;
        from_value(v).map_err(|e| PluginError::MissingInput(format!("input `{name}` is malformed: {e}")))
    }
}

fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.inner().to_string()
        } else {
            format!("{path}: {}", e.inner())
        }
    })
}

/// Deserializes a values mapping over `base`, for a `deserialize_with` function: the keys the
/// mapping gives replace `base`'s, and the ones it leaves out keep `base`'s values, where
/// `#[serde(default)]` would take `T::default()`'s. A plugin whose field defaults differ from
/// its type's (a small [`workload::Persistence`], say) keeps them under a partial mapping:
///
/// ```
/// use ethwasm_plugin::workload::Persistence;
/// use serde::{Deserialize, Deserializer};
///
/// #[derive(Deserialize)]
/// struct Values {
///     // Left out: small(). Given in part: the rest from small(), not from Persistence::default().
///     #[serde(default = "small", deserialize_with = "over_small")]
///     persistence: Persistence,
/// }
/// fn small() -> Persistence {
///     Persistence::sized("1Gi")
/// }
/// fn over_small<'de, D: Deserializer<'de>>(d: D) -> Result<Persistence, D::Error> {
///     ethwasm_plugin::deserialize_over(small(), d)
/// }
///
/// let v: Values = serde_json::from_value(serde_json::json!({ "persistence": { "storageClass": "fast" } })).unwrap();
/// assert_eq!((v.persistence.size.as_str(), v.persistence.storage_class.as_deref()), ("1Gi", Some("fast")));
/// ```
///
/// `T` must serialize to the mapping it deserializes from (derive both under the same `serde`
/// attributes). The merge is one level deep: a nested mapping that is given replaces the base's
/// whole, and its own type's defaults fill it. `T`'s own rules still hold (unknown keys, types);
/// an error inside the mapping names the key (`size: invalid type: ...`).
pub fn deserialize_over<'de, T, D>(base: T, deserializer: D) -> Result<T, D::Error>
where
    T: Serialize + DeserializeOwned,
    D: Deserializer<'de>,
{
    let merged = match Value::deserialize(deserializer)? {
        Value::Object(given) => {
            let mut merged = serde_json::to_value(base).map_err(de::Error::custom)?;
            let Value::Object(fields) = &mut merged else {
                return Err(de::Error::custom("deserialize_over: the base value does not serialize to a mapping"));
            };
            fields.extend(given);
            merged
        }
        // Not a mapping: T's own deserializer says what is wrong with it.
        other => other,
    };
    from_value(&merged).map_err(de::Error::custom)
}

/// What `render` returns, built fluently.
#[derive(Debug, Clone, Default)]
pub struct Output {
    manifests: Vec<String>,
    outputs: Vec<(String, String)>,
    notes: Option<String>,
}

impl Output {
    /// An empty output.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds one Kubernetes object.
    pub fn manifest(mut self, object: Value) -> Self {
        self.manifests.push(object.to_string());
        self
    }
    /// Adds an output for other plugins.
    pub fn output<T: Serialize>(mut self, name: &str, value: &T) -> Self {
        let json = serde_json::to_string(value).expect("serializing an output to JSON cannot fail");
        self.outputs.push((name.into(), json));
        self
    }
    /// Sets the notes shown to the user.
    pub fn notes(mut self, text: impl Into<String>) -> Self {
        self.notes = Some(text.into());
        self
    }
    /// The manifests as parsed JSON, for tests.
    pub fn manifests(&self) -> Vec<Value> {
        self.manifests.iter().map(|m| serde_json::from_str(m).expect("manifests are JSON")).collect()
    }
    /// One output as parsed JSON, for tests.
    pub fn get_output(&self, name: &str) -> Option<Value> {
        self.outputs.iter().find(|(k, _)| k == name).map(|(_, v)| serde_json::from_str(v).expect("outputs are JSON"))
    }
    /// The notes, for tests.
    pub fn get_notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }
    #[doc(hidden)]
    pub fn into_wit(self) -> RenderOutput {
        RenderOutput { manifests: self.manifests, outputs: self.outputs, notes: self.notes }
    }
}

/// Sends panic messages to the host's log at error level, so that the host's "plugin trapped"
/// error can say why (a wasm32 panic otherwise vanishes into an `unreachable` trap).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| log(Level::Error, &format!("panic: {info}"))));
    });
}

/// Logs a line through the host (tagged with the plugin's name). Never log secrets.
pub fn log(level: Level, message: &str) {
    host::log(level, message)
}

/// Tells the host how far a long piece of work is: `done` of `total` units of `what` (for
/// example "validator keys"). On a terminal the host shows it while the render runs; it changes
/// nothing in the output. Call it once per batch of work, not once per item. In a native build
/// (unit tests) it does nothing.
pub fn progress(what: &str, done: u64, total: u64) {
    #[cfg(target_arch = "wasm32")]
    host::progress(what, done, total);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (what, done, total);
}
