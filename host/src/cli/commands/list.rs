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
        let (records, damaged) = block_on(async {
            let cluster = args::connect(g).await?;
            let ns = if self.all_namespaces { None } else { Some(args::namespace(g, &cluster)?) };
            deploy::list(&cluster, ns.as_deref()).await
        })?;
        // One row per release: (namespace, name, revision, updated, status, chart), a damaged
        // release's newest revision among them.
        let mut rows: Vec<(String, String, u32, String, &str, String)> = records
            .iter()
            .map(|r| {
                let chart = r.chart.as_ref().map_or("-".to_string(), |c| format!("{}-{}", c.name, c.version));
                let time = print::time(r.last_deployed);
                (r.namespace.clone(), r.name.clone(), r.revision, time, r.status.as_str(), chart)
            })
            .chain(
                damaged
                    .iter()
                    .map(|d| (d.namespace.clone(), d.release.clone(), d.revision, "-".into(), "damaged", "-".into())),
            )
            .collect();
        rows.sort();
        for d in &damaged {
            tracing::warn!("{d} (see \"A damaged release record\" in docs/troubleshooting.md)");
        }
        if self.output == Output::Json {
            let mut items: Vec<serde_json::Value> = records.iter().map(|r| r.summary()).collect();
            items.extend(damaged.iter().map(|d| {
                serde_json::json!({ "name": d.release, "namespace": d.namespace, "revision": d.revision,
                    "status": "damaged", "damage": d.why, "secrets": d.secrets })
            }));
            items.sort_by_key(|v| (v["namespace"].to_string(), v["name"].to_string()));
            print::json(&items.into())?;
            return Ok(Outcome::Success);
        }
        let mut out = String::from(
            "NAME              NAMESPACE         REVISION  UPDATED                  STATUS            CHART\n",
        );
        for (namespace, name, revision, time, status, chart) in &rows {
            out.push_str(&format!("{name:<17} {namespace:<17} {revision:<9} {time:<24} {status:<17} {chart}\n"));
        }
        print::write_stdout(out.as_bytes())?;
        Ok(Outcome::Success)
    }
}
