//! When a validator client may skip Lighthouse's doppelganger wait.
//!
//! Lighthouse's doppelganger protection keeps a client from signing for 2–3 epochs while it
//! watches the network for its keys, except in the genesis epoch. A network whose pods come up
//! after that (a slow image pull, a slow volume, a render applied minutes after it was made)
//! would sit 13–19 minutes (at 12 s slots) before any validator signs, though nothing could have
//! signed for those keys before.
//!
//! The `first-start` init container (busybox from the geth image) decides, and writes `skip` or
//! `wait` to `/data/ethwasm-doppelganger`, which the start script reads once and deletes. It says
//! `skip` only when every one of these holds:
//!
//! 1. The client's volume is persistent and holds no slashing protection database: a first start
//!    on this volume. (An emptyDir client loses its database on every restart, so it always
//!    waits; a client with a database whose key set changed, that is moved keys, always waits:
//!    the start script's rule.)
//! 2. The chain is young: before genesis, or within its first [`FIRST_START_EPOCHS`] epochs. Later a
//!    fresh database means a lost volume or a client added by scaling, and it waits.
//! 3. From the genesis epoch on: the synced beacon nodes of the release that answer (it asks
//!    them all, and waits up to [`WAIT_FOR_BEACON_SECONDS`] for one, since a new network's pods
//!    start together) report, through the standard `POST /eth/v1/validator/liveness/{epoch}`
//!    that Lighthouse's own doppelganger service uses, that none of the client's validators was
//!    live in the previous or the current epoch, and none reports one live.
//!
//! Why that never signs twice: the host never runs a key in two clients (one StatefulSet of one
//! pod per slice, and `ethwasm.io/stop-before-change` stops a moved key's old client before the
//! new one starts), so a second signer is an earlier run of these keys. An earlier run that
//! signed in the previous or current epoch is seen by (3). One that signed only before that made
//! attestations with older targets and older or equal sources, which a new attestation can
//! neither double (its target is newer) nor surround (its source is not older), and blocks for
//! earlier slots. A doppelganger that starts in the same epoch as this client is not caught,
//! exactly as Lighthouse's own protection does not catch it. No synced beacon node
//! answering within the wait means `wait`.

/// How long after genesis a fresh client may still skip the wait.
pub const FIRST_START_EPOCHS: u64 = 16;
/// Slots per epoch in the mainnet preset, which the genesis plugin uses.
pub(super) const SLOTS_PER_EPOCH: u64 = 32;
/// The decision the init container leaves for the start script.
pub const DECISION_FILE: &str = "/data/ethwasm-doppelganger";

/// The chain and the client the decision is for.
pub(super) struct Client<'a> {
    pub genesis_time: u64,
    pub seconds_per_slot: u64,
    /// Its validator indices.
    pub indices: Vec<u32>,
    /// Beacon APIs to ask, the client's own first.
    pub beacon_apis: &'a [String],
    /// Its slashing protection database, and the shell test true when it exists.
    pub database: &'a str,
    pub has_database: String,
}

/// How long the check waits for a synced beacon node to answer (the pods of a new network start
/// together, and a beacon node needs its peers before it calls itself synced): well under the
/// 2-3 epochs the doppelganger wait it may save costs.
pub const WAIT_FOR_BEACON_SECONDS: u32 = 300;

/// The init container's script. `FIRST_START_WAIT` (default [`WAIT_FOR_BEACON_SECONDS`]) exists
/// for the tests; the rendered pod does not set it.
pub(super) fn script(c: &Client<'_>) -> String {
    let epoch_seconds = c.seconds_per_slot * SLOTS_PER_EPOCH;
    let slice = ethwasm_ethereum_types::ranges_text(c.indices.iter().copied());
    let indices = c.indices.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(",");
    let apis = c.beacon_apis.join(" ");
    let (genesis, database, has_database) = (c.genesis_time, c.database, &c.has_database);
    format!(
        r#"set -u
rm -f {DECISION_FILE}
decide() {{ echo "$1" > {DECISION_FILE}; echo "first-start: $1: $2"; exit 0; }}
get() {{ timeout 5 wget -q -O - "$1" 2>/dev/null | tr -d ' \n\r\t'; }}
post() {{ timeout 5 wget -q -O - --header 'Content-Type: application/json' --post-data "$2" "$1" 2>/dev/null | tr -d ' \n\r\t'; }}
if {has_database}; then
  echo "first-start: {database} exists: not a first start on this volume (the start script decides)"
  exit 0
fi
deadline=$(( $(date +%s) + ${{FIRST_START_WAIT:-{WAIT_FOR_BEACON_SECONDS}}} ))
while :; do
  now=$(date +%s)
  if [ "$now" -lt {genesis} ]; then decide skip "genesis is $(({genesis} - now)) s away: no key can have signed"; fi
  epoch=$(( (now - {genesis}) / {epoch_seconds} ))
  if [ "$epoch" -ge {FIRST_START_EPOCHS} ]; then
    decide wait "a fresh slashing protection database in epoch $epoch, past the first {FIRST_START_EPOCHS}: a lost volume or a new client"
  fi
  prev=$(( epoch > 0 ? epoch - 1 : 0 ))
  answered=""
  for api in {apis}; do
    syncing=$(get "$api/eth/v1/node/syncing")
    case "$syncing" in
      *'"is_syncing":false'*) ;;
      "") echo "first-start: $api does not answer"; continue ;;
      *) echo "first-start: $api is syncing"; continue ;;
    esac
    clear=yes
    for e in $prev $epoch; do
      live=$(post "$api/eth/v1/validator/liveness/$e" '[{indices}]')
      case "$live" in
        *'"is_live":true'*) decide wait "a validator of {slice} was live in epoch $e ($api)" ;;
        *'"is_live":false'*) ;;
        *) clear=no ;;
      esac
    done
    if [ "$clear" = yes ]; then answered="$answered $api"; else echo "first-start: $api gave no liveness answer"; fi
  done
  if [ -n "$answered" ]; then
    decide skip "first start in epoch $epoch; no validator of {slice} was live in epochs $prev..$epoch (asked:$answered)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    decide wait "no synced beacon node could say whether validators {slice} signed lately"
  fi
  sleep 5
done
"#
    )
}

#[cfg(test)]
mod tests {
    use super::super::paths::DATA;
    use super::*;

    #[test]
    fn script_asks_for_the_slice_and_the_beacon_nodes_in_order() {
        let apis = ["http://a:5052".to_string(), "http://b:5052".to_string()];
        let c = Client {
            genesis_time: 1000,
            seconds_per_slot: 12,
            indices: vec![16, 17, 18],
            beacon_apis: &apis,
            database: "/data/db",
            has_database: "[ -d /data/db ]".into(),
        };
        let s = script(&c);
        assert!(s.contains(r#"'["16","17","18"]'"#), "{s}");
        assert!(s.contains("for api in http://a:5052 http://b:5052; do"), "{s}");
        assert!(s.contains("/ 384 ))"), "epoch = 32 slots of 12 s: {s}");
        assert!(s.contains(&format!("-ge {FIRST_START_EPOCHS} ]")), "{s}");
        assert!(s.contains(DATA));
        assert!(s.contains("if [ -d /data/db ]; then\n  echo \"first-start: /data/db exists"), "{s}");
    }
}
