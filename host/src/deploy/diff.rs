//! `diff`: live objects against what a deploy would make of them (a server-side dry-run apply),
//! as a unified diff per object, with server-managed fields dropped and Secret data masked.

use super::apply::Target;
use crate::cluster::{Cluster, ObjectError, WriteOptions};
use serde_json::Value;
use similar::TextDiff;
use std::fmt::Write;

/// Fields the server owns: they would make every object differ.
fn normalise(mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"] {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            a.remove("deployment.kubernetes.io/revision");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

/// Masks Secret values, as kubectl diff does: equal values show `***`, differing ones
/// `*** (before)` and `*** (after)`.
fn mask(before: &mut Option<Value>, after: &mut Option<Value>) {
    for field in ["data", "stringData"] {
        let b_map = before.as_ref().and_then(|b| b.get(field)).and_then(Value::as_object).cloned();
        let a_map = after.as_ref().and_then(|a| a.get(field)).and_then(Value::as_object).cloned();
        if let Some(b) = before.as_mut().and_then(|b| b.get_mut(field)).and_then(Value::as_object_mut) {
            for (k, v) in b.iter_mut() {
                let same = a_map.as_ref().and_then(|a| a.get(k)) == Some(v);
                *v = if same { "***".into() } else { "*** (before)".into() };
            }
        }
        if let Some(a) = after.as_mut().and_then(|a| a.get_mut(field)).and_then(Value::as_object_mut) {
            for (k, v) in a.iter_mut() {
                let same = b_map.as_ref().and_then(|b| b.get(k)) == Some(v);
                *v = if same { "***".into() } else { "*** (after)".into() };
            }
        }
    }
}

fn yaml(v: &Option<Value>) -> String {
    v.as_ref().map(crate::yaml::to_string).unwrap_or_default()
}

/// One object's unified diff (empty when equal).
pub(crate) fn object_diff(
    label: &str,
    live: Option<Value>,
    want: Option<Value>,
    show_secrets: bool,
    color: bool,
) -> String {
    let is_secret =
        |v: &Option<Value>| v.as_ref().and_then(|v| v.get("kind")).and_then(Value::as_str) == Some("Secret");
    let mut before = live.map(normalise);
    let mut after = want.map(normalise);
    if !show_secrets && (is_secret(&before) || is_secret(&after)) {
        mask(&mut before, &mut after);
    }
    let (a, b) = (yaml(&before), yaml(&after));
    if a == b {
        return String::new();
    }
    let old = if before.is_some() { format!("live/{label}") } else { "/dev/null".into() };
    let new = if after.is_some() { format!("deployed/{label}") } else { "/dev/null".into() };
    let text = TextDiff::from_lines(&a, &b).unified_diff().context_radius(3).header(&old, &new).to_string();
    if !color {
        return text;
    }
    let mut out = String::new();
    for line in text.lines() {
        let colored = if line.starts_with("+++") || line.starts_with("---") {
            format!("\x1b[1m{line}\x1b[0m")
        } else if line.starts_with('+') {
            format!("\x1b[32m{line}\x1b[0m")
        } else if line.starts_with('-') {
            format!("\x1b[31m{line}\x1b[0m")
        } else if line.starts_with("@@") {
            format!("\x1b[36m{line}\x1b[0m")
        } else {
            line.to_string()
        };
        let _ = writeln!(out, "{colored}");
    }
    out
}

fn label(t: &Target) -> String {
    let group = if t.key.group.is_empty() { String::new() } else { format!(".{}", t.key.group) };
    if t.key.namespace.is_empty() {
        format!("{}{group}/{}", t.key.kind, t.key.name)
    } else {
        format!("{}{group}/{}/{}", t.key.kind, t.key.namespace, t.key.name)
    }
}

/// Diffs every target against the cluster and every pruned object against nothing. Returns
/// the text and whether anything differs.
pub async fn diff<C: Cluster>(
    c: &C,
    targets: &[Target],
    prune: &[Target],
    namespace_exists: bool,
    show_secrets: bool,
    color: bool,
) -> crate::error::Result<(String, bool)> {
    let mut out = String::new();
    let dry = WriteOptions { force: true, dry_run: true };
    for t in targets {
        let ns = t.rt.scope(&t.key.namespace);
        let live = c.get(&t.rt, ns, &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))?;
        // What the object would become: the server's answer to a dry-run apply (defaults
        // filled in), or the rendered body where the namespace does not exist yet.
        // A custom resource whose definition this revision installs cannot be dry-run yet.
        let want = if (namespace_exists || !t.rt.namespaced) && !t.pending_definition {
            c.apply(&t.rt, ns, &t.key.name, &t.body, dry)
                .await
                .map_err(|e| ObjectError::new("dry-run apply", &t.key, e))?
        } else {
            t.body.clone()
        };
        out.push_str(&object_diff(&label(t), live, Some(want), show_secrets, color));
    }
    for t in prune {
        let ns = t.rt.scope(&t.key.namespace);
        if let Some(live) = c.get(&t.rt, ns, &t.key.name).await.map_err(|e| ObjectError::new("read", &t.key, e))? {
            if super::apply::owned_by(
                &live,
                t.body
                    .pointer("/metadata/labels/app.kubernetes.io~1instance")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ) {
                out.push_str(&object_diff(&label(t), Some(live), None, show_secrets, color));
            }
        }
    }
    let changed = !out.is_empty();
    Ok((out, changed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_are_dropped_and_equal_objects_do_not_differ() {
        let want = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}});
        let mut live = want.clone();
        live["metadata"]["resourceVersion"] = "9".into();
        live["metadata"]["managedFields"] = json!([{"manager": "ethwasm"}]);
        assert_eq!(object_diff("ConfigMap/a", Some(live.clone()), Some(want.clone()), false, false), "");
        let mut changed = want.clone();
        changed["data"]["k"] = "w".into();
        let d = object_diff("ConfigMap/a", Some(live), Some(changed), false, false);
        assert!(d.contains("-  k: v") && d.contains("+  k: w") && d.contains("--- live/ConfigMap/a"), "{d}");
    }

    #[test]
    fn secret_values_are_masked_unless_asked() {
        let s = |v: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                 "data": {"password": v, "same": "c2FtZQ=="}})
        };
        let d = object_diff("Secret/s", Some(s("b2xk")), Some(s("bmV3")), false, false);
        assert!(!d.contains("b2xk") && !d.contains("bmV3") && !d.contains("c2FtZQ=="), "{d}");
        assert!(d.contains("*** (before)") && d.contains("*** (after)"), "{d}");
        let shown = object_diff("Secret/s", Some(s("b2xk")), Some(s("bmV3")), true, false);
        assert!(shown.contains("b2xk") && shown.contains("bmV3"), "{shown}");
        assert_eq!(object_diff("Secret/s", Some(s("b2xk")), Some(s("b2xk")), false, false), "");
    }

    #[test]
    fn colour_marks_additions_and_removals() {
        let d = object_diff(
            "ConfigMap/a",
            None,
            Some(json!({"kind": "ConfigMap", "metadata": {"name": "a"}})),
            false,
            true,
        );
        assert!(d.contains("\x1b[32m+kind: ConfigMap\x1b[0m"), "{d:?}");
        assert!(d.contains("--- /dev/null"), "{d}");
    }
}
