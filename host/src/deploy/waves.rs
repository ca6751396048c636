//! Rolling a change out in waves, within what the plugins say may be down at once.
//!
//! A plugin marks a workload (Deployment, StatefulSet, DaemonSet) with three annotations:
//! - `ethwasm.io/rollout-group: NAME`: the workloads that share one budget (the Ethereum chart:
//!   `beacon-nodes` for its geth + beacon pairs, `stake` for its validator clients);
//! - `ethwasm.io/rollout-weight: N`: what it takes down while it restarts (a validator client:
//!   the validators it runs; default 1);
//! - `ethwasm.io/rollout-budget: N`: the most weight of the group that may be down at once (the
//!   smallest a member of the group gives counts).
//!
//! When a deploy changes workloads of a group, they are packed into waves in install order, first
//! fit, so that no wave takes down more than the budget of any group (a workload heavier than the
//! budget goes alone). The first wave also carries everything else the revision applies; each
//! wave is applied and then waited for (readiness as `--wait` judges it: for the Ethereum chart,
//! a pair is ready once its beacon node says it is synced) before the next starts, so a wave
//! that never becomes ready stops the rollout. New workloads take nothing down and go with the
//! first wave. The host knows no names: another chart's annotations get the same behaviour.

use super::apply::Target;
use crate::error::{Error, Result};
use crate::manifest::{annotation, ObjectKey};
use crate::release::Record;
use serde_json::Value;
use std::collections::BTreeMap;

/// The workloads that share a budget.
pub const GROUP_ANNOTATION: &str = "ethwasm.io/rollout-group";
/// What a workload takes down while it restarts.
pub const WEIGHT_ANNOTATION: &str = "ethwasm.io/rollout-weight";
/// The most weight of a group that may be down at once.
pub const BUDGET_ANNOTATION: &str = "ethwasm.io/rollout-budget";

/// One wave: the grouped workloads it restarts, and the weight it takes from each group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wave {
    /// The workloads, in install order.
    pub keys: Vec<ObjectKey>,
    /// Group -> (weight down in this wave, the group's budget).
    pub load: BTreeMap<String, (u64, u64)>,
}

/// A grouped workload the revision changes.
struct Member<'a> {
    key: &'a ObjectKey,
    group: String,
    weight: u64,
}

/// The annotation `name` of a workload as a whole number, if given; an error names the object.
fn number(body: &Value, key: &ObjectKey, name: &str) -> Result<Option<u64>> {
    let Some(text) = annotation(body, name) else { return Ok(None) };
    text.trim().parse::<u64>().map(Some).map_err(|_| {
        Error::plugin(format!(
            "{key}: annotation {name} is `{text}`, not a whole number; the plugin that renders it must give one"
        ))
    })
}

/// The waves a rollout of `targets` over `previous` takes: empty when no grouped workload
/// changes (everything goes at once, as before).
pub fn plan(previous: Option<&Record>, targets: &[Target]) -> Result<Vec<Wave>> {
    let Some(previous) = previous else { return Ok(Vec::new()) };
    let mut budgets: BTreeMap<String, u64> = BTreeMap::new();
    let mut members: Vec<Member<'_>> = Vec::new();
    for t in targets {
        let Some(group) = annotation(&t.body, GROUP_ANNOTATION) else { continue };
        if let Some(b) = number(&t.body, &t.key, BUDGET_ANNOTATION)? {
            let slot = budgets.entry(group.to_string()).or_insert(b);
            *slot = (*slot).min(b);
        }
        let old = previous.manifests.iter().find(|m| super::apply::key_of(m) == t.key);
        // New workloads take nothing down; unchanged ones are not restarted.
        if old.is_none_or(|old| *old == t.body) {
            continue;
        }
        let weight = number(&t.body, &t.key, WEIGHT_ANNOTATION)?.unwrap_or(1);
        members.push(Member { key: &t.key, group: group.to_string(), weight });
    }
    let mut waves: Vec<Wave> = Vec::new();
    for m in &members {
        let budget = budgets.get(&m.group).copied().unwrap_or(u64::MAX);
        let fits = |w: &Wave| {
            let (down, _) = w.load.get(&m.group).copied().unwrap_or_default();
            down == 0 || down + m.weight <= budget
        };
        let at = match waves.iter().position(fits) {
            Some(i) => i,
            None => {
                waves.push(Wave::default());
                waves.len() - 1
            }
        };
        let wave = &mut waves[at];
        wave.keys.push(m.key.clone());
        let load = wave.load.entry(m.group.clone()).or_insert((0, budget));
        load.0 += m.weight;
    }
    if waves.len() < 2 {
        return Ok(Vec::new());
    }
    // Each wave's workloads in install order.
    let order = |k: &ObjectKey| targets.iter().position(|t| t.key == *k);
    for w in &mut waves {
        w.keys.sort_by_key(order);
    }
    Ok(waves)
}

/// How wave `index` of `count` reads in a plan: its workloads and what each group has down.
pub fn describe(index: usize, count: usize, wave: &Wave) -> String {
    let names: Vec<String> = wave.keys.iter().map(|k| format!("{} {}", k.kind, k.name)).collect();
    let load: Vec<String> = wave
        .load
        .iter()
        .map(|(g, (down, budget))| match *budget {
            u64::MAX => format!("{g}: {down} down"),
            b => format!("{g}: {down} of at most {b} down"),
        })
        .collect();
    format!("{}/{count}: {} ({})", index + 1, names.join(", "), load.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ResourceType;
    use serde_json::json;

    fn sts(name: &str, group: &str, weight: u64, budget: u64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "eth", "annotations": {
                GROUP_ANNOTATION: group, WEIGHT_ANNOTATION: weight.to_string(), BUDGET_ANNOTATION: budget.to_string()}},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}
        })
    }

    fn target(body: Value) -> Target {
        Target {
            key: super::super::apply::key_of(&body),
            rt: ResourceType::new("apps", "v1", "StatefulSet", "statefulsets", true),
            body,
            pending_definition: false,
            adopt: false,
        }
    }

    fn record(manifests: Vec<Value>) -> Record {
        Record::deployed_with(manifests)
    }

    /// The default chart's shape: 4 validator clients of 16 validators (budget 21: less than a
    /// third of 64) and 5 pairs (budget 1).
    fn chart(image: &str) -> Vec<Value> {
        let mut out: Vec<Value> = (0..5).map(|i| sts(&format!("pair-{i}"), "beacon-nodes", 1, 1, image)).collect();
        out.extend((0..4).map(|i| sts(&format!("vc-{i}"), "stake", 16, 21, image)));
        out
    }

    #[test]
    fn an_image_bump_rolls_one_pair_and_one_client_at_a_time() {
        let previous = record(chart("a"));
        let targets: Vec<Target> = chart("b").into_iter().map(target).collect();
        let waves = plan(Some(&previous), &targets).unwrap();
        assert_eq!(waves.len(), 5);
        for (i, w) in waves.iter().enumerate() {
            assert_eq!(w.load["beacon-nodes"], (1, 1));
            assert!(w.keys.iter().any(|k| k.name == format!("pair-{i}")));
            if i < 4 {
                assert_eq!(w.load["stake"], (16, 21), "wave {i}");
            }
        }
        assert_eq!(
            describe(0, 5, &waves[0]),
            "1/5: StatefulSet pair-0, StatefulSet vc-0 (beacon-nodes: 1 of at most 1 down; stake: 16 of at most 21 down)"
        );
    }

    #[test]
    fn nothing_changed_or_a_first_install_is_one_step() {
        let previous = record(chart("a"));
        let same: Vec<Target> = chart("a").into_iter().map(target).collect();
        assert!(plan(Some(&previous), &same).unwrap().is_empty());
        assert!(plan(None, &same).unwrap().is_empty());
    }

    #[test]
    fn light_members_share_a_wave_and_a_heavy_one_goes_alone() {
        let old = vec![
            sts("a", "g", 2, 5, "x"),
            sts("b", "g", 3, 5, "x"),
            sts("c", "g", 9, 5, "x"),
            sts("d", "g", 1, 5, "x"),
        ];
        let new: Vec<Target> =
            [("a", 2), ("b", 3), ("c", 9), ("d", 1)].into_iter().map(|(n, w)| target(sts(n, "g", w, 5, "y"))).collect();
        let waves = plan(Some(&record(old)), &new).unwrap();
        let names: Vec<Vec<&str>> = waves.iter().map(|w| w.keys.iter().map(|k| k.name.as_str()).collect()).collect();
        assert_eq!(names, [vec!["a", "b"], vec!["c"], vec!["d"]]);
        assert_eq!(waves[1].load["g"], (9, 5), "over budget alone, and said so");
    }

    #[test]
    fn a_bad_number_names_the_object_and_annotation() {
        let mut bad = sts("a", "g", 1, 1, "y");
        bad["metadata"]["annotations"][WEIGHT_ANNOTATION] = json!("lots");
        let old = vec![sts("a", "g", 1, 1, "x"), sts("b", "g", 1, 1, "x")];
        let e = plan(Some(&record(old)), &[target(bad), target(sts("b", "g", 1, 1, "y"))]).unwrap_err().to_string();
        assert!(e.contains("StatefulSet eth/a") && e.contains("ethwasm.io/rollout-weight is `lots`"), "{e}");
    }
}
