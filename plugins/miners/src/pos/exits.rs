//! Submitting the voluntary exits the secrets plugin signed (`secrets.validators.exits`).
//!
//! A Job (busybox `sh`, `wget` and `sed` from the geth image) posts each `SignedVoluntaryExit`
//! to the network's beacon API (`POST /eth/v1/beacon/pool/voluntary_exits` through the
//! `<release>-beacon` Service) until the validator's status at the head
//! (`GET /eth/v1/beacon/states/head/validators/<index>`) shows the exit on chain
//! (`active_exiting`, `exited_*` or `withdrawal_*`). A beacon node refuses an exit while the
//! validator has been active for less than SHARD_COMMITTEE_PERIOD (256 epochs, about 27 hours
//! with 12 s slots) or before its exit epoch (0 here) has begun: the Job logs the refusal and
//! tries again every epoch, so exits asked for on a young chain go through once they may. The
//! Job is named after the indices, so asking for other exits makes a new Job.
//!
//! An exit is final once the validator's status at the finalized state is no longer
//! `active_ongoing` (`GET /eth/v1/beacon/states/finalized/validators/<index>`); the key leaves
//! its client at the client's first start after the validator has exited in the finalized state
//! (`retired.rs`).

use super::context::{sha256_hex, Ctx};
use crate::values::init_resources;
use ethwasm_ethereum_types::ExitsRef;
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use serde_json::Value;

/// Where the signed exits are mounted.
const EXITS_DIR: &str = "/exits";

/// The Job's script; `EXIT_RETRY_SECONDS` (default: one epoch) is for the tests.
pub(super) fn script(api: &str, epoch_seconds: u64) -> String {
    format!(
        r#"set -u
api="{api}"
wait="${{EXIT_RETRY_SECONDS:-{epoch_seconds}}}"
for f in {EXITS_DIR}/exit-*.json; do
  i=$(basename "$f" .json); i=${{i#exit-}}
  while :; do
    status=$(wget -q -O - "$api/eth/v1/beacon/states/head/validators/$i" 2>/dev/null | tr -d ' \n\r\t' \
      | sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p')
    case "$status" in
      active_exiting|exited_*|withdrawal_*) echo "validator $i: $status (the exit is on chain)"; break ;;
    esac
    if wget -q -O /dev/null --header 'Content-Type: application/json' --post-file="$f" \
        "$api/eth/v1/beacon/pool/voluntary_exits" 2>/dev/null; then
      echo "validator $i: exit accepted by the beacon node; waiting for it on chain"
    else
      echo "validator $i (${{status:-no answer}}): exit not accepted yet (a validator may exit after 256 epochs active); again in ${{wait}}s"
    fi
    sleep "$wait"
  done
done
echo "every exit is on chain; each is final once GET $api/eth/v1/beacon/states/finalized/validators/<index> no longer says active_ongoing"
"#
    )
}

/// The Job that submits `exits`.
pub(super) fn job(ctx: &Ctx<'_>, exits: &ExitsRef) -> Value {
    let list: Vec<String> = exits.indices.iter().map(u32::to_string).collect();
    let name = format!("{}-exits-{}", ctx.release, &sha256_hex(&list.join(","))[..10]);
    let api = format!(
        "http://{}-beacon.{}.svc.{}:{}",
        ctx.release, ctx.namespace, ctx.i.cluster_domain, ctx.v.beacon.http_port
    );
    let epoch_seconds = 32 * ctx.pos.seconds_per_slot;
    let labels = k8s::component_labels(ctx.release, "exits", "exits");
    let container = Container::new("exits", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &script(&api, epoch_seconds)])
        .mounts([workload::read_only_mount("exits", EXITS_DIR)])
        .resources(&init_resources());
    let files: Vec<String> = exits.indices.iter().map(|i| format!("exit-{i}.json")).collect();
    let pod = Pod::new(&labels)
        .volumes([workload::secret_volume("exits", &exits.secret, files.iter().map(|f| (f.as_str(), f.as_str())))])
        .container(container);
    workload::job(&name, 6, pod)
}
