//! `ethwasm status`: a release's latest revision and its workloads.

use crate::cli::{block_on, ReleaseArgs};
use crate::deploy;
use crate::exit::Outcome;
use clap::{Args, ValueEnum};

/// How `status`, `history` and `list` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Table,
    /// For scripts: no seeds, values or Secret data.
    Json,
}

/// Prints pretty JSON and a newline.
pub fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(v)?;
    text.push('\n');
    crate::commands::render::write_stdout(text.as_bytes())
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

/// Unix seconds as RFC 3339 (UTC).
pub fn format_time(secs: u64) -> String {
    jiff::Timestamp::from_second(secs as i64)
        .map_or_else(|_| secs.to_string(), |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
}

impl StatusCommand {
    /// Runs it.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let (record, workloads) = block_on(async {
            let cluster = self.target.cluster.connect().await?;
            let (ns, release) = self.target.resolve(&cluster).await?;
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
            print_json(&v)?;
            return Ok(Outcome::Success);
        }
        println!("NAME: {}", record.name);
        println!("NAMESPACE: {}", record.namespace);
        println!("REVISION: {}", record.revision);
        println!("STATUS: {}", record.status.as_str());
        println!("LAST DEPLOYED: {}", format_time(record.last_deployed));
        if let Some(c) = &record.chart {
            println!("CHART: {}-{}", c.name, c.version);
        }
        println!("DESCRIPTION: {}", record.description);
        println!("OBJECTS: {}", record.inventory.len());
        if !workloads.is_empty() {
            println!("WORKLOADS:");
            let width = workloads.iter().map(|(k, _)| k.to_string().len()).max().unwrap_or(0);
            for (k, state) in &workloads {
                let mark = if state.is_ready() { "ready    " } else { "not ready" };
                println!("  {:width$}  {mark}  {}", k.to_string(), state.text());
            }
        }
        if self.notes {
            crate::commands::render::print_notes(&record.notes);
        }
        Ok(Outcome::Success)
    }
}
