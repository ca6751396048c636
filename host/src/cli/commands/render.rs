//! `ethwasm render`: values + plugins -> manifests on stdout or in a directory. No cluster.

use crate::cli::args::{self, RuntimeArgs, SourceArgs, ValuesArgs};
use crate::cli::{print, Globals, Outcome};
use clap::{Args, ValueEnum};
use ethwasm::error::ResultExt;
use ethwasm::job::Job;
use ethwasm::manifest::Object;
use ethwasm::Result;
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
    pub fn execute(self, g: &Globals) -> Result<Outcome> {
        let job = Job::resolve(&args::spec(g, &self.source, &self.values, &self.runtime)?)?;
        let rendered = ethwasm::render::render(&job.request)?;
        match &self.output_dir {
            Some(dir) => write_dir(dir, &rendered.objects, self.output)?,
            None => {
                let text = match self.output {
                    Format::Yaml => print::to_yaml(&rendered.objects),
                    Format::Json => print::to_json(&rendered.objects),
                };
                print::write_stdout(text.as_bytes())?;
            }
        }
        if !self.no_notes {
            print::notes(&rendered.notes);
        }
        Ok(Outcome::Success)
    }
}

/// One file per object, named `NNN-kind-name.ext` so a directory listing is install order.
fn write_dir(dir: &Path, objects: &[Object], format: Format) -> Result<()> {
    std::fs::create_dir_all(dir).internal(|| format!("cannot create output directory {}", dir.display()))?;
    let ext = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    // Leftovers from an earlier render would be applied too: remove the files a render names
    // (NNN-kind-name.yaml|json), and nothing else.
    for entry in std::fs::read_dir(dir).internal(|| format!("cannot read {}", dir.display()))? {
        let path = entry.internal(|| format!("cannot read {}", dir.display()))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let ours = name.len() > 4
            && name.as_bytes()[..3].iter().all(u8::is_ascii_digit)
            && name.as_bytes()[3] == b'-'
            && (name.ends_with(".yaml") || name.ends_with(".json"));
        if ours && path.is_file() {
            std::fs::remove_file(&path).internal(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for (i, o) in objects.iter().enumerate() {
        let name = format!("{:03}-{}-{}.{ext}", i, o.key.kind.to_lowercase(), o.key.name);
        let text = match format {
            Format::Yaml => format!("# Source: plugin/{}\n{}", o.plugin, ethwasm::yaml::to_string(&o.body)),
            Format::Json => format!("{:#}\n", o.body),
        };
        let path = dir.join(name);
        std::fs::write(&path, text).internal(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
