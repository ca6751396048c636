//! Teku (Consensys/teku), as a beacon node beside an execution client and as a validator client.
//!
//! Every flag was read at the pinned tag's source (`teku/src/main/java/tech/pegasys/teku/cli/
//! options/*Options.java` at 26.8.0); the evidence is in docs/research/clients-teku-nimbus.md.
//!
//! Decisions:
//!
//! - **Network files.** `--network=<config.yaml> --genesis-state=<genesis.ssz>`, the files every
//!   consensus client of the pair pod reads from the testnet dir; Teku reads no
//!   `deposit_contract_block.txt`. `--ignore-weak-subjectivity-period-enabled`: like
//!   Lighthouse's `--allow-insecure-genesis-sync`, a node whose volume is new weeks after
//!   genesis still syncs from genesis.
//! - **Identity.** `--p2p-private-key-file` reads hex text of the libp2p protobuf private key,
//!   `0x08021220` and the 32 key bytes (`GeneratingFilePrivateKeySource`, jvm-libp2p
//!   `unmarshalPrivateKey`). The pod's `beacon-key` init container writes it from the same raw key
//!   Lighthouse reads, so the peer id is the one the secrets plugin computed, whichever client
//!   runs, and a node that changes client keeps it.
//! - **Peering.** `--p2p-static-peers-url`, a file with every other beacon node's multiaddr by
//!   DNS name: Teku resolves the name at every dial and redials a lost static peer for ever
//!   (3 s, growing to 120 s; `ConnectionManager.maintainPersistentConnection`), so it heals
//!   without the Lighthouse pods' sidecar. The testnet init container drops the pod's own line.
//! - **Readiness.** `GET /teku/v1/admin/readiness`: 503 unless the store is loaded, the node is
//!   not syncing and its execution client answers, the same "ready once synced" the Lighthouse
//!   pods get from their sidecar.
//! - **Running as the pod's user.** The pods run as uid 10001 with a read-only root; Teku's JVM
//!   unpacks its native libraries (BLS, KZG) into `java.io.tmpdir`, so `/tmp` is an emptyDir.
//!   `JAVA_OPTS` sets the heap: the JVM would otherwise take a quarter of the memory limit.
//! - **Validator client.** `teku validator-client` with `--validator-keys=<keys>:<passwords>`
//!   (`X.json` beside `X.txt`), copied by an init container onto the client's volume; keystore
//!   locking off, since a lock left by a killed container names a PID the next start reuses.
//!   Slashing protection is one YAML file per key under `<data-path>/validator/slashprotection`;
//!   Teku registers a new key itself, so a changed key set only asks for the doppelganger wait.

use super::checkpoint::{self, SyncFrom};
use super::context::{beacon_key_container, beacon_ports, Ctx, Role};
use super::history::{Interchange, HISTORY_DIR};
use super::launch::{ClientVc, KeyLayout, StartScript};
use super::paths::{DATA, TESTNET_DIR};
use ethwasm_plugin::workload::{self, Container};
use serde_json::{json, Value};

pub(super) const TEKU: &str = "consensys/teku";
/// Fulu-capable (since 25.11.0); the newest tag whose source was read.
pub(super) const TEKU_TAG: &str = "26.8.0";
/// The beacon node's data path and the key file it reads there.
pub(super) const TEKU_DATADIR: &str = "/data/teku";
const TEKU_KEY_FILE: &str = "/data/teku/p2p-key";
/// The static peers the testnet init container writes (without the pod's own line).
pub(super) const TEKU_PEERS_FILE: &str = "/testnet/teku-peers";
/// The validator client's data path (its slashing protection is under it), keys and passwords.
pub(super) const TEKU_VC_DATADIR: &str = "/data/teku-vc";
pub(super) const TEKU_SLASHING_DIR: &str = "/data/teku-vc/validator/slashprotection";
/// The image's executable (its entry point).
const TEKU_BIN: &str = "/opt/teku/bin/teku";
pub(super) const TEKU_KEYS: &str = "/data/validators/keys";
pub(super) const TEKU_PASSWORDS: &str = "/data/validators/passwords";

/// Teku's log level for a Lighthouse-style `debugLevel`.
pub(super) fn logging(level: &str) -> &'static str {
    match level {
        "trace" => "TRACE",
        "debug" => "DEBUG",
        "warn" => "WARN",
        "error" => "ERROR",
        "crit" => "FATAL",
        _ => "INFO",
    }
}

/// Writes the pod's libp2p key where Teku reads it: hex of the protobuf private key.
pub(super) fn key_script() -> String {
    format!(
        "set -eu\nmkdir -p {TEKU_DATADIR}\nrm -f {TEKU_KEY_FILE}\n\
         printf '0x08021220%s\\n' \"$(od -An -v -tx1 \"/beacon-key/$POD_NAME\" | tr -d ' \\n')\" > {TEKU_KEY_FILE}\n\
         chmod 600 {TEKU_KEY_FILE}\n"
    )
}

/// The `teku-peers` file: every beacon node's multiaddr, one a line (`(pod, peer id)` pairs).
pub(super) fn peers_file<'a>(ctx: &Ctx<'_>, nodes: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let port = ctx.v.beacon.p2p_port;
    nodes.into_iter().map(|(pod, id)| format!("/dns4/{}/tcp/{port}/p2p/{id}\n", ctx.host(pod))).collect()
}

/// The testnet init container's step for a Teku pod: its peers without itself.
pub(super) fn own_peers_script() -> String {
    format!("grep -v \"^/dns4/$POD_NAME\\.\" /config/teku-peers > {TEKU_PEERS_FILE} || true\n")
}

/// The `/tmp` a JVM needs on a read-only root.
pub(super) fn tmp_volume() -> Value {
    workload::empty_dir_volume("tmp")
}

/// The pair's Teku beacon node: the engine API of the pod's execution client, its static peers,
/// the fee recipient of a signer's pair, probes on the beacon API.
pub(super) fn beacon_container(ctx: &Ctx<'_>, engine: &str, role: &Role<'_>) -> Container {
    let (v, t) = (ctx.v, &ctx.v.teku);
    let b = &v.beacon;
    let image = t.image.reference(TEKU, TEKU_TAG);
    let mut args = vec![
        format!("--network={TESTNET_DIR}/config.yaml"),
        format!("--genesis-state={TESTNET_DIR}/genesis.ssz"),
        "--ignore-weak-subjectivity-period-enabled=true".to_string(),
        format!("--data-path={TEKU_DATADIR}"),
        format!("--logging={}", logging(&b.debug_level)),
        "--log-destination=CONSOLE".into(),
        format!("--ee-endpoint={engine}"),
        "--ee-jwt-secret-file=/jwt/$(POD_NAME)".into(),
        "--rest-api-enabled=true".into(),
        "--rest-api-interface=0.0.0.0".into(),
        format!("--rest-api-port={}", b.http_port),
        "--rest-api-host-allowlist=*".into(),
        "--p2p-enabled=true".into(),
        "--p2p-interface=0.0.0.0".into(),
        format!("--p2p-port={}", b.p2p_port),
        format!("--p2p-quic-port={}", b.p2p_port + 1),
        "--p2p-advertised-ip=$(POD_IP)".into(),
        format!("--p2p-private-key-file={TEKU_KEY_FILE}"),
        format!("--p2p-static-peers-url={TEKU_PEERS_FILE}"),
        "--p2p-discovery-site-local-addresses-enabled=true".into(),
    ];
    if b.supernode {
        args.push("--p2p-subscribe-all-custody-subnets-enabled=true".into());
    }
    if b.subscribe_all_subnets {
        args.push("--p2p-subscribe-all-subnets-enabled=true".into());
    }
    if let Role::Signer { fee_recipient } = role {
        args.push(format!("--validators-proposer-default-fee-recipient={fee_recipient}"));
    }
    let ports = beacon_ports(b, true, v.metrics.enabled);
    if v.metrics.enabled {
        args.extend(metrics_args(b.metrics_port));
    }
    Container::new("beacon", &image, t.image.pull_policy())
        .command(["sh".to_string(), "-c".into(), checkpoint::client_wrapper(TEKU_BIN, &sync_from()), "teku".into()])
        .args(args)
        .args(t.extra_args.iter().cloned())
        .env(workload::pod_identity_env())
        .env([json!({ "name": "JAVA_OPTS", "value": t.java_opts })])
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("jwt", "/jwt"),
            workload::mount("tmp", "/tmp"),
        ])
        // Ready once synced with its execution client; alive while its API answers.
        .http_readiness("/teku/v1/admin/readiness", "beacon-api")
        .startup(workload::http_probe("/eth/v1/node/version", "beacon-api", 10, 60))
        .liveness(workload::http_probe("/eth/v1/node/version", "beacon-api", 30, 4))
        .resources(&t.resources)
}

/// Metrics on every interface, for any Host (the default allowlist is localhost only).
fn metrics_args(port: u16) -> [String; 4] {
    [
        "--metrics-enabled=true".into(),
        "--metrics-interface=0.0.0.0".into(),
        format!("--metrics-port={port}"),
        "--metrics-host-allowlist=*".into(),
    ]
}

/// Where Teku's validator client reads its keys: `<pubkey>.json` in the keys dir, its password
/// beside it in the passwords dir as `<pubkey>.txt` (`--validator-keys`).
pub(super) fn key_layout() -> KeyLayout {
    KeyLayout {
        dir: TEKU_KEYS,
        more_dirs: format!("{TEKU_PASSWORDS} {TEKU_VC_DATADIR}"),
        place: format!(
            "  rm -f \"$v/$pk.json\" \"{TEKU_PASSWORDS}/$pk.txt\"\n  cp \"$f\" \"$v/$pk.json\"\n  \
             cp /password/password \"{TEKU_PASSWORDS}/$pk.txt\"\n  \
             chmod 600 \"$v/$pk.json\" \"{TEKU_PASSWORDS}/$pk.txt\"\n"
        ),
        each: "0x*.json",
        remove: format!("rm -f \"$v/$pk.json\" \"{TEKU_PASSWORDS}/$pk.txt\""),
    }
}

/// Teku's validator client: `beacon_apis` (its own beacon node first, the others as failovers),
/// fees to `fee_recipient`; it registers new keys in its slashing protection itself.
pub(super) fn validator(ctx: &Ctx<'_>, fee_recipient: &str, beacon_apis: &[String]) -> ClientVc {
    let v = ctx.v;
    let mut args = vec![
        "validator-client".to_string(),
        format!("--network={TESTNET_DIR}/config.yaml"),
        format!("--data-path={TEKU_VC_DATADIR}"),
        format!("--beacon-node-api-endpoint={}", beacon_apis.join(",")),
        format!("--validator-keys={TEKU_KEYS}:{TEKU_PASSWORDS}"),
        "--validators-keystore-locking-enabled=false".into(),
        format!("--validators-proposer-default-fee-recipient={fee_recipient}"),
        format!("--logging={}", logging(&v.validator.debug_level)),
        "--log-destination=CONSOLE".into(),
    ];
    if v.metrics.enabled {
        args.extend(metrics_args(v.validator.metrics_port));
    }
    ClientVc {
        start: StartScript {
            keys: format!("ls {TEKU_KEYS} | sed -n 's/\\.json$//p' | sort"),
            database: TEKU_SLASHING_DIR.into(),
            no_database: format!("[ ! -d {TEKU_SLASHING_DIR} ]"),
            init: "",
            watch: "--doppelganger-detection-enabled=true",
            exec: TEKU_BIN,
            history: history(),
        },
        name: "teku",
        args,
        extra_args: v.teku.validator_extra_args.clone(),
        env: vec![json!({ "name": "JAVA_OPTS", "value": v.teku.validator_java_opts })],
        mounts: vec![workload::mount("tmp", "/tmp")],
    }
}

/// Where an empty Teku beacon node syncs from (`checkpoint.rs`): `--checkpoint-sync-url` (the
/// finalized state from `/eth/v2/debug/beacon/states/finalized` of any client's beacon API),
/// beside the local `--genesis-state`; Teku reads it only while its database holds no chain,
/// and falls back to the genesis file when the state cannot be loaded. Teku creates `beacon/db`
/// before it stores its first state, so the decision is sticky, as Prysm's (a later start with
/// a chain ignores the flag). See docs/research/checkpoint-sync-teku.md.
pub(super) fn sync_from() -> SyncFrom {
    SyncFrom::sticky("Teku", format!("[ -d {TEKU_DATADIR}/beacon/db ]"), TEKU_DATADIR, "--checkpoint-sync-url=$api")
}

/// Teku's `slashing-protection export --to` and `import --from` on the validator client's data
/// path (`ExportCommand.java`, `ImportCommand.java`). Its import merges key by key and exits 0
/// even when a key failed, saying so on standard output (`There were <n> errors found during
/// import.`, `SlashingProtectionImporter.java`), so the output is checked. See
/// docs/research/slashing-interchange.md.
fn history() -> Interchange {
    let log = format!("{HISTORY_DIR}/teku-import.log");
    Interchange {
        client: "teku",
        export: format!("{TEKU_BIN} slashing-protection export --data-path={TEKU_VC_DATADIR} --to=\"$1\""),
        import: format!(
            "{TEKU_BIN} slashing-protection import --data-path={TEKU_VC_DATADIR} --from=\"$1\" > {log} \
             || {{ cat {log}; return 1; }}\n  \
             cat {log}\n  \
             if grep -q 'errors found during import' {log}; then return 1; fi"
        ),
    }
}

/// The `beacon-key` init container of a Teku pod.
pub(super) fn key_container(ctx: &Ctx<'_>) -> Container {
    beacon_key_container(ctx, &key_script())
}
