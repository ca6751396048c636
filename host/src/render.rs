//! The render pipeline, pure: values + plugins -> one ordered, checked set of manifests.
//! No cluster, no network; the same inputs and seed give byte-identical output.

use crate::manifest::{self, ManifestError, Object, Stamp};
use crate::plugin::{Plugin, PluginError, Release, RenderInput, Seed};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The key of the values section every plugin receives as `global-values`.
pub(crate) const GLOBAL: &str = "global";

/// The longest notes one plugin may print (escaped; cut past this many bytes).
const MAX_NOTES: usize = 64 << 10;

/// Why a render failed before or after the plugins ran.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("two plugins are named `{name}`: {first} and {second}; a release can run each plugin once")]
    DuplicateName { name: String, first: String, second: String },
    #[error("values.{key} matches no plugin (plugins: {plugins}); fix the key or add the plugin")]
    UnknownSection { key: String, plugins: String },
    #[error("values.{key} must be a mapping, found {found}")]
    SectionNotAMapping { key: String, found: &'static str },
    #[error("{path}: {message} (schema of `{plugin}`)")]
    Schema { plugin: String, path: String, message: String },
    #[error("plugin `{plugin}` declares a values schema that is not valid JSON Schema: {message}")]
    BadSchema { plugin: String, message: String },
    #[error(
        "plugin `{plugin}` requires `{output}`, which no plugin provides; add the plugin that provides it (--plugins)"
    )]
    MissingProvider { plugin: String, output: String },
    #[error("output `{output}` is provided by both plugin `{first}` and plugin `{second}`")]
    DuplicateProvider { output: String, first: String, second: String },
    #[error("plugins {plugins} require each other in a cycle; no order can run them")]
    Cycle { plugins: String },
    #[error("plugin `{plugin}` declares it provides `{output}` but did not return it")]
    MissingOutput { plugin: String, output: String },
    #[error("plugin `{plugin}` returned output `{output}`, which it does not declare in `provides`")]
    UndeclaredOutput { plugin: String, output: String },
    #[error("plugin `{plugin}` returned output `{output}` twice")]
    RepeatedOutput { plugin: String, output: String },
    #[error("plugin `{plugin}` returned output `{output}` that is not JSON: {message}")]
    OutputNotJson { plugin: String, output: String, message: String },
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    NotGranted(#[from] crate::permit::NotGranted),
}

impl crate::error::Classify for RenderError {
    /// The user's input (values, plugin set) is at fault, or a plugin is.
    fn class(&self) -> crate::error::Class {
        use crate::error::Class;
        match self {
            RenderError::DuplicateName { .. }
            | RenderError::UnknownSection { .. }
            | RenderError::SectionNotAMapping { .. }
            | RenderError::Schema { .. }
            | RenderError::MissingProvider { .. }
            | RenderError::DuplicateProvider { .. } => Class::Usage,
            RenderError::Plugin(p) => crate::error::Classify::class(p),
            _ => Class::Plugin,
        }
    }
}

/// Everything a render needs.
#[derive(Debug, Clone)]
pub struct Request {
    pub plugins: Vec<Arc<Plugin>>,
    /// The merged values tree: `global` plus one section per plugin.
    pub values: Value,
    pub release: Release,
    /// The release revision (1 without a cluster): plugins of WIT 0.1.0 see it.
    pub revision: u32,
    pub seed: Seed,
    /// `app.kubernetes.io/part-of` for every object: the chart's name, or `ethwasm`.
    pub part_of: String,
    /// The chart's `values.schema.json`, checked against the whole values tree.
    pub schema: Option<Value>,
    /// What each plugin may create beyond the default ([`crate::permit`]).
    pub grants: crate::permit::Grants,
    /// Chart plugins their chart.yaml `condition` turned off: not loaded, their values sections
    /// known but not checked.
    pub off: Vec<String>,
}

/// The result of a render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Objects in install order.
    pub objects: Vec<Object>,
    /// (plugin, notes), in plugin order.
    pub notes: Vec<(String, String)>,
}

/// Validates values, orders plugins by their requirements, runs them (independent ones in
/// parallel), checks and orders their manifests.
pub fn render(req: &Request) -> Result<Rendered, RenderError> {
    let by_name = by_name(&req.plugins)?;
    let sections = split_values(req, &by_name)?;
    check_schemas(req, &sections)?;
    let levels = levels(&req.plugins)?;
    let results = run_plugins(req, &sections, &levels)?;
    finish(req, results)
}

/// The plugins by name; two of one name are an error naming both files.
fn by_name(plugins: &[Arc<Plugin>]) -> Result<HashMap<&str, &Plugin>, RenderError> {
    let mut by_name: HashMap<&str, &Plugin> = HashMap::new();
    for p in plugins {
        if let Some(first) = by_name.insert(p.name(), p) {
            return Err(RenderError::DuplicateName {
                name: p.name().into(),
                first: first.path.display().to_string(),
                second: p.path.display().to_string(),
            });
        }
    }
    Ok(by_name)
}

/// Checks the chart's schema and every plugin's against their values before any plugin runs.
/// Compiling the schemas dominates a warm render, so they are checked in parallel and the first
/// failure (in plugin order) is reported.
fn check_schemas(req: &Request, sections: &[Value]) -> Result<(), RenderError> {
    let mut checks: Vec<(String, String, Value, &Value)> = Vec::new();
    if let Some(schema) = &req.schema {
        checks.push((req.part_of.clone(), "values".into(), schema.clone(), &req.values));
    }
    for (p, section) in req.plugins.iter().zip(sections) {
        if let Some(text) = &p.info.values_schema {
            let schema: Value = serde_json::from_str(text)
                .map_err(|e| RenderError::BadSchema { plugin: p.name().into(), message: e.to_string() })?;
            checks.push((p.name().into(), format!("values.{}", p.name()), schema, section));
        }
    }
    let results: Vec<Result<(), RenderError>> = std::thread::scope(|s| {
        let handles: Vec<_> = checks
            .iter()
            .map(|(owner, root, schema, value)| s.spawn(move || check_schema(owner, root, schema, value)))
            .collect();
        handles.into_iter().map(|h| h.join().expect("schema threads do not panic")).collect()
    });
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(())
}

/// Runs the plugins level by level (a level's plugins need only earlier levels' outputs), each
/// from the render cache when it can serve it, the rest in parallel; returns each plugin's
/// output, in plugin order.
fn run_plugins(
    req: &Request,
    sections: &[Value],
    levels: &[Vec<usize>],
) -> Result<Vec<crate::plugin::RenderOutput>, RenderError> {
    let plugins = &req.plugins;
    let global = req.values.get(GLOBAL).cloned().unwrap_or_else(|| Value::Object(Map::new())).to_string();
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut results: Vec<Option<crate::plugin::RenderOutput>> = vec![None; plugins.len()];
    std::thread::scope(|warm| -> Result<(), RenderError> {
        let mut warming = false;
        for level in levels {
            let inputs: Vec<RenderInput> = level
                .iter()
                .map(|&i| {
                    let p = &plugins[i];
                    RenderInput {
                        release: req.release.clone(),
                        values: sections[i].to_string(),
                        global_values: global.clone(),
                        inputs: p
                            .info
                            .requires
                            .iter()
                            .map(|r| (r.clone(), outputs[r].clone()))
                            .collect::<BTreeMap<_, _>>()
                            .into_iter()
                            .collect(),
                    }
                })
                .collect();
            // The render cache first; a plugin it cannot serve needs its code. At the first such
            // plugin, make the code of every plugin still to run, in parallel: plugins described
            // by the compile cache open without it, and later levels will likely miss too.
            let mut done: Vec<Option<Result<crate::plugin::PluginRender, PluginError>>> = level
                .iter()
                .zip(&inputs)
                .map(|(&i, input)| plugins[i].recall(&req.seed, input, req.revision).map(Ok))
                .collect();
            if !warming && done.iter().any(Option::is_none) {
                warming = true;
                let ran: BTreeSet<usize> =
                    level.iter().zip(&done).filter(|(_, d)| d.is_some()).map(|(&i, _)| i).collect();
                for (i, p) in plugins.iter().enumerate() {
                    if results[i].is_none() && !ran.contains(&i) && p.cached().is_none() {
                        warm.spawn(move || p.prepare());
                    }
                }
            }
            let misses: Vec<usize> = (0..level.len()).filter(|&k| done[k].is_none()).collect();
            let run = |k: usize| plugins[level[k]].render_new(&req.seed, &inputs[k], req.revision);
            if misses.len() == 1 {
                done[misses[0]] = Some(run(misses[0]));
            } else if !misses.is_empty() {
                let fresh: Vec<_> = std::thread::scope(|s| {
                    let handles: Vec<_> = misses.iter().map(|&k| s.spawn(move || run(k))).collect();
                    handles.into_iter().map(|h| h.join().expect("plugin threads do not panic")).collect()
                });
                for (&k, r) in misses.iter().zip(fresh) {
                    done[k] = Some(r);
                }
            }
            for (&i, r) in level.iter().zip(done) {
                let out = r.expect("every plugin of the level ran or was recalled")?.output;
                collect_outputs(&plugins[i], &out.outputs, &mut outputs)?;
                results[i] = Some(out);
            }
        }
        Ok(())
    })?;
    Ok(results.into_iter().map(|r| r.expect("every plugin ran")).collect())
}

/// Checks and stamps every plugin's manifests, orders them, applies the permission model, and
/// keeps the notes.
fn finish(req: &Request, results: Vec<crate::plugin::RenderOutput>) -> Result<Rendered, RenderError> {
    let stamp = Stamp { release: &req.release.name, namespace: &req.release.namespace, part_of: &req.part_of };
    let mut objects = Vec::new();
    let mut notes = Vec::new();
    for (p, out) in req.plugins.iter().zip(results) {
        for (i, m) in out.manifests.iter().enumerate() {
            objects.push(manifest::check(p.name(), &p.info.version, i, m, &stamp)?);
        }
        if let Some(n) = out.notes.filter(|n| !n.trim().is_empty()) {
            notes.push((p.name().to_string(), crate::text::printable(&n, MAX_NOTES)));
        }
    }
    let objects = manifest::finish(objects)?;
    crate::permit::check(&objects, &req.release.namespace, &req.grants)?;
    for (plugin, counts) in crate::permit::summary(&objects, &req.release.namespace) {
        let counts: Vec<String> = counts.iter().map(|(category, n)| format!("{n} {category}")).collect();
        tracing::info!("plugin {plugin} created: {}", counts.join(", "));
    }
    Ok(Rendered { objects, notes })
}

/// What each of `plugins` creates when they are rendered together, with their default values, a
/// fresh seed and every grant, by category ([`crate::permit::summary`]): what `plugin inspect`
/// shows. An error when they do not render so (one needs an output none of them provides, or
/// values it has no default for).
pub fn created(plugins: &[Arc<Plugin>]) -> Result<crate::permit::Summary, RenderError> {
    let seed = Seed::random().map_err(|e| {
        RenderError::Plugin(PluginError::Failed {
            plugin: plugins.first().map_or_else(String::new, |p| p.name().into()),
            message: format!("no OS randomness for a seed: {e}"),
        })
    })?;
    let all = BTreeSet::from([crate::permit::Grant::All]);
    let req = Request {
        plugins: plugins.to_vec(),
        values: Value::Object(Map::new()),
        release: Release { name: "inspect".into(), namespace: "default".into(), created: 0 },
        revision: 1,
        seed,
        part_of: "ethwasm".into(),
        schema: None,
        grants: plugins.iter().map(|p| (p.name().to_string(), all.clone())).collect(),
        off: Vec::new(),
    };
    let rendered = render(&req)?;
    Ok(crate::permit::summary(&rendered.objects, "default"))
}

/// Splits the values tree into one section per plugin (`{}` when absent), rejecting keys that
/// match no plugin.
fn split_values(req: &Request, by_name: &HashMap<&str, &Plugin>) -> Result<Vec<Value>, RenderError> {
    let empty = Map::new();
    let top = req.values.as_object().unwrap_or(&empty);
    for (k, v) in top {
        if k != GLOBAL && !by_name.contains_key(k.as_str()) && !req.off.contains(k) {
            let names: BTreeSet<&str> = by_name.keys().copied().chain(req.off.iter().map(String::as_str)).collect();
            return Err(RenderError::UnknownSection {
                key: k.clone(),
                plugins: names.into_iter().collect::<Vec<_>>().join(", "),
            });
        }
        if !v.is_object() {
            return Err(RenderError::SectionNotAMapping { key: k.clone(), found: crate::values::type_name(v) });
        }
    }
    Ok(req.plugins.iter().map(|p| top.get(p.name()).cloned().unwrap_or_else(|| Value::Object(Map::new()))).collect())
}

/// Validates `instance` (found at `root`) against `schema` (owned by `owner`); the first error,
/// by path, names the value path.
fn check_schema(owner: &str, root: &str, schema: &Value, instance: &Value) -> Result<(), RenderError> {
    // Draft 7, as Helm's values.schema.json: compiling against the 2020-12 meta-schema costs
    // several milliseconds per schema, a third of a warm render.
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(schema)
        .map_err(|e| RenderError::BadSchema { plugin: owner.into(), message: e.to_string() })?;
    let mut errors: Vec<(String, String)> = validator
        .iter_errors(instance)
        .map(|e| {
            let path = value_path(root, &e.instance_path().to_string());
            let mut message = e.to_string();
            // The schema's message quotes the value; never quote a secret.
            if is_secret_path(&path) {
                message = message.replace(&e.instance().to_string(), "<redacted>");
            }
            (path, message)
        })
        .collect();
    errors.sort();
    match errors.into_iter().next() {
        Some((path, message)) => Err(RenderError::Schema { plugin: owner.into(), path, message }),
        None => Ok(()),
    }
}

/// Whether a value path names secret material (a password, secret, private or node key).
fn is_secret_path(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    ["password", "secret", "privatekey", "signerkeys", "nodekeys", "token"].iter().any(|w| p.contains(w))
}

/// `/a/0/b~1c` under `root` -> `<root>.a[0]."b/c"`.
fn value_path(root: &str, pointer: &str) -> String {
    let mut out = root.to_string();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else if seg.contains('.') {
            out.push_str(&format!(".\"{seg}\""));
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}

/// Groups plugin indices into levels: each level needs only outputs of earlier levels.
pub(crate) fn levels(plugins: &[Arc<Plugin>]) -> Result<Vec<Vec<usize>>, RenderError> {
    let graph: Vec<(&str, &[String], &[String])> =
        plugins.iter().map(|p| (p.name(), p.info.provides.as_slice(), p.info.requires.as_slice())).collect();
    levels_of(&graph)
}

/// `levels` over (name, provides, requires) triples.
fn levels_of(graph: &[(&str, &[String], &[String])]) -> Result<Vec<Vec<usize>>, RenderError> {
    let mut provider: HashMap<&str, usize> = HashMap::new();
    for (i, (name, provides, _)) in graph.iter().enumerate() {
        for o in provides.iter() {
            if let Some(j) = provider.insert(o, i) {
                return Err(RenderError::DuplicateProvider {
                    output: o.clone(),
                    first: graph[j].0.into(),
                    second: (*name).into(),
                });
            }
        }
    }
    let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); graph.len()];
    for (i, (name, _, requires)) in graph.iter().enumerate() {
        for r in requires.iter() {
            let j = *provider
                .get(r.as_str())
                .ok_or_else(|| RenderError::MissingProvider { plugin: (*name).into(), output: r.clone() })?;
            deps[i].insert(j);
        }
    }
    let mut done = vec![false; graph.len()];
    let mut levels = Vec::new();
    while done.iter().any(|d| !d) {
        let ready: Vec<usize> = (0..graph.len()).filter(|&i| !done[i] && deps[i].iter().all(|&j| done[j])).collect();
        if ready.is_empty() {
            let mut stuck: Vec<&str> = (0..graph.len()).filter(|&i| !done[i]).map(|i| graph[i].0).collect();
            stuck.sort();
            return Err(RenderError::Cycle { plugins: stuck.join(", ") });
        }
        for &i in &ready {
            done[i] = true;
        }
        levels.push(ready);
    }
    Ok(levels)
}

fn collect_outputs(
    p: &Plugin,
    returned: &[(String, String)],
    all: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    let plugin = || p.name().to_string();
    let declared: HashSet<&str> = p.info.provides.iter().map(String::as_str).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    for (name, json) in returned {
        if !declared.contains(name.as_str()) {
            return Err(RenderError::UndeclaredOutput { plugin: plugin(), output: crate::text::one_line(name, 256) });
        }
        if !seen.insert(name) {
            return Err(RenderError::RepeatedOutput { plugin: plugin(), output: name.clone() });
        }
        serde_json::from_str::<Value>(json).map_err(|e| RenderError::OutputNotJson {
            plugin: plugin(),
            output: name.clone(),
            message: e.to_string(),
        })?;
        all.insert(name.clone(), json.clone());
    }
    for name in &p.info.provides {
        if !seen.contains(name.as_str()) {
            return Err(RenderError::MissingOutput { plugin: plugin(), output: name.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn levels_follow_requirements_and_run_independents_together() {
        let (p0, r0) = (s(&["keys", "ws"]), s(&[]));
        let (p1, r1) = (s(&["genesis"]), s(&["keys"]));
        let (p2, r2) = (s(&["stats"]), s(&["ws"]));
        let (p3, r3) = (s(&[]), s(&["genesis", "stats"]));
        let g = vec![
            ("miners", &p3[..], &r3[..]),
            ("secrets", &p0[..], &r0[..]),
            ("genesis", &p1[..], &r1[..]),
            ("ethstats", &p2[..], &r2[..]),
        ];
        assert_eq!(levels_of(&g).unwrap(), vec![vec![1], vec![2, 3], vec![0]]);
    }

    #[test]
    fn missing_provider_names_plugin_and_output() {
        let (p, r) = (s(&[]), s(&["genesis"]));
        let e = levels_of(&[("miners", &p[..], &r[..])]).unwrap_err().to_string();
        assert_eq!(
            e,
            "plugin `miners` requires `genesis`, which no plugin provides; add the plugin that provides it (--plugins)"
        );
    }

    #[test]
    fn cycle_names_the_plugins() {
        let (pa, ra) = (s(&["a"]), s(&["b"]));
        let (pb, rb) = (s(&["b"]), s(&["a"]));
        let (pc, rc) = (s(&["c"]), s(&[]));
        let e = levels_of(&[("x", &pa[..], &ra[..]), ("y", &pb[..], &rb[..]), ("z", &pc[..], &rc[..])])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "plugins x, y require each other in a cycle; no order can run them");
    }

    #[test]
    fn duplicate_provider_names_both() {
        let (p, r) = (s(&["a"]), s(&[]));
        let e = levels_of(&[("x", &p[..], &r[..]), ("y", &p[..], &r[..])]).unwrap_err().to_string();
        assert_eq!(e, "output `a` is provided by both plugin `x` and plugin `y`");
    }

    #[test]
    fn value_paths_read_like_values() {
        assert_eq!(value_path("values.p", ""), "values.p");
        assert_eq!(value_path("values.p", "/service/port"), "values.p.service.port");
        assert_eq!(value_path("values.p", "/nodes/1/name"), "values.p.nodes[1].name");
        assert_eq!(
            value_path("values.p", "/nodeSelector/kubernetes.io~1os"),
            "values.p.nodeSelector.\"kubernetes.io/os\""
        );
    }
}
