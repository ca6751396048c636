//! The Lighthouse validator clients: one StatefulSet of one replica per slice of the validator
//! keys (`r-validator-<c>`, beside signer `c`'s beacon node), with the init container that lays
//! the slice's keystores and `validator_definitions.yml` out where Lighthouse looks.
//!
//! Decisions (see docs/research/pos-workloads.md for the evidence):
//!
//! - **Validator clients.** One StatefulSet of one replica per slice: the StatefulSet
//!   controller never runs two pods of one name, so one slice never runs twice, and no two
//!   StatefulSets share a slice (each holds exactly the keystores of its client's Secrets). An
//!   init container copies the keystores into `/data/validators/<pubkey>/voting-keystore.json` on
//!   the client's volume and writes `validator_definitions.yml` from them (written at start rather
//!   than rendered into a ConfigMap, which would pass the 1 MiB object limit at about 3,000 keys
//!   per client); the password stays on its read-only Secret mount. Lighthouse needs the
//!   directory writable (lock files, the slashing protection database).
//! - **Slashing protection.** The database lives on the client's volume,
//!   `/data/validators/slashing_protection.sqlite`. Lighthouse refuses to start when a key is not
//!   registered in it, unless given `--init-slashing-protection`, which creates the database and
//!   registers every key. The start script passes it when the database is absent or the key set
//!   differs from the one this volume last started with (recorded in `/data/ethwasm-keys`): a
//!   first start, a lost volume, or keys moved here when the signer count changed. Such a start
//!   also turns on doppelganger protection (`validator.doppelgangerProtection`): Lighthouse skips
//!   it in the genesis epoch, so first starts lose nothing; later it watches 2–3 epochs and shuts
//!   down if a key is live elsewhere. The host has stopped the key's previous client before this
//!   one starts (`ethwasm.io/stop-before-change`), and the new client signs only for epochs after
//!   the wait, past any target the old client signed, so moving keys makes no slashable
//!   message. The init container removes key directories that left the slice, so the recorded
//!   key set is exactly the keys the client runs.
//! - **Probes.** A validator client serves nothing; it gets a TCP probe on its metrics port when
//!   metrics are on, and none otherwise.

use super::context::{sha256_hex, Ctx};
use super::first_start::{self, DECISION_FILE};
use super::lodestar::{self, LODESTAR, LODESTAR_DB, LODESTAR_KEYS, LODESTAR_SECRETS, LODESTAR_TAG};
use super::paths::{
    CONFIG_HASH_ANNOTATION, DATA, HOLDS_ANNOTATION, HOLDS_SET_ANNOTATION, LIGHTHOUSE, LIGHTHOUSE_TAG, PASSWORD_DIR,
    PASSWORD_FILE, ROLLOUT_BUDGET_ANNOTATION, ROLLOUT_GROUP_ANNOTATION, ROLLOUT_WEIGHT_ANNOTATION, SLASHING_DB,
    STOP_BEFORE_CHANGE_ANNOTATION, TESTNET_DIR, VALIDATORS_ANNOTATION, VALIDATORS_DIR,
};
use super::prysm::{self, PRYSM_DB, PRYSM_KEYS, PRYSM_TAG, PRYSM_VALIDATOR};
use super::retired::{self, EXITED_FILE, SKIP_EXITED};
use super::teku::{self, TEKU, TEKU_KEYS, TEKU_PASSWORDS, TEKU_SLASHING_DIR, TEKU_TAG};
use crate::values::{init_resources, validator_resources, with_default_resources};
use ethwasm_ethereum_types::ranges_text;
use ethwasm_ethereum_types::{ConsensusClient, ValidatorClient};
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use serde_json::{json, Value};

/// The parts of a layout script that leave out keys whose exit is final (`retired.rs`):
/// its setup, the step skipping such a key, the count to check, and the step that forgets them.
pub(super) fn exit_parts(exits: bool) -> (String, String, &'static str, String) {
    if exits {
        (format!("exited={EXITED_FILE}\nleft=0\n"), SKIP_EXITED.to_string(), "$((n + left))", retired::forget_exited())
    } else {
        (String::new(), String::new(), "$n", String::new())
    }
}

/// Copies the client's keystores onto its volume and writes `validator_definitions.yml` for
/// them; fails unless exactly `count` keystores arrived. With `exits` (the client holds keys of
/// validators asked to exit), keys whose exit the `exited` init container found final are left
/// out ([`retired`](super::retired)).
pub(super) fn validators_script(count: u32, exits: bool) -> String {
    let (setup, skip, total, forget) = exit_parts(exits);
    format!(
        r#"set -eu
v={VALIDATORS_DIR}
mkdir -p "$v"
{setup}defs="$v/validator_definitions.yml"
echo '---' > "$defs.new"
n=0
for f in /keystores/*.json; do
  pk=$(basename "$f" .json)
{skip}  ks="$v/$pk/voting-keystore.json"
  mkdir -p "$v/$pk"
  rm -f "$ks"
  cp "$f" "$ks"
  chmod 600 "$ks"
  printf -- '- enabled: true\n  voting_public_key: "%s"\n  description: ""\n  type: local_keystore\n  voting_keystore_path: "%s"\n  voting_keystore_password_path: "%s"\n' "$pk" "$ks" "{PASSWORD_FILE}" >> "$defs.new"
  n=$((n + 1))
done
if [ "{total}" != {count} ]; then echo "expected {count} keystores in /keystores, found {total}" >&2; exit 1; fi
# Keys that left this client's slice leave its volume too (their history stays in the database).
for d in "$v"/0x*; do
  [ -d "$d" ] || continue
  [ -f "/keystores/$(basename "$d").json" ] || rm -rf "$d"
done
mv "$defs.new" "$defs"
chmod 600 "$defs"
{forget}echo "$n validators in $defs"
"#
    )
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
}

/// The start script of Lighthouse's validator client.
fn lighthouse_start() -> StartScript {
    StartScript {
        keys: format!("ls {VALIDATORS_DIR} | grep '^0x' | sort"),
        database: SLASHING_DB.into(),
        no_database: format!("[ ! -f {SLASHING_DB} ]"),
        init: "--init-slashing-protection",
        watch: "--enable-doppelganger-protection",
        exec: "lighthouse",
    }
}

/// Starts a validator client (its arguments follow). When the slashing protection database is
/// absent or the key set differs from the one this volume last started with (in any client: the
/// list is the keys' public keys), it passes the client's `init` flag (create the database,
/// register every key) and, with `doppelganger`, its `watch` flag, unless the `first-start` init
/// container found this to be a first start on a young chain before any of the keys signed
/// (`first_start.rs`). A moved key set always waits.
pub(super) fn run_validator_script(doppelganger: bool, s: &StartScript) -> String {
    let watch = if doppelganger { format!(" {}", s.watch) } else { String::new() };
    let init = s.init;
    format!(
        "set -eu\n\
         keys=$({keys})\n\
         known={DATA}/ethwasm-keys\n\
         decision=$(cat {DECISION_FILE} 2>/dev/null || true)\n\
         rm -f {DECISION_FILE}\n\
         extra=\"\"\n\
         if {no_database}; then\n\
         \x20 echo 'no slashing protection database at {database}: creating it (first start, a new client or a lost volume)'\n\
         \x20 if [ \"$decision\" = skip ]; then\n\
         \x20   echo 'first start before these keys signed (see the first-start init container): no doppelganger wait'\n\
         \x20   extra=\"{init}\"\n\
         \x20 else\n\
         \x20   extra=\"{init}{watch}\"\n\
         \x20 fi\n\
         elif [ \"$keys\" != \"$(cat \"$known\" 2>/dev/null || true)\" ]; then\n\
         \x20 echo 'validator keys differ from the last start on this volume: registering them'\n\
         \x20 extra=\"{init}{watch}\"\n\
         fi\n\
         printf '%s\\n' \"$keys\" > \"$known\"\n\
         exec {exec} \"$@\" $extra\n",
        keys = s.keys,
        no_database = s.no_database,
        database = s.database,
        exec = s.exec,
    )
}

/// Seconds a validator client has to stop (it flushes its slashing protection database).
const VC_GRACE_SECONDS: u32 = 60;

/// One validator client: a StatefulSet of one pod using `beacon_apis` (its signer's beacon node
/// first, the others as fallbacks).
pub(super) fn validator_set(
    ctx: &Ctx<'_>,
    client: &ValidatorClient,
    fee_recipient: &str,
    beacon_apis: &[String],
) -> Value {
    let (v, i) = (ctx.v, ctx.i);
    let vc = &v.validator;
    let name = format!("{}-validator-{}", ctx.release, client.signer);
    let group = k8s::component_labels(ctx.release, "validator", "validator");
    let labels = k8s::merge_labels(&group, &json!({ "ethwasm.io/node-set": name }));
    let kind = i.clients.signer(client.signer).validator;
    let (image, pull) = match kind {
        ConsensusClient::Lighthouse => {
            let own = vc.image.or(&v.beacon.image);
            (own.reference(LIGHTHOUSE, LIGHTHOUSE_TAG), own.pull_policy().to_string())
        }
        ConsensusClient::Teku => (v.teku.image.reference(TEKU, TEKU_TAG), v.teku.image.pull_policy().to_string()),
        ConsensusClient::Prysm => {
            let own = &v.prysm.validator_image;
            (own.reference(PRYSM_VALIDATOR, PRYSM_TAG), own.pull_policy().to_string())
        }
        ConsensusClient::Lodestar => {
            (v.lodestar.image.reference(LODESTAR, LODESTAR_TAG), v.lodestar.image.pull_policy().to_string())
        }
    };
    let pull = pull.as_str();
    let init = init_resources();
    let password = &client.password;
    let container = match kind {
        ConsensusClient::Lighthouse => validator_container(ctx, &image, pull, fee_recipient, beacon_apis),
        ConsensusClient::Teku => teku_validator_container(ctx, &image, pull, fee_recipient, beacon_apis),
        ConsensusClient::Prysm => prysm_validator_container(ctx, &image, pull, fee_recipient, beacon_apis),
        ConsensusClient::Lodestar => lodestar_validator_container(ctx, &image, pull, fee_recipient, beacon_apis),
    };
    // Keys of validators asked to exit leave the client once the exit is final.
    let exiting: Vec<u32> = i
        .validators
        .exits
        .as_ref()
        .map_or_else(Vec::new, |e| client.indices().filter(|x| e.indices.contains(x)).collect());
    let layout = match kind {
        ConsensusClient::Lighthouse => Container::new("validators", &image, pull)
            .command(["sh", "-c", &validators_script(client.held(), !exiting.is_empty())])
            .mounts([workload::mount("data", DATA), workload::read_only_mount("keystores", "/keystores")]),
        ConsensusClient::Teku => Container::new("validators", &image, pull)
            .command(["sh", "-c", &teku_validators_script(client.held(), !exiting.is_empty())])
            .mounts([
                workload::mount("data", DATA),
                workload::read_only_mount("keystores", "/keystores"),
                workload::read_only_mount("password", PASSWORD_DIR),
            ]),
        // The Prysm image has no grep or sed: the layout runs in the geth image's busybox.
        ConsensusClient::Prysm => Container::new("validators", &ctx.geth_image, v.image.pull_policy())
            .command(["sh", "-c", &prysm_validators_script(client.held(), !exiting.is_empty())])
            .mounts([workload::mount("data", DATA), workload::read_only_mount("keystores", "/keystores")]),
        ConsensusClient::Lodestar => Container::new("validators", &ctx.geth_image, v.image.pull_policy())
            .command(["sh", "-c", &lodestar_validators_script(client.held(), !exiting.is_empty())])
            .mounts([
                workload::mount("data", DATA),
                workload::read_only_mount("keystores", "/keystores"),
                workload::read_only_mount("password", PASSWORD_DIR),
            ]),
    }
    .resources(&init);
    let keystores =
        workload::projected_volume("keystores", client.keystore_secrets.iter().map(|s| workload::secret_source(s)));
    let slice = ranges_text(client.indices());
    // A client that runs only its genesis slice names it `first..end` (half-open), as before
    // validators could join, so its pods keep their template; with joined ones, ranges.
    let shown = if client.joined.is_empty() {
        format!("{}..{}", client.first, client.first + client.count)
    } else {
        slice.clone()
    };
    let holds = sha256_hex(&format!("{shown} {}", client.keystore_secrets.join(",")));
    let persistence = &vc.persistence;
    let mut pod = ctx
        .on_chain(v.annotate(Pod::new(&labels)))
        // The slice's keys are in Secrets the pod reads only at start: a new slice rolls it.
        .annotation(CONFIG_HASH_ANNOTATION, &holds)
        .annotation(VALIDATORS_ANNOTATION, &shown);
    if !exiting.is_empty() {
        pod = pod.init_container(retired::container(ctx, &exiting, beacon_apis));
    }
    let mut pod = pod.init_container(layout);
    if kind == ConsensusClient::Prysm {
        pod = pod.init_container(prysm::wallet_container(&image, pull));
    }
    // Only a persistent volume remembers a first start; an emptyDir client always waits.
    if vc.doppelganger_protection && persistence.enabled {
        pod = pod.init_container(first_start_container(ctx, client, beacon_apis));
    }
    let pod = pod
        .volumes([
            keystores,
            workload::secret_volume("password", &password.secret_name, [(password.key.as_str(), "password")]),
            workload::config_map_volume("testnet", &ctx.pos.testnet_config_map),
        ])
        .volumes(persistence.scratch_volume("data"))
        .container(container);
    let pod = match kind {
        ConsensusClient::Lighthouse => pod.placement(&with_default_resources(&vc.placement, validator_resources)),
        ConsensusClient::Teku => {
            let mut placement = vc.placement.clone();
            placement.resources = v.teku.validator_resources.clone();
            pod.volumes([teku::tmp_volume()]).placement(&placement)
        }
        ConsensusClient::Prysm => {
            let mut placement = vc.placement.clone();
            placement.resources = v.prysm.validator_resources.clone();
            pod.volumes([workload::empty_dir_volume("wallet")]).placement(&placement)
        }
        ConsensusClient::Lodestar => {
            let mut placement = vc.placement.clone();
            placement.resources = v.lodestar.validator_resources.clone();
            pod.placement(&placement)
        }
    };
    let pod = pod.termination_grace_period(VC_GRACE_SECONDS).spread(&group);
    let service = format!("{}-validator", ctx.release);
    let mut sts = workload::stateful_set(&name, &service, 1, &labels, pod, persistence.claim_template("data"));
    // The host stops a changed validator client before it starts it again, every changed one
    // first when keys move between them (`holds` changes), and otherwise rolls them in waves
    // that keep more than two thirds of the stake up (see the module docs).
    sts["metadata"]["annotations"] = json!({
        STOP_BEFORE_CHANGE_ANNOTATION: "validator-keys",
        HOLDS_ANNOTATION: holds,
        HOLDS_SET_ANNOTATION: slice,
        ROLLOUT_GROUP_ANNOTATION: "stake",
        ROLLOUT_WEIGHT_ANNOTATION: client.held().to_string(),
        ROLLOUT_BUDGET_ANNOTATION: super::finality::stake_budget(&i.validators.clients).to_string(),
    });
    sts
}

/// The validator client's container: Lighthouse's validator client behind the start script,
/// using `beacon_apis`, with fees to `fee_recipient`, probed on its metrics port when metrics are
/// on.
fn validator_container(
    ctx: &Ctx<'_>,
    image: &str,
    pull: &str,
    fee_recipient: &str,
    beacon_apis: &[String],
) -> Container {
    let v = ctx.v;
    let vc = &v.validator;
    let mut args = vec![
        "validator_client".to_string(),
        format!("--testnet-dir={TESTNET_DIR}"),
        format!("--datadir={DATA}"),
        format!("--beacon-nodes={}", beacon_apis.join(",")),
        format!("--suggested-fee-recipient={fee_recipient}"),
        "--disable-auto-discover".into(),
        format!("--debug-level={}", vc.debug_level),
    ];
    let mut ports = Vec::new();
    if v.metrics.enabled {
        args.extend(["--metrics".to_string(), "--metrics-address=0.0.0.0".into()]);
        args.push(format!("--metrics-port={}", vc.metrics_port));
        ports.push(workload::container_port("vc-metrics", vc.metrics_port, "TCP"));
    }
    let container = Container::new("validator", image, pull)
        .command([
            "sh".to_string(),
            "-c".into(),
            run_validator_script(vc.doppelganger_protection, &lighthouse_start()),
            "lighthouse".into(),
        ])
        .args(args)
        .args(vc.extra_args.iter().cloned())
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("password", PASSWORD_DIR),
        ]);
    // Its HTTP API wants a token: the metrics server is the health signal.
    metrics_probes(container, v.metrics.enabled)
}

/// Teku's layout script: the keys and their passwords where `--validator-keys` reads them.
fn teku_validators_script(count: u32, exits: bool) -> String {
    let (setup, skip, total, forget) = exit_parts(exits);
    // An exited key's files are `<pubkey>.json` and `.txt`, not Lighthouse's directory.
    let skip = skip.replace("rm -rf \"$v/$pk\"", &format!("rm -f \"$v/$pk.json\" \"{TEKU_PASSWORDS}/$pk.txt\""));
    teku::validators_script(count, &setup, &skip, total, &forget)
}

/// Prysm's layout script: the keystores where the wallet import reads them.
fn prysm_validators_script(count: u32, exits: bool) -> String {
    let (setup, skip, total, forget) = exit_parts(exits);
    // An exited key's file is `<pubkey>.json`, not Lighthouse's directory.
    let skip = skip.replace("rm -rf \"$v/$pk\"", "rm -f \"$v/$pk.json\"");
    prysm::validators_script(count, &setup, &skip, total, &forget)
}

/// The start script of Prysm's validator client (bash and coreutils only): it registers new keys
/// in its database itself.
fn prysm_start() -> StartScript {
    StartScript {
        keys: format!("for f in {PRYSM_KEYS}/*.json; do basename \"$f\" .json; done | sort"),
        database: PRYSM_DB.into(),
        no_database: format!("[ ! -f {PRYSM_DB} ]"),
        init: "",
        watch: "--enable-doppelganger",
        exec: "/validator",
    }
}

/// Prysm's validator client behind the start script, with the wallet its init container filled.
fn prysm_validator_container(
    ctx: &Ctx<'_>,
    image: &str,
    pull: &str,
    fee_recipient: &str,
    beacon_apis: &[String],
) -> Container {
    let v = ctx.v;
    let vc = &v.validator;
    let ports = if v.metrics.enabled {
        vec![workload::container_port("vc-metrics", vc.metrics_port, "TCP")]
    } else {
        Vec::new()
    };
    let container = Container::new("validator", image, pull)
        .command([
            "sh".to_string(),
            "-c".into(),
            run_validator_script(vc.doppelganger_protection, &prysm_start()),
            "validator".into(),
        ])
        .args(prysm::validator_args(ctx, fee_recipient, beacon_apis))
        .args(v.prysm.validator_extra_args.iter().cloned())
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("password", PASSWORD_DIR),
            workload::mount("wallet", prysm::PRYSM_WALLET),
        ]);
    metrics_probes(container, v.metrics.enabled)
}

/// Lodestar's layout script: each key's directory and its password file.
fn lodestar_validators_script(count: u32, exits: bool) -> String {
    let (setup, skip, total, forget) = exit_parts(exits);
    // An exited key's files: its directory, as Lighthouse's, and its password file.
    let skip = skip.replace("rm -rf \"$v/$pk\"", &format!("rm -rf \"$v/$pk\" \"{LODESTAR_SECRETS}/$pk\""));
    lodestar::validators_script(count, &setup, &skip, total, &forget)
}

/// The start script of Lodestar's validator client: it registers new keys in its database itself.
fn lodestar_start() -> StartScript {
    StartScript {
        keys: format!("ls {LODESTAR_KEYS} | grep '^0x' | sort"),
        database: LODESTAR_DB.into(),
        no_database: format!("[ ! -d {LODESTAR_DB} ]"),
        init: "",
        watch: "--doppelgangerProtection",
        exec: "node /usr/app/packages/cli/bin/lodestar",
    }
}

/// Lodestar's validator client behind the start script.
fn lodestar_validator_container(
    ctx: &Ctx<'_>,
    image: &str,
    pull: &str,
    fee_recipient: &str,
    beacon_apis: &[String],
) -> Container {
    let v = ctx.v;
    let vc = &v.validator;
    let ports = if v.metrics.enabled {
        vec![workload::container_port("vc-metrics", vc.metrics_port, "TCP")]
    } else {
        Vec::new()
    };
    let container = Container::new("validator", image, pull)
        .command([
            "sh".to_string(),
            "-c".into(),
            run_validator_script(vc.doppelganger_protection, &lodestar_start()),
            "lodestar".into(),
        ])
        .args(lodestar::validator_args(ctx, fee_recipient, beacon_apis))
        .args(v.lodestar.validator_extra_args.iter().cloned())
        .env([json!({ "name": "NODE_OPTIONS", "value": v.lodestar.validator_node_options })])
        .ports(ports)
        .mounts([workload::mount("data", DATA), workload::read_only_mount("testnet", TESTNET_DIR)]);
    metrics_probes(container, v.metrics.enabled)
}

/// The start script of Teku's validator client: it registers new keys in its database itself.
fn teku_start() -> StartScript {
    StartScript {
        keys: format!("ls {TEKU_KEYS} | sed -n 's/\\.json$//p' | sort"),
        database: TEKU_SLASHING_DIR.into(),
        no_database: format!("[ ! -d {TEKU_SLASHING_DIR} ]"),
        init: "",
        watch: "--doppelganger-detection-enabled=true",
        exec: "/opt/teku/bin/teku",
    }
}

/// Teku's validator client behind the start script.
fn teku_validator_container(
    ctx: &Ctx<'_>,
    image: &str,
    pull: &str,
    fee_recipient: &str,
    beacon_apis: &[String],
) -> Container {
    let v = ctx.v;
    let vc = &v.validator;
    let ports = if v.metrics.enabled {
        vec![workload::container_port("vc-metrics", vc.metrics_port, "TCP")]
    } else {
        Vec::new()
    };
    let container = Container::new("validator", image, pull)
        .command([
            "sh".to_string(),
            "-c".into(),
            run_validator_script(vc.doppelganger_protection, &teku_start()),
            "teku".into(),
        ])
        .args(teku::validator_args(ctx, fee_recipient, beacon_apis))
        .args(v.teku.validator_extra_args.iter().cloned())
        .env([json!({ "name": "JAVA_OPTS", "value": v.teku.validator_java_opts })])
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::mount("tmp", "/tmp"),
        ]);
    metrics_probes(container, v.metrics.enabled)
}

/// A validator client's only health signal is its metrics server.
fn metrics_probes(container: Container, metrics: bool) -> Container {
    if !metrics {
        return container;
    }
    container
        .tcp_readiness("vc-metrics")
        .startup(workload::tcp_probe("vc-metrics", 10, 30))
        .liveness(workload::tcp_probe("vc-metrics", 30, 4))
}

/// The `first-start` init container: decides whether this start may skip the doppelganger wait
/// (a first start on a young chain before any of the client's keys signed; `first_start.rs`).
fn first_start_container(ctx: &Ctx<'_>, client: &ValidatorClient, beacon_apis: &[String]) -> Container {
    let v = ctx.v;
    let init = init_resources();
    let decide = first_start::Client {
        genesis_time: ctx.pos.genesis_time,
        seconds_per_slot: ctx.pos.seconds_per_slot,
        indices: client.indices().collect(),
        beacon_apis,
    };
    Container::new("first-start", &ctx.geth_image, v.image.pull_policy())
        .command(["sh", "-c", &first_start::script(&decide)])
        .mounts([workload::mount("data", DATA)])
        .resources(&init)
}
