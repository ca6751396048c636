//! Prysm (OffchainLabs/prysm), as a beacon node beside an execution client and as a validator
//! client.
//!
//! Every flag was read at the pinned tag's source (`cmd/flags.go`, `cmd/beacon-chain/flags/
//! base.go`, `cmd/beacon-chain/genesis/options.go`, `cmd/validator/flags/flags.go` and
//! `config/features/flags.go` at v7.1.6); the evidence is in docs/research/clients-prysm-lodestar.md.
//!
//! Decisions:
//!
//! - **Network files.** `--chain-config-file=<config.yaml> --genesis-state=<genesis.ssz>
//!   --contract-deployment-block=0` (the deposit contract is in the genesis alloc, as
//!   `deposit_contract_block.txt` says). Prysm needs no flag to sync from genesis.
//! - **Identity.** `--p2p-priv-key` reads exactly 64 hex digits, no `0x` and no newline (the raw
//!   secp256k1 key; `beacon-chain/p2p/utils.go`). The `beacon-key` init container writes it from
//!   the raw key every beacon node gets, so the peer id is the one the secrets plugin computed.
//! - **Peering.** `--no-discovery` (without it and without bootnodes Prysm dials mainnet's), and
//!   the peering sidecar of the Lighthouse pods with another last step: it hands each missing
//!   peer's multiaddr, by DNS name, to `POST /prysm/node/trusted_peers`; Prysm redials its
//!   trusted peers every 5 s for as long as it runs, and the sidecar hands them again after a
//!   restart. A peer list in the arguments would restart every Prysm pod whenever a node is added.
//! - **Ports.** The pairs' ports, whatever the client: libp2p TCP and discovery UDP on
//!   `miners.beacon.p2pPort`, QUIC on the next, the beacon API on `httpPort`.
//! - **The image.** Debian with bash and coreutils only (no grep or sed): scripts that need more
//!   run in the geth image's busybox, in init containers.
//! - **Validator client.** An init container copies the slice's keystores onto the volume (busybox),
//!   another imports them into a wallet in an emptyDir rebuilt at every start
//!   (`validator accounts import`; the wallet password is the keystores' password, 32
//!   characters, over Prysm's minimum of 8), so a key that leaves the slice leaves the wallet.
//!   The slashing protection database, `validator.db`, stays on the volume (`--datadir`); Prysm
//!   registers new keys itself, so a changed key set only asks for the doppelganger wait.

use super::checkpoint::{self, SyncFrom};
use super::context::{beacon_key_container, beacon_ports, Ctx, Role};
use super::history::{Interchange, HISTORY_DIR};
use super::launch::{ClientVc, KeyLayout, StartScript};
use super::paths::{DATA, TESTNET_DIR};
use crate::values::init_resources;
use ethwasm_plugin::workload::{self, Container};

pub(super) const PRYSM_BEACON: &str = "gcr.io/offchainlabs/prysm/beacon-chain";
pub(super) const PRYSM_VALIDATOR: &str = "gcr.io/offchainlabs/prysm/validator";
/// Fulu-capable (since v7.0.0); the newest tag whose source was read.
pub(super) const PRYSM_TAG: &str = "v7.1.6";
const PRYSM_DATADIR: &str = "/data/prysm";
const PRYSM_KEY_FILE: &str = "/data/prysm/p2p-key";
/// The validator client's data dir (`validator.db`), the keystores it imports, and its wallet.
pub(super) const PRYSM_VC_DATADIR: &str = "/data/prysm-vc";
pub(super) const PRYSM_DB: &str = "/data/prysm-vc/validator.db";
pub(super) const PRYSM_KEYS: &str = "/data/prysm-keys";
pub(super) const PRYSM_WALLET: &str = "/wallet";

/// Prysm's `--verbosity` for a Lighthouse-style `debugLevel`.
fn verbosity(level: &str) -> &'static str {
    match level {
        "trace" => "trace",
        "debug" => "debug",
        "warn" => "warn",
        "error" => "error",
        "crit" => "fatal",
        _ => "info",
    }
}

/// Writes the pod's libp2p key where Prysm reads it: 64 hex digits, no newline.
pub(super) fn key_script() -> String {
    format!(
        "set -eu\nmkdir -p {PRYSM_DATADIR}\nrm -f {PRYSM_KEY_FILE}\n\
         printf '%s' \"$(od -An -v -tx1 \"/beacon-key/$POD_NAME\" | tr -d ' \\n')\" > {PRYSM_KEY_FILE}\n\
         chmod 600 {PRYSM_KEY_FILE}\n"
    )
}

/// The `beacon-key` init container of a Prysm pod (the geth image's busybox).
pub(super) fn key_container(ctx: &Ctx<'_>) -> Container {
    beacon_key_container(ctx, &key_script())
}

/// The pair's Prysm beacon node: the engine API of the pod's execution client, the fee recipient
/// of a signer's pair, probes on the beacon API (readiness is the sidecar's synced check).
pub(super) fn beacon_container(ctx: &Ctx<'_>, engine: &str, role: &Role<'_>) -> Container {
    let (v, p) = (ctx.v, &ctx.v.prysm);
    let b = &v.beacon;
    let mut args = vec![
        "--accept-terms-of-use=true".to_string(),
        format!("--datadir={PRYSM_DATADIR}"),
        format!("--chain-config-file={TESTNET_DIR}/config.yaml"),
        format!("--genesis-state={TESTNET_DIR}/genesis.ssz"),
        "--contract-deployment-block=0".into(),
        format!("--verbosity={}", verbosity(&b.debug_level)),
        format!("--execution-endpoint={engine}"),
        "--jwt-secret=/jwt/$(POD_NAME)".into(),
        "--http-host=0.0.0.0".into(),
        format!("--http-port={}", b.http_port),
        "--p2p-local-ip=0.0.0.0".into(),
        "--p2p-host-ip=$(POD_IP)".into(),
        format!("--p2p-tcp-port={}", b.p2p_port),
        format!("--p2p-udp-port={}", b.p2p_port),
        format!("--p2p-quic-port={}", b.p2p_port + 1),
        format!("--p2p-priv-key={PRYSM_KEY_FILE}"),
        "--no-discovery".into(),
        "--min-sync-peers=0".into(),
    ];
    if b.supernode {
        args.push("--supernode".into());
    }
    if b.subscribe_all_subnets {
        args.push("--subscribe-all-subnets".into());
    }
    if let Role::Signer { fee_recipient } = role {
        args.push(format!("--suggested-fee-recipient={fee_recipient}"));
    }
    let ports = beacon_ports(b, true, v.metrics.enabled);
    args.extend(monitoring_args(v.metrics.enabled, b.metrics_port));
    Container::new("beacon", &p.beacon_image.reference(PRYSM_BEACON, PRYSM_TAG), p.beacon_image.pull_policy())
        .command([
            "sh".to_string(),
            "-c".into(),
            checkpoint::client_wrapper("/beacon-chain", &sync_from()),
            "beacon-chain".into(),
        ])
        .args(args)
        .args(p.extra_args.iter().cloned())
        .env(workload::pod_identity_env())
        .ports(ports)
        .mounts([
            workload::mount("data", DATA),
            workload::read_only_mount("testnet", TESTNET_DIR),
            workload::read_only_mount("jwt", "/jwt"),
        ])
        // Alive while its API answers; ready is the peering sidecar's synced check.
        .startup(workload::http_probe("/eth/v1/node/version", "beacon-api", 10, 60))
        .liveness(workload::http_probe("/eth/v1/node/version", "beacon-api", 30, 4))
        .resources(&p.resources)
}

/// Where an empty Prysm beacon node syncs from (`checkpoint.rs`): `--checkpoint-sync-url` (the
/// finalized state and its block from any client's beacon API; the local `--genesis-state`
/// stays the genesis), and `--min-sync-peers=1` after the pod's `--min-sync-peers=0` (Go's flag
/// parsing keeps the last): with 0 Prysm skips initial sync, which is what closes the gap from
/// the checkpoint to the head (`initial-sync/service.go`). Prysm creates its database before the
/// download and does not ignore the flag on a database synced from genesis, so the decision is
/// sticky: it stays until a start
/// has the checkpoint (then Prysm ignores the flag: "Origin checkpoint found in the database"),
/// and is never made for a database without one. See docs/research/checkpoint-sync-prysm.md.
pub(super) fn sync_from() -> SyncFrom {
    SyncFrom::sticky(
        "Prysm",
        format!("[ -f {PRYSM_DATADIR}/beaconchaindata/beaconchain.db ]"),
        PRYSM_DATADIR,
        "--checkpoint-sync-url=$api --min-sync-peers=1",
    )
}

/// Prometheus metrics (and `/healthz`) on every interface, or none.
fn monitoring_args(enabled: bool, port: u16) -> Vec<String> {
    if enabled {
        vec!["--monitoring-host=0.0.0.0".into(), format!("--monitoring-port={port}")]
    } else {
        vec!["--disable-monitoring".into()]
    }
}

/// Where the wallet import reads the keys: `<pubkey>.json` in the keys dir.
pub(super) fn key_layout() -> KeyLayout {
    KeyLayout {
        dir: PRYSM_KEYS,
        more_dirs: PRYSM_VC_DATADIR.into(),
        place: "  rm -f \"$v/$pk.json\"\n  cp \"$f\" \"$v/$pk.json\"\n  chmod 600 \"$v/$pk.json\"\n".into(),
        each: "0x*.json",
        remove: "rm -f \"$v/$pk.json\"".into(),
    }
}

/// The init container that imports the keys into the wallet (the validator image, no shell).
pub(super) fn wallet_container(image: &str, pull: &str) -> Container {
    Container::new("wallet", image, pull)
        .command(["/validator"])
        .args([
            "accounts".to_string(),
            "import".into(),
            "--accept-terms-of-use=true".into(),
            format!("--wallet-dir={PRYSM_WALLET}"),
            format!("--keys-dir={PRYSM_KEYS}"),
            "--wallet-password-file=/password/password".into(),
            "--account-password-file=/password/password".into(),
        ])
        .mounts([
            workload::mount("data", DATA),
            workload::mount("wallet", PRYSM_WALLET),
            workload::read_only_mount("password", "/password"),
        ])
        .resources(&init_resources())
}

/// Prysm's `slashing-protection-history export` and `import` on the validator client's datadir
/// (`cmd/validator/slashing-protection/{export,import}.go` at v7.1.6). Neither creates
/// `validator.db`: import looks for an existing file, so an empty one is made first (bbolt turns
/// a zero-byte file into a new database). A flag or prompt error exits 0, so export is judged by
/// its file and import by its `successfully imported` line. Export reads the genesis validators
/// root from the database and fails before the client reached chain start; import stores the
/// file's. See docs/research/slashing-interchange-prysm.md.
fn history() -> Interchange {
    let (dir, log) = (format!("{HISTORY_DIR}/prysm-export"), format!("{HISTORY_DIR}/prysm-import.log"));
    let command = "/validator slashing-protection-history";
    let datadir = format!("--accept-terms-of-use --datadir={PRYSM_VC_DATADIR}");
    Interchange {
        client: "prysm",
        export: format!(
            "rm -rf {dir}\n    \
             {command} export {datadir} --slashing-protection-export-dir={dir} || return 1\n    \
             [ -s {dir}/slashing_protection.json ] && mv {dir}/slashing_protection.json \"$1\""
        ),
        import: format!(
            "mkdir -p {PRYSM_VC_DATADIR}\n  \
             [ -f {PRYSM_DB} ] || touch {PRYSM_DB}\n  \
             {command} import {datadir} --slashing-protection-json-file=\"$1\" > {log} 2>&1 \
             || {{ cat {log}; return 1; }}\n  \
             cat {log}\n  \
             case \"$(cat {log})\" in *'successfully imported'*) ;; *) return 1 ;; esac"
        ),
    }
}

/// Prysm's validator client: `beacon_apis` over the standard REST API (its own beacon node
/// first; Prysm fails over to the others), fees to `fee_recipient`, the wallet its init container
/// filled; it registers new keys in `validator.db` itself. Its start script runs in bash with
/// coreutils only.
pub(super) fn validator(ctx: &Ctx<'_>, fee_recipient: &str, beacon_apis: &[String]) -> ClientVc {
    let v = ctx.v;
    let mut args = vec![
        "--accept-terms-of-use=true".to_string(),
        format!("--datadir={PRYSM_VC_DATADIR}"),
        format!("--chain-config-file={TESTNET_DIR}/config.yaml"),
        format!("--wallet-dir={PRYSM_WALLET}"),
        "--wallet-password-file=/password/password".into(),
        format!("--beacon-rest-api-provider={}", beacon_apis.join(",")),
        "--enable-beacon-rest-api".into(),
        format!("--suggested-fee-recipient={fee_recipient}"),
        format!("--verbosity={}", verbosity(&v.validator.debug_level)),
    ];
    args.extend(monitoring_args(v.metrics.enabled, v.validator.metrics_port));
    ClientVc {
        start: StartScript {
            keys: format!("for f in {PRYSM_KEYS}/*.json; do basename \"$f\" .json; done | sort"),
            database: PRYSM_DB.into(),
            no_database: format!("[ ! -f {PRYSM_DB} ]"),
            init: "",
            watch: "--enable-doppelganger",
            exec: "/validator",
            history: history(),
        },
        name: "validator",
        args,
        extra_args: v.prysm.validator_extra_args.clone(),
        env: Vec::new(),
        mounts: vec![workload::read_only_mount("password", "/password"), workload::mount("wallet", PRYSM_WALLET)],
    }
}
