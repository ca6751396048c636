//! Lodestar (ChainSafe/lodestar), as a beacon node beside an execution client and as a validator
//! client.
//!
//! Every flag was read at the pinned tag's source (`packages/cli/src/options/**` and
//! `packages/cli/src/cmds/{beacon,validator}/options.ts` at v1.39.1); the evidence is in
//! docs/research/clients-prysm-lodestar.md.
//!
//! Decisions:
//!
//! - **Network files.** `--paramsFile=<config.yaml> --genesisStateFile=<genesis.ssz>`; Lodestar
//!   needs no flag to sync from genesis, and reads no deposit block.
//! - **Identity.** Lodestar reads its key as `<dataDir>/peer-id.json` (`id`, `pubKey`, `privKey`:
//!   libp2p's protobuf keys in padded base64) and rewrites it at every start, so a read-only
//!   mount will not do: the `beacon-key` init container copies the file the secrets plugin made
//!   for the pod (from the same key every client gets) onto the data volume. A file it cannot
//!   read would make it generate a new identity; the tests check the file against the one
//!   js-libp2p wrote for the same key.
//! - **Peering.** `--discv5=false`, and the peering sidecar of the Lighthouse pods with another
//!   last step: each missing peer's address, by DNS name, to
//!   `POST /eth/v1/lodestar/connect_peer` (`packages/api/src/beacon/routes/lodestar.ts`), which
//!   dials it once; the sidecar asks again every round while the peer is missing, so a lost peer
//!   is found again. `--rest.namespace=*` serves the `lodestar` routes it needs.
//! - **Memory.** `NODE_OPTIONS=--max-old-space-size`: the image sets 8192 MiB, above the
//!   container's limit, so the heap is set below it.
//! - **Validator client.** `--keystoresDir` (`0x<pubkey>/voting-keystore.json`, where Lodestar
//!   writes lock files, so on the volume) and `--secretsDir` (`0x<pubkey>`, the password), laid
//!   out by an init container. The slashing protection database is `<dataDir>/validator-db`;
//!   Lodestar registers new keys itself, so a changed key set only asks for the doppelganger wait.

use super::checkpoint::{self, SyncFrom};
use super::context::{beacon_key_container, beacon_ports, Ctx, Role};
use super::history::Interchange;
use super::launch::{ClientVc, KeyLayout, StartScript};
use super::paths::{DATA, TESTNET_DIR};
use ethwasm_plugin::workload::{self, Container};
use serde_json::json;

pub(super) const LODESTAR: &str = "chainsafe/lodestar";
/// Fulu-capable (since v1.36.0); the newest tag whose source was read.
pub(super) const LODESTAR_TAG: &str = "v1.39.1";
/// The image's entry point (`node ./packages/cli/bin/lodestar` in `/usr/app`).
const BIN: &str = "/usr/app/packages/cli/bin/lodestar";
const LODESTAR_DATADIR: &str = "/data/lodestar";
/// The validator client's data dir (its slashing protection is `validator-db` under it), keys
/// and secrets.
pub(super) const LODESTAR_VC_DATADIR: &str = "/data/lodestar-vc";
pub(super) const LODESTAR_DB: &str = "/data/lodestar-vc/validator-db";
pub(super) const LODESTAR_KEYS: &str = "/data/lodestar-keys";
pub(super) const LODESTAR_SECRETS: &str = "/data/lodestar-secrets";

/// Lodestar's `--logLevel` for a Lighthouse-style `debugLevel`.
fn log_level(level: &str) -> &'static str {
    match level {
        "trace" => "trace",
        "debug" => "debug",
        "warn" => "warn",
        "error" | "crit" => "error",
        _ => "info",
    }
}

/// Where an empty Lodestar beacon node syncs from (`checkpoint.rs`): `--checkpointSyncUrl` (the
/// finalized state from `/eth/v2/debug/beacon/states/finalized` of any client's beacon API;
/// the genesis file is then not read) with `--ignoreWeakSubjectivityCheck`, so that a chain
/// whose finality stalled for over the weak subjectivity period (256 epochs here) still lets a
/// node join. Lodestar creates `chain-db` before the download, and resumes a recent database
/// whatever the flag says, so the decision is sticky. See docs/research/checkpoint-sync-lodestar.md.
pub(super) fn sync_from() -> SyncFrom {
    SyncFrom::sticky(
        "Lodestar",
        format!("[ -d {LODESTAR_DATADIR}/chain-db ]"),
        LODESTAR_DATADIR,
        "--checkpointSyncUrl=$api --ignoreWeakSubjectivityCheck",
    )
}

/// Copies the pod's `peer-id.json` onto the data volume, where Lodestar reads and rewrites it.
pub(super) fn key_script() -> String {
    format!(
        "set -eu\nmkdir -p {LODESTAR_DATADIR}\nrm -f {LODESTAR_DATADIR}/peer-id.json\n\
         cp \"/beacon-key/$POD_NAME.peer-id.json\" {LODESTAR_DATADIR}/peer-id.json\n\
         chmod 600 {LODESTAR_DATADIR}/peer-id.json\n"
    )
}

/// The `beacon-key` init container of a Lodestar pod (the geth image's busybox).
pub(super) fn key_container(ctx: &Ctx<'_>) -> Container {
    beacon_key_container(ctx, &key_script())
}

fn metrics_args(enabled: bool, port: u16) -> Vec<String> {
    if enabled {
        vec!["--metrics".into(), "--metrics.address=0.0.0.0".into(), format!("--metrics.port={port}")]
    } else {
        Vec::new()
    }
}

/// The pair's Lodestar beacon node: the engine API of the pod's execution client, the fee
/// recipient of a signer's pair, probes on the beacon API (ready is the sidecar's synced check).
pub(super) fn beacon_container(ctx: &Ctx<'_>, engine: &str, role: &Role<'_>) -> Container {
    let (v, l) = (ctx.v, &ctx.v.lodestar);
    let b = &v.beacon;
    let p2p = b.p2p_port;
    let mut args = vec![
        "beacon".to_string(),
        format!("--dataDir={LODESTAR_DATADIR}"),
        format!("--paramsFile={TESTNET_DIR}/config.yaml"),
        format!("--genesisStateFile={TESTNET_DIR}/genesis.ssz"),
        format!("--logLevel={}", log_level(&b.debug_level)),
        format!("--execution.urls={engine}"),
        "--jwtSecret=/jwt/$(POD_NAME)".into(),
        "--rest".into(),
        "--rest.address=0.0.0.0".into(),
        format!("--rest.port={}", b.http_port),
        "--rest.namespace=*".into(),
        "--listenAddress=0.0.0.0".into(),
        format!("--port={p2p}"),
        format!("--discoveryPort={p2p}"),
        "--enr.ip=$(POD_IP)".into(),
        format!("--enr.tcp={p2p}"),
        format!("--enr.udp={p2p}"),
        "--discv5=false".into(),
    ];
    if b.supernode {
        args.push("--supernode".into());
    }
    if b.subscribe_all_subnets {
        args.push("--subscribeAllSubnets".into());
    }
    if let Role::Signer { fee_recipient } = role {
        args.push(format!("--suggestedFeeRecipient={fee_recipient}"));
    }
    args.extend(metrics_args(v.metrics.enabled, b.metrics_port));
    let ports = beacon_ports(b, false, v.metrics.enabled);
    Container::new("beacon", &l.image.reference(LODESTAR, LODESTAR_TAG), l.image.pull_policy())
        .command([
            "sh".to_string(),
            "-c".into(),
            checkpoint::client_wrapper(&format!("node {BIN}"), &sync_from()),
            "lodestar".into(),
        ])
        .args(args)
        .args(l.extra_args.iter().cloned())
        .env(workload::pod_identity_env())
        .env([json!({ "name": "NODE_OPTIONS", "value": l.node_options })])
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("jwt", "/jwt"),
        ])
        .startup(workload::http_probe("/eth/v1/node/version", "beacon-api", 10, 60))
        .liveness(workload::http_probe("/eth/v1/node/version", "beacon-api", 30, 4))
        .resources(&l.resources)
}

/// Where Lodestar's validator client reads its keys: `<pubkey>/voting-keystore.json` in
/// `--keystoresDir` (it writes lock files beside them) and the password as `<pubkey>` in
/// `--secretsDir`.
pub(super) fn key_layout() -> KeyLayout {
    KeyLayout {
        dir: LODESTAR_KEYS,
        more_dirs: format!("{LODESTAR_SECRETS} {LODESTAR_VC_DATADIR}"),
        place: format!(
            "  mkdir -p \"$v/$pk\"\n  rm -f \"$v/$pk/voting-keystore.json\" \"{LODESTAR_SECRETS}/$pk\"\n  \
             cp \"$f\" \"$v/$pk/voting-keystore.json\"\n  cp /password/password \"{LODESTAR_SECRETS}/$pk\"\n  \
             chmod 600 \"$v/$pk/voting-keystore.json\" \"{LODESTAR_SECRETS}/$pk\"\n"
        ),
        each: "0x*",
        remove: format!("rm -rf \"$v/$pk\" \"{LODESTAR_SECRETS}/$pk\""),
    }
}

/// How long Lodestar's import goes on asking the beacon APIs for the genesis (seconds, then at
/// most one more attempt of [`ATTEMPT_SECONDS`]): with the client's own start, within the
/// startup probe's 300 s.
const IMPORT_SECONDS: u32 = 120;
const ATTEMPT_SECONDS: u32 = 60;

/// Lodestar's `validator slashing-protection export|import --file` on the validator client's data
/// dir (`packages/cli/src/cmds/validator/slashingProtection/` at v1.39.1). Export reads the
/// genesis validators root from the database; import into a database without one asks the first
/// of `--beaconNodes` for `GET /eth/v1/beacon/genesis` (one URL, no retry), so it goes over
/// `beacon_apis` in turn, 10 s between rounds, for up to [`IMPORT_SECONDS`], and checks the
/// file's root against the chain's. `--file` must end in `.json`; `--logFile=none` keeps the
/// commands' log off the volume; `timeout` bounds each attempt and a process left open on its
/// database. See docs/research/slashing-interchange-lodestar.md.
fn history(beacon_apis: &[String]) -> Interchange {
    let command = format!(
        "timeout {ATTEMPT_SECONDS} node {BIN} validator slashing-protection {{}} --dataDir={LODESTAR_VC_DATADIR} \
         --paramsFile={TESTNET_DIR}/config.yaml --logFile=none"
    );
    let export = command.replace("{}", "export");
    let import = command.replace("{}", "import");
    Interchange {
        client: "lodestar",
        export: format!("{export} --file=\"$1\""),
        import: format!(
            "end=$(($(date +%s) + {IMPORT_SECONDS}))\n  \
             while :; do\n    \
             for url in {apis}; do\n      \
             if {import} --beaconNodes=\"$url\" --file=\"$1\"; then return 0; fi\n      \
             [ \"$(date +%s)\" -lt \"$end\" ] || return 1\n    \
             done\n    \
             sleep 10\n  \
             done",
            apis = beacon_apis.join(" "),
        ),
    }
}

/// Lodestar's validator client: `beacon_apis` (its own beacon node first, the others as
/// failovers), fees to `fee_recipient`; it registers new keys in its database itself.
pub(super) fn validator(ctx: &Ctx<'_>, fee_recipient: &str, beacon_apis: &[String]) -> ClientVc {
    let v = ctx.v;
    let mut args = vec![
        "validator".to_string(),
        format!("--dataDir={LODESTAR_VC_DATADIR}"),
        format!("--paramsFile={TESTNET_DIR}/config.yaml"),
        format!("--beaconNodes={}", beacon_apis.join(",")),
        format!("--keystoresDir={LODESTAR_KEYS}"),
        format!("--secretsDir={LODESTAR_SECRETS}"),
        format!("--suggestedFeeRecipient={fee_recipient}"),
        format!("--logLevel={}", log_level(&v.validator.debug_level)),
    ];
    args.extend(metrics_args(v.metrics.enabled, v.validator.metrics_port));
    ClientVc {
        start: StartScript {
            keys: format!("ls {LODESTAR_KEYS} | grep '^0x' | sort"),
            database: LODESTAR_DB.into(),
            no_database: format!("[ ! -d {LODESTAR_DB} ]"),
            init: "",
            watch: "--doppelgangerProtection",
            exec: "node /usr/app/packages/cli/bin/lodestar",
            history: history(beacon_apis),
        },
        name: "lodestar",
        args,
        extra_args: v.lodestar.validator_extra_args.clone(),
        env: vec![json!({ "name": "NODE_OPTIONS", "value": v.lodestar.validator_node_options })],
        mounts: Vec::new(),
    }
}
