//! `ethwasm status`: a release's latest revision and its workloads.

use crate::cli::args::{self, block_on, ReleaseArgs};
use crate::cli::{print, Globals, Outcome};
use clap::{Args, ValueEnum};
use ethwasm::deploy;

/// How `status`, `history` and `list` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Table,
    /// For scripts: no seeds, values or Secret data.
    Json,
}

/// Show a release's revision, status, description and each workload's readiness.
#[derive(Debug, Args)]
pub struct StatusCommand {
    #[command(flatten)]
    pub target: ReleaseArgs,
    /// Also print the plugins' notes.
    #[arg(long)]
    pub notes: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
}

impl StatusCommand {
    /// Runs it.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let (record, workloads) = block_on(async {
            let cluster = args::connect(g).await?;
            let (ns, release) = self.target.resolve(g, &cluster).await?;
            deploy::status(&cluster, &ns, &release).await
        })?;
        if self.output == Output::Json {
            let mut v = record.summary();
            v["workloads"] = workloads
                .iter()
                .map(|(k, state)| {
                    serde_json::json!({"kind": k.kind, "namespace": k.namespace, "name": k.name,
                                       "ready": state.is_ready(), "state": state.text()})
                })
                .collect();
            if self.notes {
                v["notes"] = record.notes.iter().map(|(p, n)| serde_json::json!({"plugin": p, "notes": n})).collect();
            }
            print::json(&v)?;
            return Ok(Outcome::Success);
        }
        let mut out = String::new();
        out.push_str(&format!("NAME: {}\n", record.name));
        out.push_str(&format!("NAMESPACE: {}\n", record.namespace));
        out.push_str(&format!("REVISION: {}\n", record.revision));
        out.push_str(&format!("STATUS: {}\n", record.status.as_str()));
        out.push_str(&format!("LAST DEPLOYED: {}\n", print::time(record.last_deployed)));
        if let Some(c) = &record.chart {
            out.push_str(&format!("CHART: {}-{}\n", c.name, c.version));
            if let Some(source) = &c.source {
                out.push_str(&format!("CHART SOURCE: {source}\n"));
            }
        }
        let pulled: Vec<_> = record.plugins.iter().filter_map(|p| Some((&p.name, p.source.as_ref()?))).collect();
        if !pulled.is_empty() {
            out.push_str("PLUGIN SOURCES:\n");
            for (name, source) in pulled {
                out.push_str(&format!("  {name}: {source}\n"));
            }
        }
        out.push_str(&format!("DESCRIPTION: {}\n", record.description));
        out.push_str(&format!("OBJECTS: {}\n", record.inventory.len()));
        if !workloads.is_empty() {
            out.push_str("WORKLOADS:\n");
            let width = workloads.iter().map(|(k, _)| k.to_string().len()).max().unwrap_or(0);
            for (k, state) in &workloads {
                let mark = if state.is_ready() { "ready    " } else { "not ready" };
                out.push_str(&format!("  {:width$}  {mark}  {}\n", k.to_string(), state.text()));
            }
        }
        print::write_stdout(out.as_bytes())?;
        if self.notes {
            print::notes(&record.notes);
        }
        Ok(Outcome::Success)
    }
}
