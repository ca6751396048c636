//! Flag groups the subcommands share, and how they become the library's typed requests.

use super::Globals;
use clap::Args;
use ethwasm::cluster::kube::{Connect, KubeCluster};
use ethwasm::cluster::Cluster;
use ethwasm::deploy::{self, Options};
use ethwasm::job::Spec;
use ethwasm::plugin::{CompileCache, Limits};
use ethwasm::units::{parse_bytes, parse_duration};
use ethwasm::values::ValueSources;
use ethwasm::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

/// Runs a cluster command's future on a single-threaded runtime (the library's helper, which its
/// registry pulls use too).
pub use ethwasm::oci::block_on;

/// What to render: a chart and/or plugin files, and the release.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Chart directory (holding chart.yaml, values.yaml and chart.lock), a chart archive made
    /// by `ethwasm package` (the plugins inside it), or a chart in a registry:
    /// oci://HOST/REPO[:TAG][@sha256:DIGEST] (pushed by `ethwasm push`).
    #[arg(value_name = "CHART")]
    pub chart: Option<PathBuf>,
    /// With an oci:// chart: the tag to take, its version (as Helm's --version).
    #[arg(long = "version", value_name = "VERSION")]
    pub chart_version: Option<String>,
    /// Plugin component files or glob patterns (quote them: 'plugins/*.wasm'), or a Wasm OCI
    /// artifact oci://HOST/REPO[:TAG][@sha256:DIGEST]; repeatable. Added to the chart's
    /// plugins, or used alone.
    #[arg(long = "plugins", value_name = "GLOB")]
    pub plugins: Vec<String>,
    /// A directory to look for the chart's plugins in, by name (`DIR/NAME.wasm`), before
    /// ETHWASM_PLUGIN_PATH and the `plugins/` directory beside the ethwasm binary's; repeatable.
    #[arg(long = "plugin-path", value_name = "DIR")]
    pub plugin_path: Vec<PathBuf>,
    /// Release name [default: the chart's name, or `ethwasm` with only --plugins].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Seed for every derived key, as hex (16 to 64 bytes); makes output reproducible.
    /// Default: a fresh random seed.
    #[arg(long, value_name = "HEX", env = "ETHWASM_SEED", hide_env_values = true)]
    pub seed: Option<String>,
    /// When the release was created, as Unix seconds or RFC 3339 (2026-01-01T00:00:00Z); plugins
    /// see it as `release.created` (a proof-of-stake genesis time defaults to it plus a delay).
    /// A deploy records it at the first install and keeps it after. Default: SOURCE_DATE_EPOCH
    /// when set, else now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub created: Option<u64>,
    /// Let plugin PLUGIN create more than the default (see docs/threat-model.md): GRANT is
    /// other-namespaces, cluster-scoped, namespaces, rbac, webhooks, crds, privileged-pods,
    /// external-ips, endpoints, service-accounts, token-secrets, bound-volumes,
    /// foreign-objects, shared-hosts or all (comma-separated; repeatable). Added to the
    /// chart's `allow:`.
    #[arg(long = "allow", value_name = "PLUGIN:GRANT", value_parser = ethwasm::permit::parse_allow)]
    pub allow: Vec<(String, std::collections::BTreeSet<ethwasm::permit::Grant>)>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach OCI registries.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// Speak plain HTTP (no TLS) to the registry. Loopback registries (localhost, 127.0.0.1,
    /// ::1) are always spoken to over plain HTTP; any other needs this flag to go without TLS.
    #[arg(long)]
    pub plain_http: bool,
    /// PEM file of certificate authorities to trust for registries, besides the system's (a
    /// registry with a private CA). With it, a loopback registry is spoken to over HTTPS too.
    #[arg(long, value_name = "FILE", conflicts_with = "plain_http")]
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate from registries: anyone on the way can then read and change what
    /// is pulled (digests pinned in references are still checked). For tests only.
    #[arg(long, conflicts_with = "plain_http")]
    pub insecure_skip_tls_verify: bool,
}

impl RegistryArgs {
    /// The registry client these flags give, keeping pulls in the cache directory's `oci/`
    /// (none with `no_cache`).
    pub fn registry(&self, cache_dir: Option<PathBuf>, no_cache: bool) -> Result<ethwasm::oci::Registry> {
        let store = match (no_cache, cache_dir.or_else(CompileCache::default_dir)) {
            (false, Some(dir)) => ethwasm::oci::Store::at(dir.join("oci")),
            _ => ethwasm::oci::Store::disabled(),
        };
        let ca_pem = match &self.ca_file {
            Some(path) => {
                let pem =
                    std::fs::read(path).map_err(|e| Error::usage(format!("--ca-file {}: {e}", path.display())))?;
                if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err(Error::usage(format!(
                        "--ca-file {}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                        path.display()
                    )));
                }
                Some(pem)
            }
            None => None,
        };
        let tls = ethwasm::oci::Tls { ca_pem, insecure: self.insecure_skip_tls_verify };
        Ok(ethwasm::oci::Registry::new(store, self.plain_http, tls))
    }
}

/// Unix seconds, or an RFC 3339 time.
fn parse_time(text: &str) -> Result<u64, String> {
    /// 9999-12-31T23:59:59Z: the last time RFC 3339 can write. A larger number is a typo (or
    /// milliseconds), and would put a genesis thousands of years away.
    const LAST: u64 = 253_402_300_799;
    let secs = match text.trim().parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let t: jiff::Timestamp = text.trim().parse().map_err(|e| {
                format!("`{text}` is neither Unix seconds nor an RFC 3339 time (2026-01-01T00:00:00Z): {e}")
            })?;
            u64::try_from(t.as_second()).map_err(|_| format!("`{text}` is before 1970"))?
        }
    };
    if secs > LAST {
        return Err(format!(
            "`{text}` is after the year 9999; give Unix seconds (e.g. 1767225600, not milliseconds) or an RFC 3339 \
             time (2026-01-01T00:00:00Z)"
        ));
    }
    Ok(secs)
}

impl SourceArgs {
    /// `--created`, else SOURCE_DATE_EPOCH (named in its own error), else none.
    pub fn created(&self) -> Result<Option<u64>> {
        if self.created.is_some() {
            return Ok(self.created);
        }
        match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) if !v.trim().is_empty() => {
                parse_time(&v).map(Some).map_err(|e| Error::usage(format!("SOURCE_DATE_EPOCH: {e}")))
            }
            _ => Ok(None),
        }
    }
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
    pub fn sources(&self) -> ValueSources {
        ValueSources {
            files: self.values.clone(),
            set_json: self.set_json.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
            ..ValueSources::default()
        }
    }
}

/// Which values an upgrade starts from, as Helm's flags say it.
#[derive(Debug, Clone, Args)]
#[group(multiple = false)]
pub struct ReuseArgs {
    /// Upgrade from the previous revision's values and its chart defaults (as recorded), with
    /// the values given now on top; the new chart's defaults are not read (Helm's meaning).
    #[arg(long)]
    pub reuse_values: bool,
    /// Upgrade from the new chart's defaults and the values given now only: values given to
    /// earlier revisions are dropped (each is named before anything is applied).
    #[arg(long)]
    pub reset_values: bool,
    /// Upgrade from the new chart's defaults, then the previous revision's values, then the
    /// values given now. This is the default: a value given once stays until changed.
    #[arg(long)]
    pub reset_then_reuse_values: bool,
}

impl ReuseArgs {
    /// The mode these flags choose.
    pub fn mode(&self) -> ethwasm::values::Reuse {
        use ethwasm::values::Reuse;
        if self.reuse_values {
            Reuse::Reuse
        } else if self.reset_values {
            Reuse::Reset
        } else {
            Reuse::ResetThenReuse
        }
    }
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
    pub fn cache(&self) -> CompileCache {
        if self.no_cache {
            return CompileCache::disabled();
        }
        match self.cache_dir.clone().or_else(CompileCache::default_dir) {
            Some(d) => CompileCache::at(d),
            None => CompileCache::disabled(),
        }
    }
}

/// The render request the flags describe, in `namespace` (else the global -n), with what its
/// `oci://` references name pulled (or read from the local store).
pub fn spec(g: &Globals, source: &SourceArgs, values: &ValuesArgs, runtime: &RuntimeArgs) -> Result<Spec> {
    let registry = source.registry.registry(runtime.cache_dir.clone(), runtime.no_cache)?;
    let ask = ethwasm::source::Ask {
        chart: source.chart.as_deref(),
        version: source.chart_version.as_deref(),
        plugins: &source.plugins,
        plugin_path: &source.plugin_path,
    };
    Ok(Spec {
        sources: ethwasm::source::Sources::open(Some(&registry), &ask)?,
        release: source.release.clone(),
        namespace: g.namespace.clone(),
        seed: source.seed.clone(),
        created: source.created()?,
        values: values.sources(),
        cache: runtime.cache(),
        limits: runtime.limits(),
        allow: source.allow.iter().fold(Default::default(), |mut all: ethwasm::permit::Grants, (p, g)| {
            all.entry(p.clone()).or_default().extend(g.iter().copied());
            all
        }),
    })
}

/// Connects with the global flags (kubeconfig, context, or in-cluster).
pub async fn connect(g: &Globals) -> Result<KubeCluster> {
    let how = Connect { kubeconfig: g.kubeconfig.clone(), context: g.kube_context.clone() };
    Ok(KubeCluster::connect(&how).await?)
}

/// The namespace: -n, else the cluster's default; checked.
pub fn namespace<C: Cluster>(g: &Globals, c: &C) -> Result<String> {
    let ns = g.namespace.clone().unwrap_or_else(|| c.default_namespace());
    ethwasm::job::check_namespace(&ns)?;
    Ok(ns)
}

/// Which release, for commands that take no chart.
#[derive(Debug, Clone, Args)]
pub struct ReleaseArgs {
    /// Release name [default: the only release in the namespace].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
}

impl ReleaseArgs {
    /// The namespace and release these flags name, asking the cluster for defaults.
    pub async fn resolve<C: Cluster>(&self, g: &Globals, c: &C) -> Result<(String, String)> {
        let ns = namespace(g, c)?;
        let release = match &self.release {
            Some(r) => r.clone(),
            None => deploy::default_release(c, &ns).await?,
        };
        Ok((ns, release))
    }
}

/// Flags shared by deploy and rollback.
#[derive(Debug, Clone, Args)]
pub struct RolloutArgs {
    /// Take ownership of fields another field manager set (server-side apply `force`);
    /// otherwise such a conflict stops the deploy and names the field and the manager.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Wait until Deployments, StatefulSets and DaemonSets are ready and Jobs complete.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (e.g. 5m, 90s); also how long CustomResourceDefinitions may take
    /// to become Established.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Revisions to keep in the release's history (older ones are deleted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub history_max: usize,
    /// Requests in flight at once within an install stage.
    #[arg(long, value_name = "N", default_value_t = 8, hide = true)]
    pub parallelism: usize,
    /// Allow a revision that changes the chain's genesis (genesis time, fork, validator set,
    /// alloc, chain id): first delete the old chain's StatefulSets and their data volumes
    /// (PersistentVolumeClaims), so every node starts again from the new genesis.
    #[arg(long)]
    pub new_chain: bool,
    /// Adopt objects the revision renders that already exist in the cluster without this
    /// release's labels (otherwise the deploy is refused before anything is applied); an
    /// uninstall then deletes them with the rest of the release.
    #[arg(long)]
    pub take_ownership: bool,
}

impl RolloutArgs {
    /// Deploy options from these flags, progress shown on stdout.
    pub fn options(&self, operation: &str) -> Options {
        Options {
            force_conflicts: self.force_conflicts,
            wait: self.wait,
            timeout: self.timeout,
            history_max: self.history_max,
            parallelism: self.parallelism.max(1),
            holder: deploy::lock::holder_identity(operation),
            new_chain: self.new_chain,
            take_ownership: self.take_ownership,
            events: super::print::progress(),
            ..Options::default()
        }
    }
}
