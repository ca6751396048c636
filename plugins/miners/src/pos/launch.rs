//! What every validator client's pod shares, whatever the client: the start script that decides
//! on the doppelganger wait, the layout init container's script that lays a slice's keystores
//! out where a client reads them, and the container around a client's own arguments.
//! Lighthouse's layout is its own (`validator.rs`); Teku's, Prysm's and Lodestar's are a
//! [`KeyLayout`] each, in their modules.

use super::context::Ctx;
use super::first_start::DECISION_FILE;
use super::history::{self, Interchange};
use super::paths::{DATA, TESTNET_DIR};
use super::retired::{self, EXITED_FILE, SKIP_EXITED};
use ethwasm_plugin::workload::{self, Container};
use serde_json::Value;

/// The parts of a layout script that leave out keys whose exit is final (`retired.rs`):
/// its setup, the step skipping such a key, the count to check, and the step that forgets them.
pub(super) fn exit_parts(exits: bool) -> (String, String, &'static str, String) {
    if exits {
        (format!("exited={EXITED_FILE}\nleft=0\n"), SKIP_EXITED.to_string(), "$((n + left))", retired::forget_exited())
    } else {
        (String::new(), String::new(), "$n", String::new())
    }
}

/// What the start script needs to know of a validator client.
pub(super) struct StartScript {
    /// A shell command listing the public keys laid out for it, one a line, sorted.
    pub(super) keys: String,
    /// Its slashing protection database, and a shell test true when that is absent.
    pub(super) database: String,
    pub(super) no_database: String,
    /// The flag that creates the database and registers every key, if it needs one.
    pub(super) init: &'static str,
    /// The flag that turns doppelganger protection on.
    pub(super) watch: &'static str,
    /// The client's executable.
    pub(super) exec: &'static str,
    /// How it exports and imports its history, which follows the keys to another client.
    pub(super) history: Interchange,
}

/// Starts a validator client (its arguments follow) as its child, and exports its history when
/// it exits (`history.rs`). When another client last ran on the volume, it first imports that
/// client's history, or, when there is none to trust, registers the keys and waits for
/// doppelgangers. Otherwise, when the slashing protection database is absent or the key set
/// differs from the one this volume last started with (in any client: the list is the keys'
/// public keys), it passes the client's `init` flag (create the database, register every key)
/// and, with `doppelganger`, its `watch` flag, unless the `first-start` init container found this
/// to be a first start on a young chain before any of the keys signed (`first_start.rs`). A moved
/// key set always waits.
///
/// A start that waits marks the volume (`history::WAITING`) until a run of the client has lasted
/// `window` seconds (the wait and then some): a client that exits within its wait (a
/// doppelganger found, a crash, an upgrade) would otherwise start again on the database it has
/// just made, as if its history were whole. Every client on the volume honours the mark.
pub(super) fn run_validator_script(doppelganger: bool, window: u64, s: &StartScript) -> String {
    let watch = if doppelganger { format!(" {}", s.watch) } else { String::new() };
    let init = s.init;
    let client = s.history.client;
    let (marked, mark) = if doppelganger {
        (
            format!(
                "if [ -f \"$waiting\" ]; then\n  \
                 echo 'a doppelganger wait on this volume has not run its course (the client stopped within it): waiting again'\n  \
                 extra=\"{init}{watch}\"\n\
                 fi\n"
            ),
            format!("case \"$extra \" in *\"{watch} \"*) date +%s > \"$waiting\" ;; esac\n"),
        )
    } else {
        (String::new(), String::new())
    };
    let window = doppelganger.then_some(window);
    format!(
        "set -eu\n\
         pid=\"\"\n\
         trap 'if [ -n \"$pid\" ]; then kill -TERM \"$pid\" 2>/dev/null || true; else exit 143; fi' TERM INT\n\
         keys=$({keys})\n\
         known={DATA}/ethwasm-keys\n\
         decision=$(cat {DECISION_FILE} 2>/dev/null || true)\n\
         rm -f {DECISION_FILE}\n\
         {carry_in}\
         moved=\"\"\n\
         [ \"$keys\" = \"$(cat \"$known\" 2>/dev/null || true)\" ] || moved=yes\n\
         extra=\"\"\n\
         if [ -n \"$carried\" ]; then\n\
         \x20 if [ -n \"$moved\" ]; then\n\
         \x20   echo 'validator keys differ from the last start on this volume: registering them'\n\
         \x20   extra=\"{init}{watch}\"\n\
         \x20 else\n\
         \x20   extra=\"{init}\"\n\
         \x20 fi\n\
         elif [ -n \"$was\" ] && [ \"$was\" != {client} ]; then\n\
         \x20 echo \"the last validator client on this volume was $was, whose history this one has not got: registering the keys\"\n\
         \x20 extra=\"{init}{watch}\"\n\
         elif {no_database}; then\n\
         \x20 echo 'no slashing protection database at {database}: creating it (first start, a new client or a lost volume)'\n\
         \x20 if [ \"$decision\" = skip ]; then\n\
         \x20   echo 'first start before these keys signed (see the first-start init container): no doppelganger wait'\n\
         \x20   extra=\"{init}\"\n\
         \x20 else\n\
         \x20   extra=\"{init}{watch}\"\n\
         \x20 fi\n\
         elif [ -n \"$moved\" ]; then\n\
         \x20 echo 'validator keys differ from the last start on this volume: registering them'\n\
         \x20 extra=\"{init}{watch}\"\n\
         fi\n\
         {marked}{mark}\
         printf '%s\\n' \"$keys\" > \"$known\"\n\
         {run}",
        keys = s.keys,
        carry_in = history::carry_in(&s.history, &s.no_database),
        no_database = s.no_database,
        database = s.database,
        run = history::run_and_carry_out(client, &format!("{} \"$@\" $extra", s.exec), window),
    )
}

/// A validator client's only health signal is its metrics server.
pub(super) fn metrics_probes(container: Container, metrics: bool) -> Container {
    if !metrics {
        return container;
    }
    container
        .tcp_readiness("vc-metrics")
        .startup(workload::tcp_probe("vc-metrics", 10, 30))
        .liveness(workload::tcp_probe("vc-metrics", 30, 4))
}

/// Where a client reads its keys, as the `validators` init container writes them (`$v` is
/// [`KeyLayout::dir`], `$f` a keystore of the slice's Secrets, `$pk` its public key).
pub(super) struct KeyLayout {
    pub(super) dir: &'static str,
    /// Other directories to create (the client's data dir, its passwords).
    pub(super) more_dirs: String,
    /// Shell lines that put `$f` (and its password, when the client wants one a key) in place,
    /// replacing an older copy.
    pub(super) place: String,
    /// What one key leaves in `$v`: a glob (`0x*.json`, or `0x*` for a directory a key).
    pub(super) each: &'static str,
    /// The shell command removing key `$pk`'s files.
    pub(super) remove: String,
}

/// The `validators` init container's script for `layout`: lays out the slice's keystores, fails
/// unless exactly `count` arrived, and removes keys that left the slice (their history stays in
/// the database). With `exits`, keys whose exit the `exited` init container found final are
/// left out (`retired.rs`).
pub(super) fn layout_script(layout: &KeyLayout, count: u32, exits: bool) -> String {
    let (setup, skip, total, forget) = exit_parts(exits);
    let skip = skip.replace("rm -rf \"$v/$pk\"", &layout.remove);
    let KeyLayout { dir, more_dirs, place, each, remove } = layout;
    format!(
        r#"set -eu
v={dir}
mkdir -p "$v" {more_dirs}
{setup}n=0
for f in /keystores/*.json; do
  pk=$(basename "$f" .json)
{skip}{place}  n=$((n + 1))
done
if [ "{total}" != {count} ]; then echo "expected {count} keystores in /keystores, found {total}" >&2; exit 1; fi
# Keys that left this client's slice leave its volume too (their history stays in the database).
for e in "$v"/{each}; do
  [ -e "$e" ] || continue
  pk=$(basename "$e" .json)
  [ -f "/keystores/$pk.json" ] || {remove}
done
{forget}echo "$n validators in $v"
"#
    )
}

/// A client's validator container, as [`client_container`] builds it.
pub(super) struct ClientVc {
    pub(super) start: StartScript,
    /// `$0` of the start script (the client's name, for its messages).
    pub(super) name: &'static str,
    pub(super) args: Vec<String>,
    pub(super) extra_args: Vec<String>,
    pub(super) env: Vec<Value>,
    /// Mounts besides the data volume and the testnet dir.
    pub(super) mounts: Vec<Value>,
}

/// The validator container of `c`: its start script around its arguments, the metrics port when
/// metrics are on, probed there.
pub(super) fn client_container(ctx: &Ctx<'_>, image: &str, pull: &str, c: ClientVc) -> Container {
    let (v, vc) = (ctx.v, &ctx.v.validator);
    let ports = if v.metrics.enabled {
        vec![workload::container_port("vc-metrics", vc.metrics_port, "TCP")]
    } else {
        Vec::new()
    };
    let mounts = [workload::mount("data", DATA), workload::read_only_mount("testnet", TESTNET_DIR)];
    let container = Container::new("validator", image, pull)
        .command([
            "sh".to_string(),
            "-c".into(),
            run_validator_script(vc.doppelganger_protection, super::history::wait_window(ctx), &c.start),
            c.name.into(),
        ])
        .args(c.args)
        .args(c.extra_args)
        .env(c.env)
        .ports(ports)
        .mounts(mounts.into_iter().chain(c.mounts));
    metrics_probes(container, v.metrics.enabled)
}
