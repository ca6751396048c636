//! `ethwasm plugin ...`: look inside plugin components.

use crate::cli::args::RuntimeArgs;
use crate::cli::Outcome;
use clap::{Args, Subcommand, ValueEnum};
use ethwasm::plugin::{ImportKind, Plugin, Runtime};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Show what a plugin is: name, version, WIT version, provides, requires, schema, imports,
    /// sha256 and size.
    Inspect(InspectCommand),
    /// Create a plugin crate (Cargo.toml, src/lib.rs with a working render and a test, README).
    New(super::plugin_new::NewCommand),
}

impl PluginCommand {
    /// Runs the subcommand.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        match self {
            PluginCommand::Inspect(c) => c.execute(),
            PluginCommand::New(c) => c.execute(),
        }
    }
}

/// Output format of `plugin inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

/// `ethwasm plugin inspect FILE...`
#[derive(Debug, Args)]
pub struct InspectCommand {
    /// Component files, or Wasm OCI artifacts (oci://HOST/REPO[:TAG][@sha256:DIGEST]).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: InspectFormat,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(flatten)]
    pub registry: crate::cli::args::RegistryArgs,
}

impl InspectCommand {
    /// Loads each plugin and prints what it says about itself.
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let rt = Runtime::new(self.runtime.cache())?;
        let refs: Vec<String> = self.files.iter().map(|f| f.to_string_lossy().into_owned()).collect();
        let registry = self.registry.registry(self.runtime.cache_dir.clone(), self.runtime.no_cache)?;
        // Registry references pulled through the front door (files are read as named, not globbed).
        let oci: Vec<String> = refs.iter().filter(|r| ethwasm::oci::is_oci(r)).cloned().collect();
        let ask = ethwasm::source::Ask { plugins: &oci, ..Default::default() };
        let mut pulled = ethwasm::source::Sources::open(Some(&registry), &ask)?.plugins.into_iter();
        let mut all = Vec::new();
        for (f, text) in self.files.iter().zip(&refs) {
            let from_registry = if ethwasm::oci::is_oci(text) { pulled.next() } else { None };
            all.push(match from_registry {
                Some(ethwasm::source::Given::Pulled(p)) => {
                    let label = PathBuf::from(p.reference.to_string());
                    Plugin::from_bytes(&rt, &label, &p.bytes, self.runtime.limits())?
                }
                _ => Plugin::load(&rt, f, self.runtime.limits())?,
            });
        }
        // What each creates (categories of ethwasm::permit): all rendered together with their
        // defaults, else each alone.
        let counts = |created: &[(String, BTreeMap<String, usize>)], name: &str| {
            created.iter().find(|(p, _)| p == name).map(|(_, c)| c.clone()).unwrap_or_default()
        };
        let created: Vec<Created> = match ethwasm::render::created(&all) {
            Ok(together) => all.iter().map(|p| Ok(counts(&together, p.name()))).collect(),
            Err(_) => all
                .iter()
                .map(|p| {
                    let alone = ethwasm::render::created(std::slice::from_ref(p)).map_err(|e| e.to_string())?;
                    Ok(counts(&alone, p.name()))
                })
                .collect(),
        };
        let text = match self.output {
            InspectFormat::Json => {
                let v: Vec<_> = all.iter().zip(&created).map(|(p, c)| describe_json(p, c)).collect();
                format!("{:#}\n", serde_json::Value::Array(v))
            }
            InspectFormat::Text => {
                all.iter().zip(&created).map(|(p, c)| describe_text(p, c)).collect::<Vec<_>>().join("\n")
            }
        };
        crate::cli::print::write_stdout(text.as_bytes())?;
        Ok(Outcome::Success)
    }
}

fn kind_name(k: &ImportKind) -> &'static str {
    match k {
        ImportKind::Ethwasm => "host",
        ImportKind::Wasi => "wasi (empty context)",
    }
}

/// Counts by category, or why the plugin does not render alone.
type Created = Result<BTreeMap<String, usize>, String>;

fn created_text(c: &Created) -> String {
    match c {
        Ok(counts) if counts.is_empty() => "nothing (rendered with its default values)".into(),
        Ok(counts) => format!(
            "{} (rendered with its default values)",
            counts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
        ),
        Err(e) => format!("unknown: it does not render with its default values ({e})"),
    }
}

fn describe_json(p: &Plugin, created: &Created) -> serde_json::Value {
    json!({
        "creates": created.as_ref().ok(),
        "createsUnknownBecause": created.as_ref().err(),
        "file": p.path.display().to_string(),
        "name": p.info.name,
        "version": p.info.version,
        "description": p.info.description,
        "wit": format!("ethwasm:plugin@{}", p.wit_version),
        "provides": p.info.provides,
        "requires": p.info.requires,
        "imports": p.imports.iter().map(|(n, k)| json!({"name": n, "kind": kind_name(k)})).collect::<Vec<_>>(),
        "sha256": p.sha256,
        "size": p.size,
        "valuesSchema": p.info.values_schema.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
    })
}

fn describe_text(p: &Plugin, created: &Created) -> String {
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    let mut s = String::new();
    s.push_str(&format!("file:        {}\n", p.path.display()));
    s.push_str(&format!("name:        {}\n", p.info.name));
    s.push_str(&format!("version:     {}\n", p.info.version));
    s.push_str(&format!("description: {}\n", p.info.description));
    s.push_str(&format!("wit:         ethwasm:plugin@{}\n", p.wit_version));
    s.push_str(&format!("creates:     {}\n", created_text(created)));
    s.push_str(&format!("provides:    {}\n", list(&p.info.provides)));
    s.push_str(&format!("requires:    {}\n", list(&p.info.requires)));
    s.push_str(&format!("sha256:      {}\n", p.sha256));
    s.push_str(&format!("size:        {} bytes\n", p.size));
    s.push_str("imports:\n");
    for (n, k) in &p.imports {
        s.push_str(&format!("  {n} ({})\n", kind_name(k)));
    }
    match &p.info.values_schema {
        None => s.push_str("schema:      none (any values)\n"),
        Some(schema) => {
            let pretty = serde_json::from_str::<serde_json::Value>(schema)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| schema.clone());
            s.push_str("schema:\n");
            for line in pretty.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
    }
    s
}
