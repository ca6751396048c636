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
use super::first_start;
use super::history::Interchange;
use super::launch::{
    client_container, exit_parts, layout_script, metrics_probes, run_validator_script, KeyLayout, StartScript,
};
use super::lodestar::{self, LODESTAR, LODESTAR_TAG};
use super::node;
use super::paths::{
    CONFIG_HASH_ANNOTATION, DATA, HOLDS_ANNOTATION, HOLDS_SET_ANNOTATION, LIGHTHOUSE, LIGHTHOUSE_TAG, PASSWORD_DIR,
    PASSWORD_FILE, ROLLOUT_BUDGET_ANNOTATION, ROLLOUT_GROUP_ANNOTATION, ROLLOUT_WEIGHT_ANNOTATION, SLASHING_DB,
    STOP_BEFORE_CHANGE_ANNOTATION, TESTNET_DIR, VALIDATORS_ANNOTATION, VALIDATORS_DIR,
};
use super::prysm::{self, PRYSM_TAG, PRYSM_VALIDATOR};
use super::retired;
use super::teku::{self, TEKU, TEKU_TAG};
use crate::values::{init_resources, validator_resources, with_default_resources};
use ethwasm_ethereum_types::ranges_text;
use ethwasm_ethereum_types::{ConsensusClient, ValidatorClient};
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use serde_json::{json, Value};

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

/// The start script of Lighthouse's validator client.
fn lighthouse_start() -> StartScript {
    StartScript {
        keys: format!("ls {VALIDATORS_DIR} | grep '^0x' | sort"),
        database: SLASHING_DB.into(),
        no_database: format!("[ ! -f {SLASHING_DB} ]"),
        init: "--init-slashing-protection",
        watch: "--enable-doppelganger-protection",
        exec: "lighthouse",
        history: lighthouse_history(),
    }
}

/// Lighthouse's `account validator slashing-protection export|import FILE` (a positional file;
/// the genesis validators root is read from the testnet dir's genesis.ssz, so the pod unpacks it
/// there; import creates the database in `<datadir>/validators`, which the layout made). See
/// docs/research/slashing-interchange.md.
fn lighthouse_history() -> Interchange {
    let command = |verb: &str| {
        format!("lighthouse --testnet-dir={TESTNET_DIR} --datadir={DATA} account validator slashing-protection {verb} \"$1\"")
    };
    Interchange { client: "lighthouse", export: command("export"), import: command("import") }
}

/// Seconds a validator client has to stop: it flushes its slashing protection database, and the
/// start script then exports its history (`history.rs`; a JVM or Node.js start for Teku and
/// Lodestar).
const VC_GRACE_SECONDS: u32 = 120;

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
        ConsensusClient::Teku => client_container(ctx, &image, pull, teku::validator(ctx, fee_recipient, beacon_apis)),
        ConsensusClient::Prysm => {
            client_container(ctx, &image, pull, prysm::validator(ctx, fee_recipient, beacon_apis))
        }
        ConsensusClient::Lodestar => {
            client_container(ctx, &image, pull, lodestar::validator(ctx, fee_recipient, beacon_apis))
        }
    };
    // Keys of validators asked to exit leave the client once the exit is final.
    let exiting: Vec<u32> = i
        .validators
        .exits
        .as_ref()
        .map_or_else(Vec::new, |e| client.indices().filter(|x| e.indices.contains(x)).collect());
    let layout = match key_layout(kind) {
        None => Container::new("validators", &image, pull)
            .command(["sh", "-c", &validators_script(client.held(), !exiting.is_empty())])
            .mounts([workload::mount("data", DATA), workload::read_only_mount("keystores", "/keystores")]),
        // The other clients' layouts run in the geth image's busybox (Prysm's has no grep or sed).
        Some(l) => Container::new("validators", &ctx.geth_image, v.image.pull_policy())
            .command(["sh", "-c", &layout_script(&l, client.held(), !exiting.is_empty())])
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
    // Lighthouse reads the genesis validators root for its history's export and import from
    // genesis.ssz in the testnet dir (`history.rs`); the other clients need only config.yaml.
    if kind == ConsensusClient::Lighthouse {
        pod = pod.init_container(
            Container::new("testnet", &ctx.geth_image, v.image.pull_policy())
                .command(["sh", "-c", &node::unpack_testnet_script(ctx.pos)])
                .mounts(node::unpack_testnet_mounts())
                .resources(&init),
        );
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
        ])
        .volumes(match kind {
            ConsensusClient::Lighthouse => node::testnet_volumes(ctx.pos).to_vec(),
            _ => vec![workload::config_map_volume("testnet", &ctx.pos.testnet_config_map)],
        })
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
            run_validator_script(vc.doppelganger_protection, super::history::wait_window(ctx), &lighthouse_start()),
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

/// Where a client other than Lighthouse reads its keys (Lighthouse's layout also writes its
/// definitions file: [`validators_script`]).
fn key_layout(kind: ConsensusClient) -> Option<KeyLayout> {
    match kind {
        ConsensusClient::Lighthouse => None,
        ConsensusClient::Teku => Some(teku::key_layout()),
        ConsensusClient::Prysm => Some(prysm::key_layout()),
        ConsensusClient::Lodestar => Some(lodestar::key_layout()),
    }
}

/// The `first-start` init container: decides whether this start may skip the doppelganger wait
/// (a first start on a young chain before any of the client's keys signed; `first_start.rs`).
fn first_start_container(ctx: &Ctx<'_>, client: &ValidatorClient, beacon_apis: &[String]) -> Container {
    let v = ctx.v;
    let init = init_resources();
    // Each client's own database: its presence means this is no first start.
    let (database, has_database) = match ctx.i.clients.signer(client.signer).validator {
        ConsensusClient::Lighthouse => (SLASHING_DB, format!("[ -f {SLASHING_DB} ]")),
        ConsensusClient::Teku => (teku::TEKU_SLASHING_DIR, format!("[ -d {} ]", teku::TEKU_SLASHING_DIR)),
        ConsensusClient::Prysm => (prysm::PRYSM_DB, format!("[ -f {} ]", prysm::PRYSM_DB)),
        ConsensusClient::Lodestar => (lodestar::LODESTAR_DB, format!("[ -d {} ]", lodestar::LODESTAR_DB)),
    };
    let decide = first_start::Client {
        genesis_time: ctx.pos.genesis_time,
        seconds_per_slot: ctx.pos.seconds_per_slot,
        indices: client.indices().collect(),
        beacon_apis,
        database,
        has_database,
    };
    Container::new("first-start", &ctx.geth_image, v.image.pull_policy())
        .command(["sh", "-c", &first_start::script(&decide)])
        .mounts([workload::mount("data", DATA)])
        .resources(&init)
}
