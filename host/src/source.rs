//! The one front door for what a render reads: a chart (a directory, a packaged archive, or an
//! `oci://` reference, pulled) and the component of every plugin (the chart's, found by path or
//! name, or pulled when chart.yaml names it by `oci://`; and each `--plugins` file, glob or
//! `oci://` reference). [`Sources::open`] reads all of it once, before anything renders; the
//! render then reads only memory and local plugin files, and needs no network.

use crate::chart::{Chart, ResolvedPlugin};
use crate::error::{Error, Result};
use crate::oci::{Kind, OciError, OciRef, Pulled, Registry};
use std::path::{Path, PathBuf};

/// What to open, as the user wrote it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    /// A chart directory, a chart archive, or `oci://HOST/REPO[:TAG][@DIGEST]`.
    pub chart: Option<&'a Path>,
    /// The tag of an `oci://` chart (`--version`).
    pub version: Option<&'a str>,
    /// `--plugins`: files, glob patterns, or `oci://` references.
    pub plugins: &'a [String],
    /// `--plugin-path`: directories searched for the chart's plugins by name, first.
    pub plugin_path: &'a [PathBuf],
}

/// A chart plugin with where its component comes from.
#[derive(Debug, Clone)]
pub struct ChartPlugin {
    /// The plugin as chart.yaml gives it (path, limits, grants).
    pub plugin: ResolvedPlugin,
    /// Its component, pulled, when chart.yaml names it by `oci://` (pinned by digest).
    pub pulled: Option<Pulled>,
}

/// A component given by `--plugins`.
#[derive(Debug, Clone)]
pub enum Given {
    /// A local file (a glob pattern's matches, sorted).
    File(PathBuf),
    /// An `oci://` reference, pulled.
    Pulled(Pulled),
}

/// Everything a render reads, opened.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The chart, loaded, its plugin search path starting with `--plugin-path`.
    pub chart: Option<Chart>,
    /// The chart's reference pinned by digest, when it was pulled.
    pub chart_ref: Option<String>,
    /// The chart's plugins, in chart.yaml's order.
    pub chart_plugins: Vec<ChartPlugin>,
    /// `--plugins`, in the order given, each pattern's matches sorted, duplicates dropped.
    pub plugins: Vec<Given>,
}

impl Sources {
    /// Opens `ask`: loads the chart (pulling it when `oci://`), resolves its plugins, expands
    /// `--plugins` globs, and pulls every `oci://` component in parallel. `registry` may be
    /// `None` when nothing is `oci://`; no async runtime starts unless something is pulled.
    pub fn open(registry: Option<&Registry>, ask: &Ask) -> Result<Sources> {
        let (chart, pulled_chart) = load_chart(registry, ask)?;
        let chart_ref = pulled_chart.map(|p| p.reference.to_string());
        let resolved = match &chart {
            Some(c) => c.plugins()?,
            None => Vec::new(),
        };
        // Every oci:// reference, pulled together: the chart's plugins first, then --plugins.
        let mut wanted: Vec<(String, Option<String>)> = Vec::new();
        for p in &resolved {
            if let (Some(r), Some(c)) = (&p.remote, &chart) {
                let place = format!("{}: plugins[{}].path", c.files.path_of("chart.yaml").display(), p.name);
                wanted.push((r.clone(), Some(place)));
            }
        }
        wanted.extend(ask.plugins.iter().filter(|p| crate::oci::is_oci(p)).map(|p| (p.clone(), None)));
        let mut pulled = pull_all(registry, &wanted)?.into_iter();
        let chart_plugins = resolved
            .into_iter()
            .map(|plugin| {
                let pulled = plugin.remote.as_ref().and_then(|_| pulled.next());
                ChartPlugin { plugin, pulled }
            })
            .collect();
        let mut plugins: Vec<Given> = Vec::new();
        for text in ask.plugins {
            if crate::oci::is_oci(text) {
                plugins.extend(pulled.next().map(Given::Pulled));
                continue;
            }
            for path in expand_glob(text)? {
                if !plugins.iter().any(|g| matches!(g, Given::File(p) if *p == path)) {
                    plugins.push(Given::File(path));
                }
            }
        }
        Ok(Sources { chart, chart_ref, chart_plugins, plugins })
    }

    /// Opens a local chart directory or archive (no registry; `oci://` plugins are refused).
    pub fn chart(path: &Path, plugin_path: &[PathBuf]) -> Result<Sources> {
        Sources::open(None, &Ask { chart: Some(path), plugin_path, ..Ask::default() })
    }

    /// Opens `--plugins` files or patterns alone (no chart, no registry).
    pub fn plugins(patterns: &[String]) -> Result<Sources> {
        Sources::open(None, &Ask { plugins: patterns, ..Ask::default() })
    }

    /// Whether there is nothing to render.
    pub fn is_empty(&self) -> bool {
        self.chart.is_none() && self.plugins.is_empty()
    }
}

/// The chart `ask` names: loaded from its directory or archive, or pulled (and its pull).
fn load_chart(registry: Option<&Registry>, ask: &Ask) -> Result<(Option<Chart>, Option<Pulled>)> {
    let Some(path) = ask.chart else {
        return match ask.version {
            Some(_) => Err(version_without_oci()),
            None => Ok((None, None)),
        };
    };
    let text = path.to_string_lossy();
    let (mut chart, pulled) = if crate::oci::is_oci(&text) {
        let r = OciRef::parse(&text)?.with_version(ask.version)?;
        let registry = need(registry, &text)?;
        let pulled = crate::oci::block_on(async { Ok(registry.pull(&r, Some(Kind::Chart)).await?) })?;
        (Chart::from_archive_bytes(&pulled.reference.to_string(), &pulled.bytes)?, Some(pulled))
    } else if ask.version.is_some() {
        return Err(version_without_oci());
    } else {
        (Chart::load(path)?, None)
    };
    chart.search.splice(0..0, ask.plugin_path.iter().cloned());
    Ok((Some(chart), pulled))
}

/// Pulls each `(reference, where chart.yaml names it)` in parallel, in order. A chart's plugin
/// must be pinned by digest, as a lock would pin it.
fn pull_all(registry: Option<&Registry>, wanted: &[(String, Option<String>)]) -> Result<Vec<Pulled>> {
    let Some((first, _)) = wanted.first() else { return Ok(Vec::new()) };
    let registry = need(registry, first)?;
    let pulls = wanted.iter().map(|(text, from_chart)| async move {
        let r = OciRef::parse(text)?;
        if let (Some(place), None) = (from_chart, &r.digest) {
            return Err(OciError::BadReference {
                text: text.clone(),
                why: format!("{place} must pin the plugin by digest (…@sha256:…), as a lock would"),
            });
        }
        registry.pull(&r, Some(Kind::Plugin)).await
    });
    crate::oci::block_on(async { Ok(futures::future::try_join_all(pulls).await?) })
}

/// The registry, or an error naming the reference that needs one.
fn need<'r>(registry: Option<&'r Registry>, text: &str) -> Result<&'r Registry> {
    registry.ok_or_else(|| Error::usage(format!("{text} is in a registry, and this caller opened no registry")))
}

/// `--version` given for a chart that is not an `oci://` reference.
fn version_without_oci() -> Error {
    Error::usage(
        "--version picks the tag of an oci:// chart; a chart directory or archive has its version in chart.yaml",
    )
}

/// A `--plugins` pattern's matching files, sorted; a pattern that matches nothing is an error.
fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>> {
    let paths =
        glob::glob(pattern).map_err(|e| Error::usage(format!("--plugins {pattern:?} is not a valid pattern: {e}")))?;
    let mut matched: Vec<PathBuf> = paths.filter_map(std::result::Result::ok).filter(|p| p.is_file()).collect();
    if matched.is_empty() {
        return Err(Error::usage(format!("--plugins {pattern:?} matches no file; build plugins with `make build`")));
    }
    matched.sort();
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_expand_sorted_without_duplicates_and_an_empty_one_is_refused() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.wasm", "a.wasm"] {
            std::fs::write(d.path().join(f), b"x").unwrap();
        }
        let all = format!("{}/*.wasm", d.path().display());
        let a = d.path().join("a.wasm").display().to_string();
        let s = Sources::plugins(&[a.clone(), all]).unwrap();
        let files: Vec<_> = s
            .plugins
            .iter()
            .map(|g| match g {
                Given::File(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
                Given::Pulled(_) => unreachable!(),
            })
            .collect();
        assert_eq!(files, ["a.wasm", "b.wasm"]);
        let none = format!("{}/*.nope", d.path().display());
        let e = Sources::plugins(&[none]).unwrap_err().to_string();
        assert!(e.contains("matches no file"), "{e}");
    }

    #[test]
    fn a_version_needs_an_oci_chart_and_oci_needs_a_registry() {
        let e = Sources::open(None, &Ask { version: Some("1.0.0"), ..Ask::default() }).unwrap_err().to_string();
        assert!(e.contains("--version picks the tag of an oci:// chart"), "{e}");
        let oci = [String::from("oci://localhost:5000/p@sha256:") + &"0".repeat(64)];
        let e = Sources::plugins(&oci).unwrap_err().to_string();
        assert!(e.contains("opened no registry"), "{e}");
    }
}
