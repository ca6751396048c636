//! `ethwasm status`: a release's latest revision and its workloads.

use crate::cli::{block_on, ReleaseArgs};
use crate::deploy;
use crate::exit::Outcome;
use clap::Args;

/// Show a release's revision, status, description and each workload's readiness.
#[derive(Debug, Args)]
pub struct StatusCommand {
    #[command(flatten)]
    pub target: ReleaseArgs,
    /// Also print the plugins' notes.
    #[arg(long)]
    pub notes: bool,
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
                let mark = if state.is_ready() { "ready" } else { "not ready" };
                println!("  {:width$}  {mark} ({})", k.to_string(), state.text());
            }
        }
        if self.notes {
            crate::commands::render::print_notes(&record.notes);
        }
        Ok(Outcome::Success)
    }
}
