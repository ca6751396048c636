//! Late nodes by checkpoint sync: where a pair's beacon node starts syncing from.
//!
//! A render has no clock and does not know whether the chain it joins is new or weeks old, so
//! the pod decides when it starts. The `sync-from` init container (busybox `sh`, `wget` and
//! `sed` from the geth image) looks at the beacon node's data directory:
//! - it holds a database: nothing to decide, Lighthouse resumes it (it ignores a checkpoint flag
//!   then anyway: "Refusing to checkpoint sync ... database already exists");
//! - it is empty: it asks every other beacon node of the release (the `beacon-peers` file, as
//!   the peering sidecar reads it) for its finalized checkpoint
//!   (`GET /eth/v1/beacon/states/finalized/finality_checkpoints`, the standard beacon API). The
//!   first that has finalized an epoch after genesis is where this node starts:
//!   `--checkpoint-sync-url=<its beacon API>`, written to [`SYNC_FROM_FILE`].
//!   None has (the first nodes of a new chain, started together), or none answers: genesis
//!   sync, `--allow-insecure-genesis-sync`, as every node synced before.
//!
//! The beacon container runs Lighthouse through [`wrapper`], which adds the one flag the file
//! names (or the genesis flag). The network's own beacon nodes are the checkpoint source: no
//! outside service, and no trust beyond the release's own pods.

use super::context::Ctx;
use super::paths::{BEACON_DATADIR, DATA};
use super::repair::PEERS_FILE;
use crate::values::init_resources;
use ethwasm_plugin::workload::{self, Container};

/// The file the init container writes: the checkpoint flag, when there is one.
pub(super) const SYNC_FROM_FILE: &str = "/data/lighthouse/sync-from";
/// Seconds any one HTTP call may take.
const CALL_TIMEOUT: u32 = 5;

/// The init container's script: decide where an empty beacon node syncs from.
pub(super) fn script() -> String {
    format!(
        r#"set -u
rm -f {SYNC_FROM_FILE}
if [ -d {BEACON_DATADIR}/beacon/chain_db ]; then
  echo 'sync-from: the beacon database exists; Lighthouse resumes it'
  exit 0
fi
get() {{ timeout {CALL_TIMEOUT} wget -q -O - "$1" 2>/dev/null | tr -d ' \n\r\t'; }}
while read -r pod id api; do
  [ -n "${{api:-}}" ] && [ "$pod" != "${{POD_NAME:-}}" ] || continue
  body=$(get "$api/eth/v1/beacon/states/finalized/finality_checkpoints") || continue
  epoch=$(echo "$body" | sed -n 's/.*"finalized":{{"epoch":"\([0-9]*\)".*/\1/p')
  if [ -n "$epoch" ] && [ "$epoch" -gt 0 ]; then
    mkdir -p {BEACON_DATADIR}
    echo "--checkpoint-sync-url=$api" > {SYNC_FROM_FILE}
    echo "sync-from: $pod has finalized epoch $epoch: checkpoint sync from $api"
    exit 0
  fi
done < {PEERS_FILE}
echo 'sync-from: no other beacon node has finalized an epoch (a new chain): syncing from genesis'
"#
    )
}

/// The beacon container's command: Lighthouse with its arguments and the sync flag
/// ([`SYNC_FROM_FILE`], else `--allow-insecure-genesis-sync`). The Lighthouse image has `sh`.
pub(super) fn wrapper() -> String {
    format!(r#"exec lighthouse "$@" "$(cat {SYNC_FROM_FILE} 2>/dev/null || echo --allow-insecure-genesis-sync)""#)
}

/// The `sync-from` init container of a pair pod.
pub(super) fn container(ctx: &Ctx<'_>) -> Container {
    Container::new("sync-from", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &script()])
        .env(workload::pod_identity_env())
        .mounts([workload::mount("data", DATA), workload::read_only_mount("geth-config", "/peering")])
        .resources(&init_resources())
}
