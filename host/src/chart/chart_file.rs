//! `chart.yaml` as written: [`ChartFile`], its [`PluginRef`]s and their [`PluginLimits`].

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `chart.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartFile {
    /// Always `ethwasm/v1`.
    pub api_version: String,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    pub plugins: Vec<PluginRef>,
    /// Values every plugin sees: `global.<key>` takes the value at a path of the merged values
    /// (e.g. `consensus: genesis.consensus`), unless the user set `global.<key>` themselves.
    /// So one setting reaches plugins that read only their own section and `global`.
    #[serde(default)]
    pub globals: BTreeMap<String, String>,
    /// Values a release keeps from its first install, `path: from` (dotted paths): when the
    /// value at `path` is null, a first install takes the value at `from`, and every later
    /// revision the one its previous revision ran with, unless the user sets `path` (or the
    /// deploy starts a new chain). The Ethereum chart keeps its genesis validator count so,
    /// raising `validators` on a running chain, the new ones join by deposit.
    #[serde(default)]
    pub keep: BTreeMap<String, String>,
}

/// One plugin of a chart.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginRef {
    /// The name the plugin reports in `info`.
    pub name: String,
    /// The component file, relative to the chart directory; or a Wasm OCI artifact pinned by
    /// digest, `oci://HOST/REPO@sha256:...` (pulled, or read from the local store, at render).
    /// Optional: without it (or when it names no file) the plugin is looked for by name
    /// ([`Chart::search`](super::Chart::search)), so a copied chart directory still renders.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Limits for this plugin that replace the host's defaults.
    #[serde(default)]
    pub limits: PluginLimits,
    /// What it may create beyond the default ([`crate::permit::Grant`] names).
    #[serde(default)]
    pub allow: Vec<String>,
    /// A values path (`faucet.enabled`, as Helm's dependency `condition`): when the merged
    /// value there is `false`, the plugin is neither read, compiled nor run, and its values
    /// section is not checked. Absent, or any other value: it runs.
    #[serde(default)]
    pub condition: Option<String>,
}

/// Per-plugin limit overrides in `chart.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginLimits {
    /// e.g. `512Mi`.
    pub memory: Option<String>,
    /// e.g. `60s`.
    pub timeout: Option<String>,
    /// Output bytes, e.g. `64Mi`.
    pub output: Option<String>,
}
