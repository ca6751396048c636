//! `ethwasm list`: releases in a namespace or everywhere.

use super::status::Output;
use crate::cli::args::{self, block_on};
use crate::cli::{print, Globals, Outcome};
use clap::Args;
use ethwasm::deploy;

/// List releases (their latest revision).
#[derive(Debug, Args)]
pub struct ListCommand {
    /// Releases in every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
}

impl ListCommand {
    /// Runs it.
    pub fn execute(self, g: &Globals) -> ethwasm::Result<Outcome> {
        let mut records = block_on(async {
            let cluster = args::connect(g).await?;
            let ns = if self.all_namespaces { None } else { Some(args::namespace(g, &cluster)?) };
            deploy::list(&cluster, ns.as_deref()).await
        })?;
        records.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        if self.output == Output::Json {
            print::json(&records.iter().map(|r| r.summary()).collect())?;
            return Ok(Outcome::Success);
        }
        let mut out = String::from(
            "NAME              NAMESPACE         REVISION  UPDATED                  STATUS            CHART\n",
        );
        for r in &records {
            let chart = r.chart.as_ref().map_or("-".to_string(), |c| format!("{}-{}", c.name, c.version));
            out.push_str(&format!(
                "{:<17} {:<17} {:<9} {:<24} {:<17} {}\n",
                r.name,
                r.namespace,
                r.revision,
                print::time(r.last_deployed),
                r.status.as_str(),
                chart
            ));
        }
        print::write_stdout(out.as_bytes())?;
        Ok(Outcome::Success)
    }
}
