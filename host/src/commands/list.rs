//! `ethwasm list`: releases in a namespace or everywhere.

use crate::cli::{block_on, ClusterArgs};
use crate::cluster::Cluster;
use crate::commands::status::{format_time, print_json, Output};
use crate::deploy::store;
use crate::exit::Outcome;
use clap::Args;

/// List releases (their latest revision).
#[derive(Debug, Args)]
pub struct ListCommand {
    /// Namespace [default: the kubeconfig context's namespace].
    #[arg(short = 'n', long, value_name = "NS", env = "ETHWASM_NAMESPACE")]
    pub namespace: Option<String>,
    /// Releases in every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

impl ListCommand {
    /// Runs it.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        let mut records = block_on(async {
            let cluster = self.cluster.connect().await?;
            let ns = if self.all_namespaces {
                None
            } else {
                Some(self.namespace.clone().unwrap_or_else(|| cluster.default_namespace()))
            };
            store::list_releases(&cluster, ns.as_deref()).await
        })?;
        records.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        if self.output == Output::Json {
            print_json(&records.iter().map(|r| r.summary()).collect())?;
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
                format_time(r.last_deployed),
                r.status.as_str(),
                chart
            ));
        }
        crate::commands::render::write_stdout(out.as_bytes())?;
        Ok(Outcome::Success)
    }
}
