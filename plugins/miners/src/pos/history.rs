//! Slashing-protection history that follows a validator client's keys from one client to the
//! next (EIP-3076).
//!
//! Every client keeps its history in a database of its own format: Lighthouse in SQLite, Teku in
//! a YAML file a key, Prysm in BoltDB, Lodestar in LevelDB. A node that changes its validator
//! client (`global.clients`) keeps its volume, so the old client's database is still there, but
//! only the old client's own binary can read it. A render cannot know which client ran before (a
//! render is a function of the values, not of the cluster), so the history travels through the
//! volume instead, in the interchange format every client reads and writes:
//!
//! - **On the way out.** The start script runs the client as its child, not with `exec`, and
//!   forwards the kubelet's `SIGTERM` to it. Once the client has exited, for whatever reason,
//!   the script runs the same image's export command into `/data/slashing-history/<client>.json`
//!   (written beside as `exporting.json` and renamed, so it is whole or absent) and records `<client> stopped` in
//!   `/data/slashing-history/last`. While the client runs the record says `<client> running`.
//!   A client that has no database has never signed; its export is the empty interchange file.
//! - **On the way in.** Before it starts a client, the script reads the record:
//!   - none, or this same client: its own database holds its history; nothing to carry (the
//!     rules of [`super::launch::run_validator_script`] apply as before);
//!   - another client, `stopped`: the new client imports that client's file (all four merge
//!     by maximum: the highest block slot, source and target epoch a key has signed), then
//!     starts without the doppelganger wait, since it now knows everything its keys signed. A
//!     file without any key (a client that never signed) needs no import. Lighthouse is also
//!     told to register keys the file lacks (`--init-slashing-protection`), which it otherwise
//!     refuses to start with;
//!   - another client, still `running` (killed before its export: out of memory, a lost node,
//!     the grace period run out), or an import that failed: the new client cannot know what the
//!     old one signed last, so it registers the keys and waits out doppelganger detection, which
//!     is how every client change went before the history could travel.
//!
//! - **A wait that did not run its course.** A start that waits for doppelgangers marks the
//!   volume ([`WAITING`]); only a run that lasted [`WAIT_EPOCHS`] clears it, and every start
//!   of any client waits while it is there. Otherwise a client that exited within its wait (a
//!   doppelganger found, a crash) would start again on the database it had just made, and the
//!   next client would trust the export of a client that never saw the old history.
//!
//! Why that is safe: the host stops a changed validator client and waits for its pod to go
//! before it starts the new one (`ethwasm.io/stop-before-change`), so the export runs after the
//! last signature and before the first of the next client. A moved key set (keys that arrive
//! from another volume) still always waits, whatever was carried: the history of those keys is
//! on the other volume. The pod's grace period ([`super::validator`]'s `VC_GRACE_SECONDS`)
//! covers the client's own shutdown and the export. The old file stays on the volume after the
//! import, for an audit.
//!
//! Each client's commands, read at its pinned release, are cited in
//! `docs/research/slashing-interchange*.md`.

use super::paths::DATA;

/// Where the history files and the record live, on the validator client's volume.
pub const HISTORY_DIR: &str = "/data/slashing-history";

/// The mark of a doppelganger wait that has not run its course on this volume (holds the time
/// the waiting start began).
pub const WAITING: &str = "/data/slashing-history/doppelganger-wait";

/// Epochs a run must last before its wait counts as done: a client's doppelganger wait is 2 to
/// 3 epochs.
const WAIT_EPOCHS: u64 = 4;

/// Seconds a run of a validator client must last before its doppelganger wait counts as done.
pub(super) fn wait_window(ctx: &super::context::Ctx<'_>) -> u64 {
    WAIT_EPOCHS * super::first_start::SLOTS_PER_EPOCH * ctx.pos.seconds_per_slot
}

/// An EIP-3076 interchange file with no keys: the export of a client that never signed.
const EMPTY_INTERCHANGE: &str = r#"{"metadata":{"interchange_format_version":"5"},"data":[]}"#;

/// How one client exports and imports its history (shell, inside its own image).
pub(super) struct Interchange {
    /// Its name in the record (`lighthouse`, `teku`, `prysm`, `lodestar`).
    pub(super) client: &'static str,
    /// Commands writing its database's history to the file `$1` (the client has exited).
    pub(super) export: String,
    /// Commands merging the interchange file `$1` into its database (created when absent),
    /// failing when any key fails.
    pub(super) import: String,
}

/// The start script's functions and the step before the client starts: reads the record and,
/// when another client stopped cleanly, imports its history. Leaves `was` (the last client,
/// empty when none) and `carried` (non-empty when this client now holds that history).
/// `no_database` is the shell test true when the client's database is absent.
pub(super) fn carry_in(x: &Interchange, no_database: &str) -> String {
    let Interchange { client, export, import } = x;
    format!(
        r#"history={HISTORY_DIR}
waiting={WAITING}
export_history() {{
  if {no_database}; then
    echo '{EMPTY_INTERCHANGE}' > "$1"
  else
    {export}
  fi
}}
import_history() {{
  {import}
}}
record() {{
  printf '%s\n' "{client} $1" > "$history/last.new" && mv "$history/last.new" "$history/last"
}}
mkdir -p "$history"
last=$(cat "$history/last" 2>/dev/null || true)
was=${{last%% *}}
carried=""
case "$last" in
  "" | "{client} "*) ;;
  *" stopped")
    in="$history/$was.json"
    if [ ! -s "$in" ]; then
      echo "the $was validator client left no slashing protection history at $in" >&2
    else
      case "$(cat "$in")" in
        *'"pubkey"'*)
          echo "importing the slashing protection history the $was validator client exported ($in)"
          if import_history "$in"; then carried=yes; else echo "could not import $in" >&2; fi
          ;;
        *)
          echo "the $was validator client signed nothing: no slashing protection history to import"
          carried=yes
          ;;
      esac
    fi
    ;;
  *)
    echo "the $was validator client did not stop cleanly, so it exported no slashing protection history" >&2
    ;;
esac
"#
    )
}

/// The step that runs `command` (the client, as its child; the script's `TERM` trap forwards
/// the signal to `$pid`), exports its history once it has exited and exits with its status.
/// With `window`, a run that lasted that long clears the volume's mark of an unfinished
/// doppelganger wait.
pub(super) fn run_and_carry_out(client: &str, command: &str, window: Option<u64>) -> String {
    let clear = window.map_or_else(String::new, |w| {
        format!(
            "if [ -f \"$waiting\" ] && [ $(($(date +%s) - started)) -ge {w} ]; then\n  \
             rm -f \"$waiting\"\n  echo 'the doppelganger wait has run its course'\nfi\n"
        )
    });
    format!(
        r#"record running
started=$(date +%s)
{command} &
pid=$!
set +e
wait "$pid"
rc=$?
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  rc=$?
done
trap - TERM INT
out="$history/{client}.json"
echo "the validator client exited with status $rc: exporting its slashing protection history to $out"
{clear}if export_history "$history/exporting.json" && mv "$history/exporting.json" "$out"; then
  record stopped
else
  rm -f "$history/exporting.json"
  echo "could not export the slashing protection history: a different client on {DATA} will wait out doppelganger detection" >&2
fi
exit "$rc"
"#
    )
}
