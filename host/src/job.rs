//! Turns what the caller asked for ([`Spec`]) into one validated render request before any
//! plugin runs: chart, plugin files (pins checked), merged values, release, namespace and seed.

use crate::chart::Chart;
use crate::error::{Error, Result};
use crate::plugin::{is_dns_label, CompileCache, Limits, Plugin, Release, Runtime, Seed, Source};
use crate::render::Request;
use crate::source::{ChartPlugin, Given, Sources};
use crate::values::ValueSources;
use std::path::PathBuf;
use std::sync::Arc;

/// What to render: the opened chart and plugins, values, release identity and sandbox.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The chart and plugin components, opened by [`Sources::open`], the one front door.
    pub sources: Sources,
    /// Release name [default: the chart's name, or `ethwasm`].
    pub release: Option<String>,
    /// Namespace [default: `default`].
    pub namespace: Option<String>,
    /// Seed as hex [default: a fresh random one].
    pub seed: Option<String>,
    /// When the release was created, Unix seconds [default: now]; plugins of WIT 0.2.0 and
    /// later see it as `release.created`.
    pub created: Option<u64>,
    /// Values files and --set flags, in Helm's order.
    pub values: ValueSources,
    /// Where compiled plugins are kept.
    pub cache: CompileCache,
    /// Limits of plugins the chart does not give its own.
    pub limits: Limits,
    /// Grants given on the command line, added to the chart's.
    pub allow: crate::permit::Grants,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            sources: Sources::default(),
            release: None,
            namespace: None,
            seed: None,
            created: None,
            values: ValueSources::default(),
            cache: CompileCache::disabled(),
            limits: Limits::default(),
            allow: Default::default(),
        }
    }
}

/// A resolved job: the runtime that loaded the plugins, and the request to render.
pub struct Job {
    pub runtime: Runtime,
    pub chart: Option<Chart>,
    pub request: Request,
    /// The values the user gave (files and --set flags over `{}`), as a release records them.
    pub user_values: serde_json::Value,
    /// The chart's defaults the values were merged over, as a release records them (for a
    /// later `--reuse-values`).
    pub chart_values: Option<serde_json::Value>,
    /// Where the chart came from when pulled: its reference, pinned by digest.
    pub chart_source: Option<String>,
    /// Where each plugin pulled from a registry came from: name -> reference, pinned.
    pub plugin_sources: std::collections::BTreeMap<String, String>,
}

impl Job {
    /// Resolves everything, failing on the first bad input before any plugin runs.
    pub fn resolve(source: &Spec) -> Result<Job> {
        if source.sources.is_empty() {
            return Err(Error::usage("give a chart directory (e.g. charts/ethereum) or --plugins GLOB"));
        }
        let chart = source.sources.chart.clone();
        let chart_source = source.sources.chart_ref.clone();
        let release_name = release_name(source)?;
        let namespace = source.namespace.clone().unwrap_or_else(|| "default".into());
        check_namespace(&namespace)?;
        let seed = seed_of(source)?;
        // Values first: a typo in -f or --set fails before any compilation.
        let values = merge_values(source, chart.as_ref())?;
        let runtime = Runtime::new(source.cache.clone())?;
        let sources = read_sources(source, &values.merged)?;
        let (plugins, plugin_sources) = load_plugins(&runtime, sources.items, sources.pulled, sources.plugin_sources)?;
        if let Some(name) = source.allow.keys().find(|n| !plugins.iter().any(|p| p.name() == n.as_str())) {
            let names: Vec<&str> = plugins.iter().map(|p| p.name()).collect();
            return Err(Error::usage(format!(
                "--allow names `{name}`, which is not a plugin of this render (plugins: {})",
                names.join(", ")
            )));
        }
        let part_of = chart.as_ref().map_or("ethwasm".to_string(), |c| c.file.name.clone());
        let request = Request {
            plugins,
            values: values.merged,
            release: Release { name: release_name, namespace, created: source.created.unwrap_or_else(now) },
            revision: 1,
            seed,
            part_of,
            schema: chart.as_ref().and_then(|c| c.schema.clone()),
            grants: sources.grants,
            off: sources.off,
        };
        Ok(Job {
            runtime,
            chart,
            request,
            user_values: values.user,
            chart_values: values.chart,
            chart_source,
            plugin_sources,
        })
    }
}

/// `--seed`, else a fresh random one.
fn seed_of(source: &Spec) -> Result<Seed> {
    match &source.seed {
        Some(hex) => Seed::from_hex(hex).map_err(|e| Error::usage(format!("--seed: {e}"))),
        None => Seed::random().map_err(|e| Error::internal(format!("cannot read OS randomness for a seed: {e}"))),
    }
}

/// The values of a render: merged, as given, and the chart defaults under them.
struct Values {
    merged: serde_json::Value,
    user: serde_json::Value,
    chart: Option<serde_json::Value>,
}

/// The chart's defaults (or the recorded ones, for `--reuse-values`), the reused and the given
/// values over them in Helm's order, and the chart's globals.
fn merge_values(source: &Spec, chart: Option<&Chart>) -> Result<Values> {
    let base = source
        .values
        .defaults
        .clone()
        .or_else(|| chart.map(|c| c.values.clone()))
        .unwrap_or_else(|| serde_json::json!({}));
    let mut chart_values = chart.map(|_| base.clone());
    let (mut merged, user) = source.values.apply_with_user(base)?;
    if let Some(chart) = chart {
        // The kept values are recorded with the defaults, so the next revision finds them.
        for (path, value) in chart.apply_kept(&mut merged, source.values.kept_from.as_ref()) {
            if let Some(recorded) = chart_values.as_mut() {
                crate::values::set_dotted(recorded, &path, value);
            }
        }
        chart.apply_globals(&mut merged);
    }
    Ok(Values { merged, user, chart: chart_values })
}

/// Where plugins pulled from a registry came from: name -> reference, pinned.
type PluginSources = std::collections::BTreeMap<String, String>;

/// Every component of a render, read and pin-checked, none compiled yet.
struct Components {
    /// (the name chart.yaml gives it, if any; the component), in render order.
    items: Vec<(Option<String>, Source)>,
    /// Which items were pulled for `--plugins oci://...`: (index, reference).
    pulled: Vec<(usize, String)>,
    /// Chart plugins named by `oci://`: name -> reference.
    plugin_sources: PluginSources,
    /// The operator's grants and the chart's.
    grants: crate::permit::Grants,
    /// Chart plugins their condition turned off.
    off: Vec<String>,
}

/// Reads the chart's plugins (checking each against the chart's pins), but those the `values`
/// turn off by their chart.yaml `condition`, then `--plugins` files and pulled components.
fn read_sources(source: &Spec, values: &serde_json::Value) -> Result<Components> {
    let defaults = source.limits;
    let mut out = Components {
        items: Vec::new(),
        pulled: Vec::new(),
        plugin_sources: Default::default(),
        grants: source.allow.clone(),
        off: Vec::new(),
    };
    if let Some(chart) = &source.sources.chart {
        let lock = chart.lock()?;
        for cp in &source.sources.chart_plugins {
            let p = &cp.plugin;
            if p.is_off(values) {
                out.off.push(p.name.clone());
                continue;
            }
            let src = read_chart_plugin(defaults, cp)?;
            match &cp.pulled {
                // Pinned by the digest in chart.yaml, checked when pulled.
                Some(pulled) => {
                    out.plugin_sources.insert(p.name.clone(), pulled.reference.to_string());
                }
                None => chart.check_pin(&lock, &p.name, &p.path, &src.sha256)?,
            }
            out.grants.entry(p.name.clone()).or_default().extend(p.allow.iter().copied());
            out.items.push((Some(p.name.clone()), src));
        }
    }
    for given in &source.sources.plugins {
        match given {
            Given::File(path) => out.items.push((None, Source::read(path, defaults)?)),
            Given::Pulled(r) => {
                let label = PathBuf::from(r.reference.to_string());
                out.items.push((None, Source::from_bytes(&label, r.bytes.to_vec(), defaults)?));
                out.pulled.push((out.items.len() - 1, r.reference.to_string()));
            }
        }
    }
    Ok(out)
}

/// One chart plugin's component, with its limits.
fn read_chart_plugin(defaults: Limits, cp: &ChartPlugin) -> Result<Source> {
    let p = &cp.plugin;
    let limits = Limits {
        memory_bytes: p.memory.unwrap_or(defaults.memory_bytes),
        timeout: p.timeout.unwrap_or(defaults.timeout),
        output_bytes: p.output.unwrap_or(defaults.output_bytes),
    };
    let read = match (&p.bytes, &cp.pulled) {
        (_, Some(r)) => Source::from_bytes(&p.path, r.bytes.to_vec(), limits),
        (Some(bytes), None) => Source::from_bytes(&p.path, bytes.to_vec(), limits),
        (None, None) => Source::read(&p.path, limits),
    };
    read.map_err(|e| {
        let (why, missing) = match &e {
            crate::plugin::PluginError::Read { source, .. } => {
                (source.to_string(), source.kind() == std::io::ErrorKind::NotFound)
            }
            other => (other.to_string(), false),
        };
        if cp.pulled.is_some() {
            let fix = "the registry holds no usable component there; name another digest";
            return Error::usage(format!("chart plugin `{}`: {why}; {fix}", p.name));
        }
        if missing && !p.looked_in.is_empty() {
            return Error::usage(missing_plugin(p));
        }
        Error::usage(format!("chart plugin `{}`: cannot read {}: {why}", p.name, p.path.display()))
    })
}

/// Compiles (or loads from the cache) every component in parallel, checks that each chart
/// plugin calls itself what chart.yaml calls it, and records where pulled ones came from.
fn load_plugins(
    runtime: &Runtime,
    items: Vec<(Option<String>, Source)>,
    pulled: Vec<(usize, String)>,
    mut plugin_sources: PluginSources,
) -> Result<(Vec<Arc<Plugin>>, PluginSources)> {
    let loaded: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = items.iter().map(|(_, src)| s.spawn(|| src.load(runtime))).collect();
        handles.into_iter().map(|h| h.join().map_err(|_| Error::internal("a plugin loader thread panicked"))).collect()
    });
    let mut plugins: Vec<Arc<Plugin>> = Vec::new();
    for (i, ((chart_name, src), plugin)) in items.iter().zip(loaded).enumerate() {
        let plugin = plugin??;
        if let Some((_, r)) = pulled.iter().find(|(at, _)| *at == i) {
            plugin_sources.insert(plugin.name().to_string(), r.clone());
        }
        if let Some(name) = chart_name.as_ref().filter(|n| *n != plugin.name()) {
            return Err(Error::usage(format!(
                "chart.yaml lists `{name}` at {}, but that component calls itself `{}`",
                src.path.display(),
                plugin.name()
            )));
        }
        plugins.push(plugin);
    }
    Ok((plugins, plugin_sources))
}

/// The release name: --release, else the chart's name, else `ethwasm`.
pub fn release_name(source: &Spec) -> Result<String> {
    let name = match (&source.release, &source.sources.chart) {
        (Some(r), _) => r.clone(),
        (None, Some(c)) => c.file.name.clone(),
        (None, None) => "ethwasm".to_string(),
    };
    if !is_dns_label(&name) {
        return Err(Error::usage(format!(
            "release name `{name}` is not a DNS label ([a-z0-9-], at most 63 characters); pass --release"
        )));
    }
    Ok(name)
}

/// Where a chart plugin was looked for, and what to do.
fn missing_plugin(p: &crate::chart::ResolvedPlugin) -> String {
    let places: Vec<String> = p.looked_in.iter().map(|l| format!("  {}", l.display())).collect();
    format!(
        "chart plugin `{name}` was not found; looked in:\n{}\nBuild the plugins (`make build` in an ethwasm \
         checkout puts them in target/plugins, beside target/release/ethwasm), put {name}.wasm in the chart's \
         plugins/ directory, or name the directory that holds it with --plugin-path DIR or ETHWASM_PLUGIN_PATH",
        places.join("\n"),
        name = p.name
    )
}

/// A namespace must be a DNS label.
pub fn check_namespace(namespace: &str) -> Result<()> {
    if !is_dns_label(namespace) {
        return Err(Error::usage(format!("namespace `{namespace}` is not a DNS label")));
    }
    Ok(())
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
