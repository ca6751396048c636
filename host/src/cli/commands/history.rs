//! `ethwasm history`: a release's revisions.

use super::status::Output;
use crate::cli::args::{self, block_on, ReleaseArgs};
use crate::cli::{print, Globals, Outcome};
use clap::Args;
use ethwasm::deploy;

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
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let records = block_on(async {
            let cluster = args::connect(g).await?;
            let (ns, release) = self.target.resolve(g, &cluster).await?;
            deploy::history(&cluster, &ns, &release).await
        })?;
        if self.output == Output::Json {
            print::json(&records.iter().map(|r| r.summary()).collect())?;
            return Ok(Outcome::Success);
        }
        let mut out =
            String::from("REVISION  UPDATED                  STATUS            CHART            SOURCE  DESCRIPTION\n");
        for r in &records {
            let chart = r.chart.as_ref().map_or("-".to_string(), |c| format!("{}-{}", c.name, c.version));
            // Where the chart came from: a registry reference, pinned; `-` for a local chart.
            let source = r.chart.as_ref().and_then(|c| c.source.as_deref()).unwrap_or("-");
            out.push_str(&format!(
                "{:<9} {:<24} {:<17} {:<16} {source}  {}\n",
                r.revision,
                print::time(r.last_deployed),
                r.status.as_str(),
                chart,
                r.description
            ));
        }
        print::write_stdout(out.as_bytes())?;
        Ok(Outcome::Success)
    }
}
