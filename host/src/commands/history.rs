//! `ethwasm history`: a release's revisions.

use crate::cli::{block_on, ReleaseArgs};
use crate::commands::status::{format_time, print_json, Output};
use crate::deploy;
use crate::exit::Outcome;
use clap::Args;

/// List a release's revisions, oldest first.
#[derive(Debug, Args)]
pub struct HistoryCommand {
    #[command(flatten)]
    pub target: ReleaseArgs,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
}

impl HistoryCommand {
    /// Runs it.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let records = block_on(async {
            let cluster = self.target.cluster.connect().await?;
            let (ns, release) = self.target.resolve(&cluster).await?;
            deploy::history(&cluster, &ns, &release).await
        })?;
        if self.output == Output::Json {
            print_json(&records.iter().map(|r| r.summary()).collect())?;
            return Ok(Outcome::Success);
        }
        let mut out =
            String::from("REVISION  UPDATED                  STATUS            CHART            DESCRIPTION\n");
        for r in &records {
            let chart = r.chart.as_ref().map_or("-".to_string(), |c| format!("{}-{}", c.name, c.version));
            out.push_str(&format!(
                "{:<9} {:<24} {:<17} {:<16} {}\n",
                r.revision,
                format_time(r.last_deployed),
                r.status.as_str(),
                chart,
                r.description
            ));
        }
        crate::commands::render::write_stdout(out.as_bytes())?;
        Ok(Outcome::Success)
    }
}
