//! Late nodes by checkpoint sync: where a pair's beacon node starts syncing from.
//!
//! A render has no clock and does not know whether the chain it joins is new or weeks old, so
//! the pod decides when it starts. The `sync-from` init container (busybox `sh`, `wget` and
//! `sed` from the geth image) looks at the beacon node's data directory:
//! - it holds a database: nothing to decide, the client resumes it (Lighthouse ignores a
//!   checkpoint flag then anyway: "Refusing to checkpoint sync ... database already exists";
//!   Teku too, silently);
//! - it is empty: it asks every other beacon node of the release (the `beacon-peers` file, as
//!   the peering sidecar reads it) for its finalized checkpoint
//!   (`GET /eth/v1/beacon/states/finalized/finality_checkpoints`, the standard beacon API). The
//!   first that has finalized an epoch after genesis is where this node starts: its beacon API
//!   as the client's checkpoint flag ([`SyncFrom::checkpoint`]), written to the client's file.
//!   None has (the first nodes of a new chain, started together), or none answers: genesis
//!   sync, as every node synced before (Lighthouse with `--allow-insecure-genesis-sync`).
//!
//! Every client fetches the finalized state from the standard
//! `/eth/v2/debug/beacon/states/finalized`, which each of the four serves, so any pair can be
//! the source of any other. Teku, Prysm and Lodestar create their database before the download,
//! so for them a decision for a checkpoint is sticky ([`SyncFrom::sticky`]): a database with the
//! decision beside it asks again (or keeps the last source), and both ignore the flag once they
//! have the checkpoint. The beacon container runs the client through a wrapper that adds the
//! flags the file names ([`wrapper`] for Lighthouse, [`client_wrapper`] for the others). The
//! network's own beacon nodes are the checkpoint source: no outside service, and no trust
//! beyond the release's own pods. Each client's flags are cited in
//! `docs/research/checkpoint-sync-*.md`.

use super::context::Ctx;
use super::paths::{BEACON_DATADIR, DATA};
use super::repair::PEERS_FILE;
use crate::values::init_resources;
use ethwasm_plugin::workload::{self, Container};

/// The file the init container writes for Lighthouse: the checkpoint flag, when there is one.
pub(super) const SYNC_FROM_FILE: &str = "/data/lighthouse/sync-from";
/// Seconds any one HTTP call may take.
const CALL_TIMEOUT: u32 = 5;

/// What the decision needs to know of a beacon node client.
pub(super) struct SyncFrom {
    /// Its name, in the messages.
    pub(super) client: &'static str,
    /// A shell test true when its database exists.
    pub(super) has_database: String,
    /// Its data dir, made before the decision is written there ([`SyncFrom::file`]).
    pub(super) datadir: &'static str,
    /// The flags that start it from the checkpoint the beacon API at `$api` serves (written
    /// to the file, `$api` expanded).
    pub(super) checkpoint: &'static str,
    /// Whether a decision for a checkpoint outlives a database the client made before it had
    /// the checkpoint (Prysm creates its database file before the download, so a first start
    /// that failed there leaves one; the flag must stay until the client has its checkpoint).
    pub(super) sticky: bool,
}

impl SyncFrom {
    /// A client whose decision is sticky (one that creates its database before the download).
    pub(super) fn sticky(
        client: &'static str,
        has_database: String,
        datadir: &'static str,
        checkpoint: &'static str,
    ) -> SyncFrom {
        SyncFrom { client, has_database, datadir, checkpoint, sticky: true }
    }

    /// The file the decision goes to, in the client's data dir.
    pub(super) fn file(&self) -> String {
        format!("{}/sync-from", self.datadir)
    }
}

/// Lighthouse's: `--checkpoint-sync-url` (it ignores the flag once it has a database anyway).
pub(super) fn lighthouse() -> SyncFrom {
    SyncFrom {
        client: "Lighthouse",
        has_database: format!("[ -d {BEACON_DATADIR}/beacon/chain_db ]"),
        datadir: BEACON_DATADIR,
        checkpoint: "--checkpoint-sync-url=$api",
        sticky: false,
    }
}

/// The init container's script: decide where an empty beacon node syncs from.
pub(super) fn script(s: &SyncFrom) -> String {
    let file = s.file();
    let SyncFrom { client, has_database, datadir, checkpoint, sticky } = s;
    let resume = format!("echo 'sync-from: the beacon database exists; {client} resumes it'");
    let (head, keep) = if *sticky {
        (
            format!(
                "if {has_database}; then\n  \
                 if [ ! -f {file} ]; then\n    {resume}\n    exit 0\n  fi\n  \
                 echo 'sync-from: the beacon database may predate its checkpoint (a first start that failed): asking again'\n\
                 else\n  rm -f {file}\nfi\n"
            ),
            format!(
                "if [ -f {file} ]; then\n  \
                 echo 'sync-from: no other beacon node answers: keeping the checkpoint decided before'\n  exit 0\nfi\n"
            ),
        )
    } else {
        (format!("rm -f {file}\nif {has_database}; then\n  {resume}\n  exit 0\nfi\n"), String::new())
    };
    format!(
        r#"set -u
{head}get() {{ timeout {CALL_TIMEOUT} wget -q -O - "$1" 2>/dev/null | tr -d ' \n\r\t'; }}
while read -r pod id api; do
  [ -n "${{api:-}}" ] && [ "$pod" != "${{POD_NAME:-}}" ] || continue
  body=$(get "$api/eth/v1/beacon/states/finalized/finality_checkpoints") || continue
  epoch=$(echo "$body" | sed -n 's/.*"finalized":{{"epoch":"\([0-9]*\)".*/\1/p')
  if [ -n "$epoch" ] && [ "$epoch" -gt 0 ]; then
    mkdir -p {datadir}
    echo "{checkpoint}" > {file}
    echo "sync-from: $pod has finalized epoch $epoch: checkpoint sync from $api"
    exit 0
  fi
done < {PEERS_FILE}
{keep}echo 'sync-from: no other beacon node has finalized an epoch (a new chain): syncing from genesis'
"#
    )
}

/// The beacon container's command: Lighthouse with its arguments and the sync flag
/// ([`SYNC_FROM_FILE`], else `--allow-insecure-genesis-sync`). The Lighthouse image has `sh`.
pub(super) fn wrapper() -> String {
    format!(r#"exec lighthouse "$@" "$(cat {SYNC_FROM_FILE} 2>/dev/null || echo --allow-insecure-genesis-sync)""#)
}

/// The beacon container's command for another client: `exec` (its executable) with its
/// arguments and the flags `s`'s file names, if any (several, split on spaces; none for a
/// genesis sync).
pub(super) fn client_wrapper(exec: &str, s: &SyncFrom) -> String {
    format!(r#"exec {exec} "$@" $(cat {file} 2>/dev/null)"#, file = s.file())
}

/// The `sync-from` init container of a pair pod whose beacon node is `s`'s client.
pub(super) fn container(ctx: &Ctx<'_>, s: &SyncFrom) -> Container {
    Container::new("sync-from", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &script(s)])
        .env(workload::pod_identity_env())
        .mounts([workload::mount("data", DATA), workload::read_only_mount("geth-config", "/peering")])
        .resources(&init_resources())
}
