//! Everything a render needs from registries, fetched before it starts: the chart when it is
//! an `oci://` reference, the chart's `oci://` plugins, and `--plugins oci://...`. The render
//! itself then reads only memory, so it needs no network and no async runtime.

use super::{Kind, OciError, OciRef, Pulled, Registry};
use crate::chart::Chart;
use std::collections::BTreeMap;
use std::path::Path;

/// What was pulled for one render, by the reference as written.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The chart, when given as `oci://`.
    pub chart: Option<Pulled>,
    /// Its name (from its chart.yaml), the release's default name.
    pub chart_name: Option<String>,
    /// Plugins: the chart's `oci://` paths and `--plugins oci://...`, by the text as written.
    pub plugins: BTreeMap<String, Pulled>,
}

impl Fetched {
    /// The chart, loaded from the pulled archive (named by its pinned reference).
    pub fn load_chart(&self) -> Option<Result<Chart, crate::chart::ChartError>> {
        self.chart.as_ref().map(|p| Chart::from_archive_bytes(&p.reference.to_string(), &p.bytes))
    }
}

/// Pulls what `chart` (a directory, an archive or an `oci://` reference, with `version` as
/// its tag) and the `--plugins` entries name from registries. Nothing is fetched when nothing
/// is `oci://`.
pub async fn fetch(
    registry: &Registry,
    chart: Option<&Path>,
    version: Option<&str>,
    plugins: &[String],
) -> crate::Result<Fetched> {
    let mut fetched = Fetched::default();
    let chart_text = chart.map(|c| c.to_string_lossy().into_owned());
    let loaded = match chart_text.as_deref() {
        Some(text) if super::is_oci(text) => {
            let r = OciRef::parse(text)?.with_version(version)?;
            fetched.chart = Some(registry.pull(&r, Some(Kind::Chart)).await?);
            let chart = fetched.load_chart().transpose()?;
            fetched.chart_name = chart.as_ref().map(|c| c.file.name.clone());
            chart
        }
        _ if version.is_some() => return Err(version_without_oci()),
        Some(_) => chart.map(Chart::load).transpose()?,
        None => None,
    };
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    if let Some(c) = &loaded {
        for p in c.plugins()? {
            if let Some(r) = p.remote {
                wanted
                    .push((r, Some(format!("{}: plugins[{}].path", c.files.path_of("chart.yaml").display(), p.name))));
            }
        }
    }
    wanted.extend(plugins.iter().filter(|p| super::is_oci(p)).map(|p| (p.clone(), None)));
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
    fetched.plugins = futures::future::try_join_all(pulls).await?.into_iter().collect();
    Ok(fetched)
}

/// [`fetch`] on a runtime of its own, for callers outside one.
pub fn fetch_blocking(
    registry: &Registry,
    chart: Option<&Path>,
    version: Option<&str>,
    plugins: &[String],
) -> crate::Result<Fetched> {
    let needs = chart.is_some_and(|c| super::is_oci(&c.to_string_lossy())) || plugins.iter().any(|p| super::is_oci(p));
    if !needs {
        if version.is_some() {
            return Err(version_without_oci());
        }
        // A chart directory may still name oci:// plugins (an archive holds all of its own).
        let remote = chart
            .filter(|c| c.is_dir())
            .map(Chart::load)
            .transpose()?
            .is_some_and(|c| c.plugins().map(|ps| ps.iter().any(|p| p.remote.is_some())).unwrap_or(false));
        if !remote {
            return Ok(Fetched::default());
        }
    }
    block_on(fetch(registry, chart, version, plugins))
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
