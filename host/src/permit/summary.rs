//! What each plugin created, by category ([`summary`]).

use super::category;
use super::reach::Inventory;
use crate::manifest::Object;
use std::collections::BTreeMap;

/// Counts of objects by category, per plugin.
pub type Summary = Vec<(String, BTreeMap<String, usize>)>;

/// What each plugin created, by category: `in namespace NS` or a grant's name, with counts, in
/// plugin order of first appearance.
pub fn summary(objects: &[Object], namespace: &str) -> Summary {
    let mut out: Summary = Vec::new();
    let inv = Inventory::of(objects, namespace);
    for o in objects {
        let label =
            category(o, namespace, &inv).map_or_else(|| format!("in namespace {namespace}"), |(g, _)| g.to_string());
        let i = match out.iter().position(|(p, _)| *p == o.plugin) {
            Some(i) => i,
            None => {
                out.push((o.plugin.clone(), BTreeMap::new()));
                out.len() - 1
            }
        };
        *out[i].1.entry(label).or_default() += 1;
    }
    out
}
