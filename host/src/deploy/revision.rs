//! Rendering a revision for a cluster action, once its seed and revision number are known.

use crate::error::Result;
use crate::job::{Job, Spec};
use crate::release::{ChartRef, PluginDigest};
use serde_json::Value;

/// What the release's history fixes before a revision renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFacts {
    /// The seed, hex: recorded at the first install, reused after.
    pub seed_hex: String,
    /// The revision number.
    pub revision: u32,
    /// When the release was first installed, Unix seconds: recorded, reused after.
    pub created: u64,
    /// The values the live revision was given and the chart defaults it recorded, for an
    /// upgrade to reuse ([`crate::values::Reuse`]).
    pub previous: Option<PreviousValues>,
    /// Whether the chart's `keep` values come from `previous` (not when starting a new chain).
    pub keep: bool,
}

/// What a revision recorded of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousValues {
    pub revision: u32,
    pub values: Value,
    pub chart_values: Option<Value>,
}

impl PreviousValues {
    /// The values the revision ran with, as far as its record tells: its chart defaults with
    /// its given values over them.
    fn effective(&self) -> Value {
        let mut merged = self.chart_values.clone().unwrap_or_else(|| Value::Object(Default::default()));
        crate::values::merge(&mut merged, self.values.clone());
        merged
    }
}

/// What a render produced for a revision.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Object bodies, in install order.
    pub objects: Vec<Value>,
    pub notes: Vec<(String, String)>,
    /// The values the user gave (not the chart's defaults), with the reused ones.
    pub values: Value,
    /// The chart defaults they were merged over.
    pub chart_values: Option<Value>,
    pub chart: Option<ChartRef>,
    pub plugins: Vec<PluginDigest>,
    /// What each plugin was granted ([`crate::permit`]): checked again once the cluster says
    /// where each kind lives.
    pub grants: crate::permit::Grants,
}

/// Renders `spec` as a revision of `release` in `namespace` with the release's seed and
/// creation time.
pub fn render_revision(spec: &Spec, namespace: &str, release: &str, facts: &ReleaseFacts) -> Result<Revision> {
    let mut values = spec.values.clone();
    if let Some(previous) = &facts.previous {
        use crate::values::Reuse;
        if values.reuse != Reuse::Reset {
            values.previous = Some(previous.values.clone());
        }
        if values.reuse == Reuse::Reuse {
            if previous.chart_values.is_none() {
                tracing::warn!(
                    "--reuse-values: revision {} did not record its chart's defaults (it predates that); the \
                     chart's own defaults are used",
                    previous.revision
                );
            }
            values.defaults = previous.chart_values.clone();
        }
        if facts.keep {
            values.kept_from = Some(previous.effective());
        }
    }
    let spec = Spec {
        values,
        namespace: Some(namespace.into()),
        release: Some(release.into()),
        seed: Some(facts.seed_hex.clone()),
        created: Some(facts.created),
        ..spec.clone()
    };
    let mut job = Job::resolve(&spec)?;
    job.request.revision = facts.revision;
    let rendered = crate::render::render(&job.request)?;
    Ok(Revision {
        objects: rendered.objects.into_iter().map(|o| o.body).collect(),
        notes: rendered.notes,
        values: job.user_values,
        chart_values: job.chart_values,
        chart: job.chart.as_ref().map(|c| ChartRef {
            name: c.file.name.clone(),
            version: c.file.version.clone(),
            source: job.chart_source.clone(),
        }),
        plugins: job
            .request
            .plugins
            .iter()
            .map(|p| PluginDigest {
                name: p.name().to_string(),
                version: p.info.version.clone(),
                sha256: p.sha256.clone(),
                source: job.plugin_sources.get(p.name()).cloned(),
            })
            .collect(),
        grants: job.request.grants.clone(),
    })
}

/// [`render_revision`] over an owned `spec`: a render a blocking thread can run, as
/// [`deploy`](super::deploy) takes it.
pub fn renderer(
    spec: &Spec,
    namespace: &str,
    release: &str,
) -> impl FnOnce(&ReleaseFacts) -> Result<Revision> + Send + 'static {
    let spec = spec.clone();
    let (namespace, release) = (namespace.to_string(), release.to_string());
    move |facts: &ReleaseFacts| render_revision(&spec, &namespace, &release, facts)
}
