//! Test plugin, built for `wasm32-wasip2` so that it imports WASI: it tries to reach outside
//! the sandbox and reports what it got. `wasi-probe.mode`: `file` (read a file), `env` (list the
//! environment and arguments), `stdio` (print to stdout and stderr).

use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Values {
    mode: String,
    path: String,
}

/// The plugin.
pub struct WasiProbe;

impl Plugin for WasiProbe {
    fn info() -> Info {
        Info::new("wasi-probe", env!("CARGO_PKG_VERSION"), "tries WASI capabilities, for sandbox tests")
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        match v.mode.as_str() {
            "file" => {
                let path = if v.path.is_empty() { "/etc/hostname" } else { v.path.as_str() };
                match std::fs::read(path) {
                    Ok(bytes) => Err(PluginError::Failed(format!("read {path}: got {} bytes", bytes.len()))),
                    Err(e) => Err(PluginError::Failed(format!("read {path} denied: {e}"))),
                }
            }
            "env" => {
                let vars = std::env::vars().count();
                let args = std::env::args().count();
                let cwd =
                    std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_else(|e| format!("error: {e}"));
                Err(PluginError::Failed(format!("env vars: {vars}, args: {args}, cwd: {cwd}")))
            }
            "stdio" => {
                println!("hello from stdout");
                eprintln!("hello from stderr");
                Ok(Output::new())
            }
            other => Err(PluginError::InvalidValues(format!("mode: unknown mode `{other}`; use file, env or stdio"))),
        }
    }
}

export!(WasiProbe);
