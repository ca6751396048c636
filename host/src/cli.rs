//! The command line: clap derive structs shared by the subcommands.

use crate::commands;
use crate::plugin::Limits;
use crate::units::{parse_bytes, parse_duration};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Deploy a private Ethereum network to Kubernetes from sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "ethwasm", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Exit codes: 0 success, 1 differences found (diff), 2 usage or values error, \
3 plugin failure, 4 cluster failure, 5 other error (I/O).")]
pub struct Cli {
    /// More logs on stderr: -v info, -vv debug, -vvv trace (ETHWASM_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render manifests to stdout or a directory, without a cluster.
    Render(commands::render::RenderCommand),
    /// Work with plugin components.
    #[command(subcommand)]
    Plugin(commands::plugin::PluginCommand),
    /// Work with charts.
    #[command(subcommand)]
    Chart(commands::chart::ChartCommand),
    /// Print the version of ethwasm, wasmtime and the supported WIT packages.
    Version(commands::version::VersionCommand),
    /// Install or upgrade a release in the cluster (server-side apply, prune, wait).
    Deploy(commands::deploy::DeployCommand),
    /// Show what a deploy would change: live objects against the rendered ones.
    Diff(commands::diff::DiffCommand),
    /// Show a release's revision, status and workload readiness.
    Status(commands::status::StatusCommand),
    /// List a release's revisions.
    History(commands::history::HistoryCommand),
    /// Re-apply an earlier revision as a new one.
    Rollback(commands::rollback::RollbackCommand),
    /// Delete a release's objects and records.
    Uninstall(commands::uninstall::UninstallCommand),
    /// List releases.
    List(commands::list::ListCommand),
    /// Print a shell completion script.
    Completions(commands::completions::CompletionsCommand),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn execute(self) -> anyhow::Result<crate::exit::Outcome> {
        match self.command {
            Command::Render(c) => c.execute(),
            Command::Plugin(c) => c.execute(),
            Command::Chart(c) => c.execute(),
            Command::Version(c) => c.execute(),
            Command::Deploy(c) => c.execute(),
            Command::Diff(c) => c.execute(),
            Command::Status(c) => c.execute(),
            Command::History(c) => c.execute(),
            Command::Rollback(c) => c.execute(),
            Command::Uninstall(c) => c.execute(),
            Command::List(c) => c.execute(),
            Command::Completions(c) => c.execute(),
        }
    }
}

/// What to render: a chart and/or plugin files, and the release.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Chart directory (holding chart.yaml, values.yaml and chart.lock).
    #[arg(value_name = "CHART")]
    pub chart: Option<PathBuf>,
    /// Plugin component files or glob patterns (quote them: 'plugins/*.wasm'); repeatable.
    /// Added to the chart's plugins, or used alone.
    #[arg(long = "plugins", value_name = "GLOB")]
    pub plugins: Vec<String>,
    /// Release name [default: the chart's name, or `ethwasm` with only --plugins].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Namespace of the release [default: the kubeconfig context's namespace with a cluster,
    /// else `default`].
    #[arg(short = 'n', long, value_name = "NS", env = "ETHWASM_NAMESPACE")]
    pub namespace: Option<String>,
    /// Seed for every derived key, as hex (16 to 64 bytes); makes output reproducible.
    /// Default: a fresh random seed.
    #[arg(long, value_name = "HEX", env = "ETHWASM_SEED", hide_env_values = true)]
    pub seed: Option<String>,
}

/// Values: files and --set flags, merged in Helm's order.
#[derive(Debug, Clone, Args)]
pub struct ValuesArgs {
    /// Values file (YAML; `-` for stdin); repeatable, later files win.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set values: a.b=v,c[0]=w (true/false/null/integers are typed).
    #[arg(long, value_name = "K=V")]
    pub set: Vec<String>,
    /// Set values, always as strings.
    #[arg(long = "set-string", value_name = "K=V")]
    pub set_string: Vec<String>,
    /// Set a value from JSON: a.b={"x":1} (or a whole JSON object).
    #[arg(long = "set-json", value_name = "K=JSON")]
    pub set_json: Vec<String>,
    /// Set a value to the contents of a file: key=path.
    #[arg(long = "set-file", value_name = "K=PATH")]
    pub set_file: Vec<String>,
}

impl ValuesArgs {
    /// The value sources in Helm's order.
    pub fn sources(&self) -> crate::values::ValueSources {
        crate::values::ValueSources {
            files: self.values.clone(),
            set_json: self.set_json.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
        }
    }
}

/// How to reach the cluster.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Kubeconfig file [default: $KUBECONFIG, ~/.kube/config, or the pod's service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: its current context].
    #[arg(long, value_name = "NAME")]
    pub kube_context: Option<String>,
}

impl ClusterArgs {
    /// Connects (kubeconfig, context, or in-cluster).
    pub async fn connect(&self) -> anyhow::Result<crate::cluster::kube::KubeCluster> {
        let how =
            crate::cluster::kube::Connect { kubeconfig: self.kubeconfig.clone(), context: self.kube_context.clone() };
        Ok(crate::cluster::kube::KubeCluster::connect(&how).await?)
    }
}

/// Which release, for commands that take no chart.
#[derive(Debug, Clone, Args)]
pub struct ReleaseArgs {
    /// Release name [default: the only release in the namespace].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Namespace of the release [default: the kubeconfig context's namespace].
    #[arg(short = 'n', long, value_name = "NS", env = "ETHWASM_NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

impl ReleaseArgs {
    /// The namespace and release these flags name, asking the cluster for defaults.
    pub async fn resolve<C: crate::cluster::Cluster>(&self, c: &C) -> anyhow::Result<(String, String)> {
        let ns = self.namespace.clone().unwrap_or_else(|| c.default_namespace());
        crate::job::check_namespace(&ns)?;
        let release = match &self.release {
            Some(r) => r.clone(),
            None => crate::deploy::default_release(c, &ns).await?,
        };
        Ok((ns, release))
    }
}

/// Runs a cluster command's future on a single-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime starts").block_on(f)
}

/// The plugin sandbox: compile cache and limits.
#[derive(Debug, Clone, Args)]
pub struct RuntimeArgs {
    /// Directory for compiled plugins [default: $XDG_CACHE_HOME/ethwasm or ~/.cache/ethwasm].
    #[arg(long, value_name = "DIR", env = "ETHWASM_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every plugin afresh and keep nothing on disk.
    #[arg(long)]
    pub no_cache: bool,
    /// Memory limit per plugin (e.g. 256Mi, 1Gi); a chart's `limits.memory` replaces it.
    #[arg(long, value_name = "SIZE", default_value = "256Mi", value_parser = parse_bytes)]
    pub plugin_memory: u64,
    /// Time limit per plugin call (e.g. 10s, 500ms); a chart's `limits.timeout` replaces it.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub plugin_timeout: Duration,
    /// Limit on the bytes of manifests, outputs and notes one plugin may return.
    #[arg(long, value_name = "SIZE", default_value = "16Mi", value_parser = parse_bytes)]
    pub max_output: u64,
}

impl RuntimeArgs {
    /// The default limits these flags give.
    pub fn limits(&self) -> Limits {
        Limits { memory_bytes: self.plugin_memory, timeout: self.plugin_timeout, output_bytes: self.max_output }
    }

    /// The compile cache these flags give.
    pub fn cache(&self) -> crate::plugin::CompileCache {
        if self.no_cache {
            return crate::plugin::CompileCache::disabled();
        }
        match self.cache_dir.clone().or_else(crate::plugin::CompileCache::default_dir) {
            Some(d) => crate::plugin::CompileCache::at(d),
            None => crate::plugin::CompileCache::disabled(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_flags_parse() {
        let cli = Cli::try_parse_from([
            "ethwasm",
            "render",
            "charts/ethereum",
            "--plugins",
            "a/*.wasm",
            "--plugins",
            "b.wasm",
            "-f",
            "v.yaml",
            "--set",
            "a=1",
            "--set-string",
            "b=2",
            "--set-json",
            "c=3",
            "--set-file",
            "d=e",
            "--release",
            "r",
            "-n",
            "ns",
            "--seed",
            "00",
            "-o",
            "json",
            "--plugin-memory",
            "1Gi",
            "--plugin-timeout",
            "500ms",
        ])
        .unwrap();
        let Command::Render(r) = cli.command else { panic!("not render") };
        assert_eq!(r.source.plugins, ["a/*.wasm", "b.wasm"]);
        assert_eq!(r.runtime.plugin_memory, 1 << 30);
        assert_eq!(r.runtime.plugin_timeout, Duration::from_millis(500));
        assert_eq!(r.values.set_json, ["c=3"]);
    }

    #[test]
    fn bad_limit_flags_are_usage_errors() {
        let e = Cli::try_parse_from(["ethwasm", "render", "--plugin-memory", "lots"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not a size"), "{e}");
    }
}
