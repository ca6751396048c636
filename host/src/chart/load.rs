//! A chart read from disk or from an archive ([`Chart`]), and its plugins resolved to files
//! ([`ResolvedPlugin`]).

use super::files::{self, Files};
use super::{ChartError, ChartFile, PluginRef};
use crate::units::{parse_bytes, parse_duration};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A chart read from disk.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart's directory, or its archive.
    pub dir: PathBuf,
    /// Where its files are read from.
    pub files: Files,
    pub file: ChartFile,
    /// The parsed `values.yaml` (an empty map when the file is absent).
    pub values: Value,
    /// The parsed `values.schema.json`, if the chart has one.
    pub schema: Option<Value>,
    /// Where plugins are looked for by name (`<dir>/<name>.wasm`) after the chart's own
    /// `plugins/` directory: `--plugin-path` directories, then [`default_search`].
    pub search: Vec<PathBuf>,
}

/// The plugin directories every chart searches: each of `ETHWASM_PLUGIN_PATH` (separated as
/// `PATH` is), then `plugins/` beside the directory of the running `ethwasm` binary (so
/// `target/release/ethwasm` finds `target/plugins`, where `make build` puts them).
pub fn default_search() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::env::var_os("ETHWASM_PLUGIN_PATH")
        .map(|v| std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect())
        .unwrap_or_default();
    if let Some(bin) = std::env::current_exe().ok().and_then(|e| e.parent()?.parent().map(|p| p.join("plugins"))) {
        out.push(bin);
    }
    out
}

/// A chart plugin resolved to a file, with its limit overrides parsed.
#[derive(Debug, Clone)]
pub struct ResolvedPlugin {
    pub name: String,
    /// The component file (in an archive: the archive's path and the entry's name); the first
    /// place looked in when none holds it.
    pub path: PathBuf,
    /// Every place looked in, in order (a chart directory's plugins only), for the message when
    /// none holds the file.
    pub looked_in: Vec<PathBuf>,
    /// The component's bytes, for a chart read from an archive.
    pub bytes: Option<std::sync::Arc<[u8]>>,
    /// The `oci://` reference the chart names the plugin by (then `path` is that text and the
    /// component comes from the registry, pinned by the reference's digest, not by the lock).
    pub remote: Option<String>,
    pub memory: Option<u64>,
    pub timeout: Option<Duration>,
    pub output: Option<u64>,
    pub allow: std::collections::BTreeSet<crate::permit::Grant>,
    /// chart.yaml's `condition`: the values path that turns it off when `false`.
    pub condition: Option<String>,
}

impl ResolvedPlugin {
    /// Whether `values` (merged) turn this plugin off: its condition's value is `false`.
    pub fn is_off(&self, values: &Value) -> bool {
        self.condition.as_deref().and_then(|c| lookup(values, c)) == Some(&Value::Bool(false))
    }
}

impl Chart {
    /// Reads a chart directory (`chart.yaml`, `values.yaml`, `values.schema.json`), or a chart
    /// archive written by [`archive::package`](super::archive::package).
    pub fn load(dir: &Path) -> Result<Chart, ChartError> {
        Chart::from_files(dir, Files::open(dir)?)
    }

    /// Reads a chart archive held in memory (pulled from a registry), naming it `label` (its
    /// reference) in messages.
    pub fn from_archive_bytes(label: &str, bytes: &[u8]) -> Result<Chart, ChartError> {
        let label = Path::new(label);
        Chart::from_files(label, files::read_archive_from(label, bytes, bytes.len() as u64)?)
    }

    fn from_files(dir: &Path, files: Files) -> Result<Chart, ChartError> {
        let path = files.path_of("chart.yaml");
        let text = files.read_text("chart.yaml")?.ok_or_else(|| ChartError::Read {
            path: path.clone(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        let file: ChartFile = serde_yaml::from_str(&text)
            .map_err(|e| ChartError::Invalid { path: path.clone(), message: e.to_string() })?;
        let invalid = |message: String| ChartError::Invalid { path: path.clone(), message };
        if file.api_version != "ethwasm/v1" {
            return Err(invalid(format!("apiVersion is `{}`; this ethwasm reads `ethwasm/v1`", file.api_version)));
        }
        if !crate::plugin::is_dns_label(&file.name) {
            return Err(invalid(format!("name `{}` is not a DNS label ([a-z0-9-], at most 63 characters)", file.name)));
        }
        let values_path = files.path_of("values.yaml");
        let values = match files.read_text("values.yaml")? {
            Some(t) => crate::values::parse_yaml(&values_path, &t)
                .map_err(|e| ChartError::Invalid { path: values_path.clone(), message: e.to_string() })?,
            None => Value::Object(Default::default()),
        };
        let schema_path = files.path_of("values.schema.json");
        let schema = match files.read_text("values.schema.json")? {
            Some(t) => Some(
                serde_json::from_str(&t)
                    .map_err(|e| ChartError::Invalid { path: schema_path.clone(), message: e.to_string() })?,
            ),
            None => None,
        };
        for (key, from) in &file.globals {
            if from.split('.').try_fold(&values, |v, k| v.get(k)).is_none() {
                return Err(invalid(format!(
                    "globals.{key}: `{from}` is not a value in values.yaml; name a value the chart defines"
                )));
            }
        }
        for p in &file.plugins {
            if let Some(c) = p.condition.as_deref().filter(|c| lookup(&values, c).is_none()) {
                return Err(invalid(format!(
                    "plugins[{}].condition: `{c}` is not a value in values.yaml; name a value the chart defines",
                    p.name
                )));
            }
        }
        for (path, from) in &file.keep {
            for p in [path, from] {
                if lookup(&values, p).is_none() {
                    return Err(invalid(format!(
                        "keep.{path}: `{p}` is not a value in values.yaml; name values the chart defines"
                    )));
                }
            }
        }
        Ok(Chart { dir: dir.into(), files, file, values, schema, search: default_search() })
    }

    /// Copies the chart's `globals` into `values.global` (see [`ChartFile::globals`]).
    pub(crate) fn apply_globals(&self, values: &mut Value) {
        for (key, path) in &self.file.globals {
            let found = path.split('.').try_fold(&*values, |v, k| v.get(k)).cloned();
            let Some(found) = found else { continue };
            let Some(top) = values.as_object_mut() else { return };
            let global = top.entry("global").or_insert_with(|| Value::Object(Default::default()));
            if let Some(g) = global.as_object_mut() {
                g.entry(key.clone()).or_insert(found);
            }
        }
    }

    /// Fills the chart's `keep` values that are null in `values` (see [`ChartFile::keep`]): from
    /// `previous` (the values the previous revision ran with: the kept value, or, from a
    /// revision made before the chart kept it, its `from`), else from `values`' own `from`.
    /// Returns each kept path with the value it now has, for the record.
    pub(crate) fn apply_kept(&self, values: &mut Value, previous: Option<&Value>) -> Vec<(String, Value)> {
        let mut kept = Vec::new();
        for (path, from) in &self.file.keep {
            let present = |v: &Value, p: &str| lookup(v, p).filter(|x| !x.is_null()).cloned();
            let value = present(values, path)
                .or_else(|| previous.and_then(|p| present(p, path).or_else(|| present(p, from))))
                .or_else(|| present(values, from));
            let Some(value) = value else { continue };
            crate::values::set_dotted(values, path, value.clone());
            kept.push((path.clone(), value));
        }
        kept
    }

    /// The plugins with paths made absolute-or-cwd-relative and limits parsed.
    pub fn plugins(&self) -> Result<Vec<ResolvedPlugin>, ChartError> {
        let path = self.files.path_of("chart.yaml");
        self.file
            .plugins
            .iter()
            .map(|p| {
                let bad = |message: String| ChartError::Invalid {
                    path: path.clone(),
                    message: format!("plugins[{}].limits: {message}", p.name),
                };
                let allow = p.allow.iter().map(|g| g.parse()).collect::<Result<_, String>>().map_err(|message| {
                    ChartError::Invalid { path: path.clone(), message: format!("plugins[{}].allow: {message}", p.name) }
                })?;
                let text = p.path.as_deref().map(Path::to_string_lossy).unwrap_or_default();
                let remote = text.starts_with("oci://").then(|| text.to_string());
                let (file, bytes, looked_in) = match &self.files {
                    _ if remote.is_some() => (PathBuf::from(text.as_ref()), None, Vec::new()),
                    Files::Dir(dir) => {
                        let looked_in = self.candidates(dir, p);
                        let found = looked_in.iter().find(|c| c.is_file()).unwrap_or(&looked_in[0]).clone();
                        (found, None, looked_in)
                    }
                    Files::Archive { .. } => {
                        let bytes = self.files.entry(&text).ok_or_else(|| ChartError::Invalid {
                            path: path.clone(),
                            message: format!("plugins[{}].path: `{text}` is not in the archive", p.name),
                        })?;
                        (self.files.path_of(&text), Some(bytes), Vec::new())
                    }
                };
                Ok(ResolvedPlugin {
                    name: p.name.clone(),
                    path: file,
                    looked_in,
                    bytes,
                    remote,
                    memory: p.limits.memory.as_deref().map(parse_bytes).transpose().map_err(bad)?,
                    timeout: p.limits.timeout.as_deref().map(parse_duration).transpose().map_err(bad)?,
                    output: p.limits.output.as_deref().map(parse_bytes).transpose().map_err(bad)?,
                    allow,
                    condition: p.condition.clone(),
                })
            })
            .collect()
    }

    /// Where plugin `p` may be, in order: its `path` (relative to the chart), the chart's own
    /// `plugins/<name>.wasm`, then `<dir>/<name>.wasm` for each directory of [`Chart::search`].
    fn candidates(&self, dir: &Path, p: &PluginRef) -> Vec<PathBuf> {
        let file = format!("{}.wasm", p.name);
        let mut out: Vec<PathBuf> = p.path.iter().map(|path| dir.join(path)).collect();
        out.push(dir.join("plugins").join(&file));
        out.extend(self.search.iter().map(|d| d.join(&file)));
        out.dedup();
        out
    }
}

/// The value at dotted `path` in `values`, if any.
fn lookup<'v>(values: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(values, |v, k| v.get(k))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A chart directory holding `chart_yaml` (for the chart folder's tests).
    pub(in crate::chart) fn chart_dir(chart_yaml: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("chart.yaml"), chart_yaml).unwrap();
        d
    }

    #[test]
    fn reads_chart_and_resolves_plugins() {
        let d = chart_dir(
            "apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins:\n  - name: a\n    path: a.wasm\n    limits: {memory: 512Mi, timeout: 30s, output: 64Mi}\n",
        );
        let c = Chart::load(d.path()).unwrap();
        assert_eq!(c.values, serde_json::json!({}));
        let p = c.plugins().unwrap();
        assert_eq!(p[0].path, d.path().join("a.wasm"));
        assert_eq!(p[0].memory, Some(512 << 20));
        assert_eq!(p[0].timeout, Some(Duration::from_secs(30)));
        assert_eq!(p[0].output, Some(64 << 20));
    }

    #[test]
    fn errors_name_the_file_and_say_what_to_do() {
        let d = chart_dir("apiVersion: ethwasm/v9\nname: demo\nversion: 0.1.0\nplugins: []\n");
        let e = Chart::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("chart.yaml: apiVersion is `ethwasm/v9`"), "{e}");
        let d = chart_dir("apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins: []\nextra: 1\n");
        let e = Chart::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
        let d = chart_dir("apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins: []\n");
        let c = Chart::load(d.path()).unwrap();
        let e = c.lock().unwrap_err().to_string();
        assert!(e.contains("chart.lock is missing") && e.contains("ethwasm chart lock"), "{e}");
    }

    #[test]
    fn globals_copy_a_value_unless_set_and_must_name_one() {
        let d = chart_dir("apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins: []\nglobals: {engine: a.b}\n");
        std::fs::write(d.path().join("values.yaml"), "a: {b: x}\n").unwrap();
        let c = Chart::load(d.path()).unwrap();
        let mut v = serde_json::json!({"a": {"b": "y"}});
        c.apply_globals(&mut v);
        assert_eq!(v["global"]["engine"], "y", "the merged value, not the default");
        let mut given = serde_json::json!({"a": {"b": "y"}, "global": {"engine": "z"}});
        c.apply_globals(&mut given);
        assert_eq!(given["global"]["engine"], "z", "a value the user set stays");
        std::fs::write(d.path().join("values.yaml"), "a: {c: x}\n").unwrap();
        let e = Chart::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("globals.engine: `a.b` is not a value in values.yaml"), "{e}");
    }

    #[test]
    fn kept_values_start_from_their_source_and_stay_with_the_release() {
        let d =
            chart_dir("apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins: []\nkeep: {t.genesis: t.count}\n");
        std::fs::write(d.path().join("values.yaml"), "t: {count: 4, genesis: null}\n").unwrap();
        let c = Chart::load(d.path()).unwrap();
        // A first install: from `count`.
        let mut first = serde_json::json!({"t": {"count": 4, "genesis": null}});
        assert_eq!(c.apply_kept(&mut first, None), [("t.genesis".to_string(), serde_json::json!(4))]);
        assert_eq!(first["t"]["genesis"], 4);
        // An upgrade that raises `count`: the previous revision's kept value.
        let mut next = serde_json::json!({"t": {"count": 6, "genesis": null}});
        c.apply_kept(&mut next, Some(&first));
        assert_eq!(next["t"], serde_json::json!({"count": 6, "genesis": 4}));
        // From a revision made before the chart kept it: that revision's `count`.
        let mut older = serde_json::json!({"t": {"count": 6, "genesis": null}});
        c.apply_kept(&mut older, Some(&serde_json::json!({"t": {"count": 5}})));
        assert_eq!(older["t"]["genesis"], 5);
        // A value the user sets wins.
        let mut set = serde_json::json!({"t": {"count": 6, "genesis": 2}});
        c.apply_kept(&mut set, Some(&first));
        assert_eq!(set["t"]["genesis"], 2);
        std::fs::write(d.path().join("values.yaml"), "t: {count: 4}\n").unwrap();
        let e = Chart::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("keep.t.genesis: `t.genesis` is not a value in values.yaml"), "{e}");
    }

    #[test]
    fn a_plugin_condition_must_name_a_value_and_turns_it_off_when_false() {
        let d = chart_dir(
            "apiVersion: ethwasm/v1\nname: demo\nversion: 0.1.0\nplugins: [{name: tool, condition: tool.enabled}]\n",
        );
        std::fs::write(d.path().join("values.yaml"), "tool: {enabled: false}\n").unwrap();
        let c = Chart::load(d.path()).unwrap();
        let p = &c.plugins().unwrap()[0];
        assert!(p.is_off(&serde_json::json!({"tool": {"enabled": false}})));
        assert!(!p.is_off(&serde_json::json!({"tool": {"enabled": true}})));
        assert!(!p.is_off(&serde_json::json!({})), "absent: it runs");
        std::fs::write(d.path().join("values.yaml"), "tool: {}\n").unwrap();
        let e = Chart::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("plugins[tool].condition: `tool.enabled` is not a value in values.yaml"), "{e}");
    }
}
