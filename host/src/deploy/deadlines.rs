//! Deadlines a revision must be rolled out before: what a render cannot check, since it has no
//! clock.
//!
//! An object annotated `ethwasm.io/deadlines: {"<what>": <unix seconds>, ...}` (the Ethereum
//! chart's testnet ConfigMap, for each blob-parameter-only fork scheduled after genesis) says
//! that every workload must run this revision before each time. At deploy time, each deadline
//! that the live revision did not already carry (for the same object, label and time) must be
//! in the future by more than the rollout may take: its waves, each waiting up to `--timeout`.
//! A deadline already carried is left alone: a fork scheduled earlier and passed since is not
//! a reason to refuse the next upgrade. Refused deploys apply and record nothing (exit 2).

use super::apply::{key_of, Target};
use crate::error::{Error, Result};
use crate::release::Record;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// The annotation that carries an object's deadlines.
pub const DEADLINES_ANNOTATION: &str = "ethwasm.io/deadlines";

/// `(label, unix seconds)` of an object's deadlines; an error names the object.
fn deadlines_of(body: &Value) -> Result<BTreeMap<String, u64>> {
    let Some(text) = crate::manifest::annotation(body, DEADLINES_ANNOTATION) else {
        return Ok(BTreeMap::new());
    };
    serde_json::from_str(text).map_err(|e| {
        Error::plugin(format!(
            "{}: annotation {DEADLINES_ANNOTATION} is not a JSON object of label -> Unix seconds ({e}): `{text}`",
            key_of(body)
        ))
    })
}

/// Refuses `targets` when a deadline new since `previous` has passed, or is nearer than a
/// rollout of `waves` waves of up to `timeout` each may take, measured from `now`.
pub fn check(previous: Option<&Record>, targets: &[Target], waves: usize, timeout: Duration, now: u64) -> Result<()> {
    let needed = (waves.max(1) as u64).saturating_mul(timeout.as_secs());
    for t in targets {
        let old = match previous.and_then(|p| p.manifests.iter().find(|m| key_of(m) == t.key)) {
            Some(m) => deadlines_of(m)?,
            None => BTreeMap::new(),
        };
        for (what, at) in deadlines_of(&t.body)? {
            if old.get(&what) == Some(&at) {
                continue;
            }
            let when = jiff::Timestamp::from_second(at as i64).map_or_else(|_| at.to_string(), |t| t.to_string());
            if at <= now {
                return Err(Error::usage(format!(
                    "{what} (named by {}) is at {when} (unix {at}), {} s ago: a change scheduled for a moment that has \
                     passed cannot be rolled out before it. Schedule it later",
                    t.key,
                    now - at
                )));
            }
            if now + needed >= at {
                return Err(Error::usage(format!(
                    "{what} (named by {}) is at {when} (unix {at}), {} s from now; this rollout takes {waves} wave(s) \
                     of up to {} s each (--timeout), {needed} s in all, and every node must run the new \
                     configuration before then. Schedule it later, or give a shorter --timeout",
                    t.key,
                    at - now,
                    timeout.as_secs(),
                    waves = waves.max(1)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::builtin;
    use serde_json::json;

    fn config_map(deadlines: Option<&str>) -> Value {
        let mut cm =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "eth-testnet", "namespace": "eth"}});
        if let Some(d) = deadlines {
            cm["metadata"]["annotations"] = json!({ DEADLINES_ANNOTATION: d });
        }
        cm
    }

    fn target(body: Value) -> Target {
        Target { key: key_of(&body), rt: builtin::config_map(), body, pending_definition: false, adopt: false }
    }

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn a_new_deadline_must_leave_room_for_every_wave() {
        let now = 1_800_000_000;
        let fork = |at: u64| target(config_map(Some(&format!("{{\"BPO3 at epoch 100\": {at}}}"))));
        let before = Record::deployed_with(vec![config_map(None)]);
        // Five waves of up to 300 s: 1500 s are needed.
        assert!(check(Some(&before), &[fork(now + 1501)], 5, FIVE_MINUTES, now).is_ok());
        let e = check(Some(&before), &[fork(now + 1200)], 5, FIVE_MINUTES, now).unwrap_err();
        assert_eq!(e.class(), crate::Class::Usage);
        let e = e.to_string();
        assert!(
            e.contains("BPO3 at epoch 100 (named by ConfigMap eth/eth-testnet)") && e.contains("1200 s from now"),
            "{e}"
        );
        assert!(e.contains("5 wave(s) of up to 300 s each (--timeout), 1500 s in all"), "{e}");
        let e = check(Some(&before), &[fork(now - 60)], 5, FIVE_MINUTES, now).unwrap_err().to_string();
        assert!(e.contains("60 s ago"), "{e}");
        // One already carried (scheduled earlier, passed since) is no reason to refuse.
        let carried = Record::deployed_with(vec![fork(now - 60).body]);
        assert!(check(Some(&carried), &[fork(now - 60)], 5, FIVE_MINUTES, now).is_ok());
        // A first install checks it too.
        assert!(check(None, &[fork(now + 100)], 1, FIVE_MINUTES, now).is_err());
    }

    #[test]
    fn a_malformed_annotation_names_the_object() {
        let e = check(None, &[target(config_map(Some("soon")))], 1, FIVE_MINUTES, 0).unwrap_err().to_string();
        assert!(e.contains("ConfigMap eth/eth-testnet: annotation ethwasm.io/deadlines is not a JSON object"), "{e}");
    }
}
