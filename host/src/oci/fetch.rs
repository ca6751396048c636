//! Everything a render needs, read once before it starts: the chart (a directory, an archive,
//! or an `oci://` reference pulled), the chart's `oci://` plugins, and `--plugins oci://...`.
//! The render itself then reads only memory, so it needs no network and no async runtime.

use super::{Kind, OciError, OciRef, Pulled, Registry};
use crate::chart::Chart;
use std::collections::BTreeMap;
use std::path::Path;

/// The chart and what was pulled for one render.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The chart, loaded (from its directory, its archive, or the pulled archive).
    pub chart: Option<Chart>,
    /// The pulled chart, when given as `oci://`.
    pub pulled_chart: Option<Pulled>,
    /// Plugins: the chart's `oci://` paths and `--plugins oci://...`, by the text as written.
    pub plugins: BTreeMap<String, Pulled>,
}

/// Loads `chart` (pulling it when it is `oci://`, with `version` as its tag) and pulls the
/// `oci://` plugins it and `plugins` name. No runtime is started when nothing is `oci://`.
pub fn fetch(
    registry: &Registry,
    chart: Option<&Path>,
    version: Option<&str>,
    plugins: &[String],
) -> crate::Result<Fetched> {
    let mut fetched = Fetched::default();
    let chart_text = chart.map(|c| c.to_string_lossy().into_owned());
    fetched.chart = match (chart_text.as_deref(), chart) {
        (Some(text), _) if super::is_oci(text) => {
            let r = OciRef::parse(text)?.with_version(version)?;
            let pulled = block_on(async { Ok(registry.pull(&r, Some(Kind::Chart)).await?) })?;
            let loaded = Chart::from_archive_bytes(&pulled.reference.to_string(), &pulled.bytes)?;
            fetched.pulled_chart = Some(pulled);
            Some(loaded)
        }
        _ if version.is_some() => return Err(version_without_oci()),
        (_, Some(path)) => Some(Chart::load(path)?),
        _ => None,
    };
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    if let Some(c) = &fetched.chart {
        for p in c.plugins()? {
            if let Some(r) = p.remote {
                let place = format!("{}: plugins[{}].path", c.files.path_of("chart.yaml").display(), p.name);
                wanted.push((r, Some(place)));
            }
        }
    }
    wanted.extend(plugins.iter().filter(|p| super::is_oci(p)).map(|p| (p.clone(), None)));
    if wanted.is_empty() {
        return Ok(fetched);
    }
    let pulls = wanted.iter().map(|(text, from_chart)| async move {
        let r = OciRef::parse(text)?;
        if let (Some(place), None) = (from_chart, &r.digest) {
            return Err(OciError::BadReference {
                text: text.clone(),
                why: format!("{place} must pin the plugin by digest (…@sha256:…), as a lock would"),
            });
        }
        Ok((text.clone(), registry.pull(&r, Some(Kind::Plugin)).await?))
    });
    fetched.plugins = block_on(async { Ok(futures::future::try_join_all(pulls).await?.into_iter().collect()) })?;
    Ok(fetched)
}

/// `--version` given for a chart that is not an `oci://` reference.
fn version_without_oci() -> crate::Error {
    crate::Error::usage(
        "--version picks the tag of an oci:// chart; a chart directory or archive has its version in chart.yaml",
    )
}

/// Runs `f` on a current-thread runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = crate::Result<T>>) -> crate::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::internal(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}
