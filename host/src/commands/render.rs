//! `ethwasm render`: values + plugins -> manifests on stdout or in a directory. No cluster.

use crate::cli::{RuntimeArgs, SourceArgs, ValuesArgs};
use crate::exit::Outcome;
use crate::job::Job;
use crate::manifest::Object;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Multi-document YAML, one document per object.
    Yaml,
    /// A JSON `v1/List` of the objects.
    Json,
}

/// Render manifests without a cluster.
#[derive(Debug, Args)]
pub struct RenderCommand {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "yaml")]
    pub output: Format,
    /// Write one file per object into DIR (created; files an earlier render wrote there,
    /// named NNN-kind-name.yaml|json, are removed first) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Do not print the plugins' notes on stderr.
    #[arg(long)]
    pub no_notes: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl RenderCommand {
    /// Runs the render.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let job = Job::resolve(&self.source, &self.values, &self.runtime)?;
        let rendered = crate::render::render(&job.request)?;
        match &self.output_dir {
            Some(dir) => write_dir(dir, &rendered.objects, self.output)?,
            None => {
                let text = match self.output {
                    Format::Yaml => to_yaml(&rendered.objects),
                    Format::Json => to_json(&rendered.objects),
                };
                write_stdout(text.as_bytes())?;
            }
        }
        if !self.no_notes {
            print_notes(&rendered.notes);
        }
        Ok(Outcome::Success)
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

/// Prints plugin notes on stderr.
pub fn print_notes(notes: &[(String, String)]) {
    if notes.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "NOTES:");
    for (plugin, text) in notes {
        let _ = writeln!(err, "[{plugin}]");
        for line in text.lines() {
            let _ = writeln!(err, "  {line}");
        }
    }
}

/// One YAML document per object, each headed by the plugin that rendered it.
pub fn to_yaml(objects: &[Object]) -> String {
    let mut s = String::new();
    for o in objects {
        s.push_str("---\n");
        s.push_str(&format!("# Source: plugin/{}\n", o.plugin));
        s.push_str(&crate::yaml::to_string(&o.body));
    }
    s
}

/// A `v1/List` holding the objects, pretty-printed.
pub fn to_json(objects: &[Object]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": objects.iter().map(|o| &o.body).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&list).expect("JSON values serialize");
    s.push('\n');
    s
}

/// One file per object, named `NNN-kind-name.ext` so a directory listing is install order.
fn write_dir(dir: &Path, objects: &[Object], format: Format) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create output directory {}", dir.display()))?;
    let ext = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    // Leftovers from an earlier render would be applied too: remove the files a render names
    // (NNN-kind-name.yaml|json), and nothing else.
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let ours = name.len() > 4
            && name.as_bytes()[..3].iter().all(u8::is_ascii_digit)
            && name.as_bytes()[3] == b'-'
            && (name.ends_with(".yaml") || name.ends_with(".json"));
        if ours && path.is_file() {
            std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for (i, o) in objects.iter().enumerate() {
        let name = format!("{:03}-{}-{}.{ext}", i, o.key.kind.to_lowercase(), o.key.name);
        let text = match format {
            Format::Yaml => format!("# Source: plugin/{}\n{}", o.plugin, crate::yaml::to_string(&o.body)),
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&o.body)?),
        };
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
