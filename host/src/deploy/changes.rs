//! What an upgrade changes that an operator must see before it applies: values the previous
//! revision was given that this one no longer has, validator keys that move between workloads
//! (`ethwasm.io/validators` on a pod template), and nodes that go (a StatefulSet pruned, or
//! scaled down). A deploy sends each as an [`Event::Change`](super::Event::Change) before it
//! applies anything, and a dry run the same lines in its plan.
//!
//! Values whose path names a secret (`password`, `secret`, `token`, `key`, `mnemonic`, `seed`)
//! are shown as `***`.

use super::apply::Target;
use crate::release::Record;
use serde_json::Value;
use std::collections::BTreeMap;

/// The annotation naming the validator indices a workload's pods run (`first..end`).
pub const VALIDATORS_ANNOTATION: &str = "ethwasm.io/validators";

/// The changes worth a line, in order: values, keys, nodes.
pub(crate) fn changes(
    previous: Option<&Record>,
    values: &Value,
    chart_values: Option<&Value>,
    targets: &[Target],
    prune: &[Target],
) -> Vec<String> {
    let Some(previous) = previous else { return Vec::new() };
    let mut out = dropped_values(previous, values, chart_values);
    out.extend(moved_keys(previous, targets));
    out.extend(nodes_gone(previous, targets, prune));
    out
}

/// Every leaf of a values tree by dotted path (lists are leaves).
fn leaves(v: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(v, &path, out);
            }
        }
        _ if !prefix.is_empty() => {
            out.insert(prefix.to_string(), v.clone());
        }
        _ => {}
    }
}

fn secret_path(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    ["password", "secret", "token", "key", "mnemonic", "seed"].iter().any(|w| p.contains(w))
}

fn show(path: &str, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "unset".into(),
        Some(_) if secret_path(path) => "***".into(),
        Some(v) => v.to_string(),
    }
}

/// Values the previous revision was given that this one is not.
fn dropped_values(previous: &Record, values: &Value, chart_values: Option<&Value>) -> Vec<String> {
    let (mut before, mut now) = (BTreeMap::new(), BTreeMap::new());
    leaves(&previous.values, "", &mut before);
    leaves(values, "", &mut now);
    let mut defaults = BTreeMap::new();
    if let Some(d) = chart_values {
        leaves(d, "", &mut defaults);
    }
    before
        .iter()
        .filter(|(path, _)| !now.contains_key(*path) && !now.keys().any(|n| n.starts_with(&format!("{path}."))))
        .map(|(path, old)| {
            let default = defaults.get(path).filter(|d| !d.is_null());
            let then = if default.is_some() { " (the chart's default)" } else { "" };
            format!(
                "value `{path}` given to revision {} is dropped: was {}, now {}{then}; pass it again, or \
                 deploy without --reset-values, to keep it",
                previous.revision,
                show(path, Some(old)),
                show(path, default)
            )
        })
        .collect()
}

fn name(v: &Value) -> &str {
    v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?")
}

fn slice(v: &Value) -> Option<&str> {
    v.pointer(&format!("/spec/template/metadata/annotations/{}", VALIDATORS_ANNOTATION.replace('/', "~1")))
        .and_then(Value::as_str)
}

fn stateful_sets(previous: &Record) -> impl Iterator<Item = &Value> {
    previous.manifests.iter().filter(|m| m.get("kind").and_then(Value::as_str) == Some("StatefulSet"))
}

/// The validator indices an `ethwasm.io/validators` annotation names: `first..end` (half-open),
/// or inclusive ranges `0-15,64,68-69`.
fn indices(text: &str) -> std::collections::BTreeSet<u64> {
    if let Some((a, b)) = text.split_once("..") {
        return match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
            (Ok(a), Ok(b)) => (a..b).collect(),
            _ => Default::default(),
        };
    }
    text.split(',')
        .filter_map(|item| {
            let (a, b) = item.trim().split_once('-').unwrap_or((item.trim(), item.trim()));
            Some(a.parse::<u64>().ok()?..=b.parse::<u64>().ok()?)
        })
        .flatten()
        .collect()
}

/// Validator slices that change, go or appear.
fn moved_keys(previous: &Record, targets: &[Target]) -> Vec<String> {
    let now: BTreeMap<&str, &str> = targets
        .iter()
        .filter(|t| t.key.kind == "StatefulSet")
        .filter_map(|t| Some((name(&t.body), slice(&t.body)?)))
        .collect();
    let before: BTreeMap<&str, &str> = stateful_sets(previous).filter_map(|m| Some((name(m), slice(m)?))).collect();
    // An index is held elsewhere before when another StatefulSet ran it: gaining such an index
    // moves a key; gaining one nobody ran is a validator that joins.
    let held_before = |sts: &str, i: u64| before.iter().any(|(s, was)| *s != sts && indices(was).contains(&i));
    let mut out = Vec::new();
    for (sts, was) in &before {
        match now.get(sts) {
            Some(is) if indices(is) != indices(was) => {
                let (is_set, was_set) = (indices(is), indices(was));
                let moved = is_set.difference(&was_set).any(|i| held_before(sts, *i));
                let what = if moved { "validator keys move" } else { "validators join or leave" };
                out.push(format!("{what}: StatefulSet {sts} runs validators {is}, was {was}"))
            }
            None => out.push(format!("validator keys move: StatefulSet {sts} (validators {was}) no longer runs them")),
            _ => {}
        }
    }
    for (sts, is) in now.iter().filter(|(s, _)| !before.contains_key(*s)) {
        if !before.is_empty() {
            let moved = indices(is).iter().any(|i| held_before(sts, *i));
            let what = if moved { "validator keys move" } else { "validators join" };
            out.push(format!("{what}: StatefulSet {sts} starts validators {is}"));
        }
    }
    out
}

/// StatefulSets pruned or scaled down: their pods (and the nodes they run) go.
fn nodes_gone(previous: &Record, targets: &[Target], prune: &[Target]) -> Vec<String> {
    let replicas = |v: &Value| v.pointer("/spec/replicas").and_then(Value::as_u64).unwrap_or(1);
    let mut out = Vec::new();
    for t in prune.iter().filter(|t| t.key.kind == "StatefulSet") {
        let n = replicas(&t.body);
        out.push(format!("nodes go: StatefulSet {} is removed with its {n} pod(s)", t.key.name));
    }
    for m in stateful_sets(previous) {
        let Some(t) = targets.iter().find(|t| t.key.kind == "StatefulSet" && t.key.name == name(m)) else { continue };
        let (was, is) = (replicas(m), replicas(&t.body));
        if is < was {
            let pods: Vec<String> = (is..was).map(|i| format!("{}-{i}", t.key.name)).collect();
            out.push(format!(
                "nodes go: StatefulSet {} scales from {was} to {is} pods ({} go)",
                t.key.name,
                pods.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::builtin;
    use crate::manifest::ObjectKey;
    use serde_json::json;

    fn sts(name: &str, replicas: u64, validators: Option<&str>) -> Value {
        let mut s = json!({ "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": { "name": name },
            "spec": { "replicas": replicas, "template": { "metadata": { "annotations": {} } } } });
        if let Some(v) = validators {
            s["spec"]["template"]["metadata"]["annotations"][VALIDATORS_ANNOTATION] = json!(v);
        }
        s
    }

    fn target(body: Value) -> Target {
        Target {
            key: ObjectKey {
                group: "apps".into(),
                kind: "StatefulSet".into(),
                namespace: "eth".into(),
                name: name(&body).into(),
            },
            rt: builtin::stateful_set(),
            body,
            pending_definition: false,
            adopt: false,
        }
    }

    fn record(values: Value, manifests: Vec<Value>) -> Record {
        Record { revision: 4, values, ..Record::deployed_with(manifests) }
    }

    /// The trap of issue #22: signers given once, then another value alone with
    /// --reset-values: the signers go back to the chart's, a pair is pruned and keys move.
    #[test]
    fn dropped_values_moved_keys_and_removed_nodes_are_named() {
        let before = record(
            json!({ "global": { "topology": { "signers": 3 } }, "ethstats": { "secret": "hunter2" } }),
            vec![
                sts("eth-pair-2", 1, None),
                sts("eth-validator-0", 1, Some("0..11")),
                sts("eth-validator-1", 1, Some("11..16")),
                sts("eth-rpc", 2, None),
            ],
        );
        let now = json!({ "global": { "topology": { "rpcNodes": 1 } } });
        let defaults = json!({ "global": { "topology": { "signers": 2 } } });
        let targets = [target(sts("eth-validator-0", 1, Some("0..16"))), target(sts("eth-rpc", 1, None))];
        let prune = [target(sts("eth-pair-2", 1, None))];
        let lines = changes(Some(&before), &now, Some(&defaults), &targets, &prune);
        assert_eq!(
            lines,
            [
                "value `ethstats.secret` given to revision 4 is dropped: was ***, now unset; pass it again, or deploy \
                 without --reset-values, to keep it",
                "value `global.topology.signers` given to revision 4 is dropped: was 3, now 2 (the chart's default); \
                 pass it again, or deploy without --reset-values, to keep it",
                "validator keys move: StatefulSet eth-validator-0 runs validators 0..16, was 0..11",
                "validator keys move: StatefulSet eth-validator-1 (validators 11..16) no longer runs them",
                "nodes go: StatefulSet eth-pair-2 is removed with its 1 pod(s)",
                "nodes go: StatefulSet eth-rpc scales from 2 to 1 pods (eth-rpc-1 go)",
            ]
        );
        // The same values and workloads: nothing to say.
        let same = [target(sts("eth-pair-2", 1, None)), target(sts("eth-validator-0", 1, Some("0..11")))];
        let unchanged =
            record(json!({ "a": 1 }), vec![sts("eth-pair-2", 1, None), sts("eth-validator-0", 1, Some("0..11"))]);
        assert!(changes(Some(&unchanged), &json!({ "a": 1, "b": 2 }), None, &same, &[]).is_empty());
        assert!(changes(None, &now, None, &targets, &prune).is_empty(), "an install changes nothing that ran");
        // Validators that join (16 and 17, which nobody ran) move no key.
        let grown = [
            target(sts("eth-validator-0", 1, Some("0-10,16"))),
            target(sts("eth-validator-1", 1, Some("11-15,17"))),
            target(sts("eth-pair-2", 1, None)),
        ];
        let two = record(
            json!({ "a": 1 }),
            vec![
                sts("eth-validator-0", 1, Some("0..11")),
                sts("eth-validator-1", 1, Some("11..16")),
                sts("eth-pair-2", 1, None),
            ],
        );
        let lines = changes(Some(&two), &json!({ "a": 1 }), None, &grown, &[]);
        assert_eq!(
            lines,
            [
                "validators join or leave: StatefulSet eth-validator-0 runs validators 0-10,16, was 0..11",
                "validators join or leave: StatefulSet eth-validator-1 runs validators 11-15,17, was 11..16",
            ]
        );
    }
}
