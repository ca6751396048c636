//! The `ethwasm` command: its global flags and subcommands ([`Cli`], [`Command`]), and running
//! the one chosen.

use super::commands;
use super::{Globals, Outcome};
use clap::{CommandFactory, Parser, Subcommand};

/// Deploy a private Ethereum network to Kubernetes from sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "ethwasm", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Exit codes: 0 success, 1 differences found (diff), 2 usage or values error, \
3 plugin failure, 4 cluster failure, 5 other error (I/O), 6 registry failure.")]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render manifests to stdout or a directory, without a cluster.
    #[command(disable_version_flag = true)]
    Render(commands::render::RenderCommand),
    /// Work with plugin components.
    #[command(subcommand)]
    Plugin(commands::plugin::PluginCommand),
    /// Work with charts.
    #[command(subcommand)]
    Chart(commands::chart::ChartCommand),
    /// Pack a chart and its plugin components into one archive (NAME-VERSION.tgz) that
    /// render, deploy and diff take in place of the chart directory.
    Package(commands::chart::PackageCommand),
    /// Push a chart archive and each of its plugins to an OCI registry.
    Push(commands::registry::PushCommand),
    /// Pull a chart archive or a plugin component from an OCI registry, digests checked.
    #[command(disable_version_flag = true)]
    Pull(commands::registry::PullCommand),
    /// Log in to or out of an OCI registry.
    #[command(subcommand)]
    Registry(commands::registry::RegistryCommand),
    /// Print the version of ethwasm, wasmtime and the supported WIT packages.
    Version(commands::version::VersionCommand),
    /// Install or upgrade a release in the cluster (server-side apply, prune, wait).
    #[command(disable_version_flag = true)]
    Deploy(commands::deploy::DeployCommand),
    /// Show what a deploy would change: live objects against the rendered ones.
    #[command(disable_version_flag = true)]
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
    pub fn execute(self) -> ethwasm::Result<Outcome> {
        let g = &self.globals;
        match self.command {
            Command::Render(c) => c.execute(g),
            Command::Plugin(c) => c.execute(),
            Command::Chart(c) => c.execute(),
            Command::Package(c) => c.execute(),
            Command::Push(c) => c.execute(),
            Command::Pull(c) => c.execute(),
            Command::Registry(c) => c.execute(),
            Command::Version(c) => c.execute(),
            Command::Deploy(c) => c.execute(g),
            Command::Diff(c) => c.execute(g),
            Command::Status(c) => c.execute(g),
            Command::History(c) => c.execute(g),
            Command::Rollback(c) => c.execute(g),
            Command::Uninstall(c) => c.execute(g),
            Command::List(c) => c.execute(g),
            Command::Completions(c) => c.execute(Cli::command()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::path::PathBuf;
    use std::time::Duration;

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
        assert_eq!(cli.globals.namespace.as_deref(), Some("ns"));
        let Command::Render(r) = cli.command else { panic!("not render") };
        assert_eq!(r.source.plugins, ["a/*.wasm", "b.wasm"]);
        assert_eq!(r.runtime.plugin_memory, 1 << 30);
        assert_eq!(r.runtime.plugin_timeout, Duration::from_millis(500));
        assert_eq!(r.values.set_json, ["c=3"]);
    }

    #[test]
    fn global_flags_go_before_or_after_the_subcommand() {
        for args in [
            &["ethwasm", "--kubeconfig", "k", "--kube-context", "c", "-n", "eth", "-v", "status"][..],
            &["ethwasm", "status", "--kubeconfig", "k", "--kube-context", "c", "-n", "eth", "-v"][..],
            &["ethwasm", "-v", "--kubeconfig", "k", "status", "-n", "eth", "--kube-context", "c"][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(cli.globals.kubeconfig, Some(PathBuf::from("k")), "{args:?}");
            assert_eq!(cli.globals.kube_context.as_deref(), Some("c"), "{args:?}");
            assert_eq!(cli.globals.namespace.as_deref(), Some("eth"), "{args:?}");
            assert_eq!(cli.globals.verbose, 1, "{args:?}");
        }
    }

    #[test]
    fn bad_limit_flags_are_usage_errors() {
        let e = Cli::try_parse_from(["ethwasm", "render", "--plugin-memory", "lots"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not a size"), "{e}");
    }
}
