//! What every subcommand shares: the global flags ([`Globals`]) and what a successful command
//! reports ([`Outcome`]).

use std::path::PathBuf;

/// Flags every subcommand takes, before or after its name (as Helm and kubectl have them).
#[derive(Debug, Clone, clap::Args)]
pub struct Globals {
    /// More logs on stderr: -v info, -vv debug, -vvv trace (ETHWASM_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Show no live progress line. A render that runs over a second shows one on stderr when
    /// stderr is a terminal (which plugins run, and how far each says it is).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Namespace of the release [default: the kubeconfig context's namespace with a cluster,
    /// else `default`].
    #[arg(short = 'n', long, value_name = "NS", env = "ETHWASM_NAMESPACE", global = true)]
    pub namespace: Option<String>,
    /// Kubeconfig file [default: $KUBECONFIG, ~/.kube/config, or the pod's service account].
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: its current context].
    #[arg(long, value_name = "NAME", global = true)]
    pub kube_context: Option<String>,
}

/// What a successful command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the command ran and found differences (diff).
    Changes,
}
