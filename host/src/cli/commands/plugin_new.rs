//! `ethwasm plugin new NAME`: a plugin crate that builds into a component `render` accepts.

use crate::cli::Outcome;
use clap::Args;
use ethwasm::error::ResultExt;
use ethwasm::plugin::is_dns_label;
use ethwasm::Error;
use std::path::{Path, PathBuf};

const CARGO_TOML: &str = include_str!("templates/Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("templates/lib.rs.tmpl");
const README: &str = include_str!("templates/README.md.tmpl");

/// `ethwasm plugin new NAME [--dir DIR]`
#[derive(Debug, Args)]
pub struct NewCommand {
    /// Plugin name: a DNS label, also its values key (e.g. `faucet`).
    pub name: String,
    /// Directory to create the crate in [default: ./NAME].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The ethwasm-plugin SDK crate [default: plugins/sdk of the source tree ethwasm was built from].
    #[arg(long, value_name = "DIR", env = "ETHWASM_SDK")]
    pub sdk: Option<PathBuf>,
}

impl NewCommand {
    /// Writes Cargo.toml, src/lib.rs and README.md.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        if !is_dns_label(&self.name) {
            return Err(Error::usage(format!(
                "plugin name `{}` is not a DNS label ([a-z0-9-], at most 63 characters)",
                self.name
            )));
        }
        if self.name == ethwasm::plugin::RESERVED_NAME {
            return Err(Error::usage(format!(
                "plugin name `{}` is reserved for the values every plugin shares (`global.*`); choose another",
                self.name
            )));
        }
        let dir = self.dir.clone().unwrap_or_else(|| PathBuf::from(&self.name));
        if dir.join("Cargo.toml").exists() {
            return Err(Error::usage(format!("{} already holds a Cargo.toml; choose another --dir", dir.display())));
        }
        let sdk = match self.sdk {
            Some(p) => p,
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/sdk"),
        };
        let sdk = sdk.canonicalize().map_err(|e| {
            Error::usage(format!("cannot find the ethwasm-plugin SDK at {}: {e}; pass --sdk DIR", sdk.display()))
        })?;
        let repo = sdk.parent().and_then(Path::parent).unwrap_or(&sdk).to_path_buf();
        let crate_name = format!("ethwasm-plugin-{}", self.name);
        let type_name: String = self
            .name
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect();
        let type_name =
            if type_name.starts_with(|c: char| c.is_ascii_digit()) { format!("P{type_name}") } else { type_name };
        let fill = |t: &str| {
            t.replace("{{crate}}", &crate_name)
                .replace("{{crate_lib}}", &crate_name.replace('-', "_"))
                .replace("{{name}}", &self.name)
                .replace("{{type}}", &type_name)
                .replace("{{sdk}}", &sdk.display().to_string())
                .replace("{{repo}}", &repo.display().to_string())
        };
        std::fs::create_dir_all(dir.join("src")).internal(|| format!("cannot create {}", dir.display()))?;
        for (file, template) in [("Cargo.toml", CARGO_TOML), ("src/lib.rs", LIB_RS), ("README.md", README)] {
            let path = dir.join(file);
            std::fs::write(&path, fill(template)).internal(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!("created plugin `{}` in {}", self.name, dir.display());
        eprintln!("build it: {}/scripts/build-plugins.sh --crate {}", repo.display(), dir.display());
        Ok(Outcome::Success)
    }
}
