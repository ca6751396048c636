//! Sending the deposits the secrets plugin signed for validators that join a running chain
//! (`global.topology.validators` above the genesis validators).
//!
//! A Job (busybox `sh`, `wget`, `sed` and `grep` from the geth image) goes through the
//! transactions in nonce order over JSON-RPC, through the RPC nodes' Service:
//!
//! 1. a transaction with a receipt is done (`eth_getTransactionReceipt`); status `0x1` is a
//!    deposit made, anything else fails the Job with the validator's index;
//! 2. otherwise it is sent (`eth_sendRawTransaction`); a node that already has it, or whose
//!    account nonce is past it, answers with an error, which is logged and waited out;
//! 3. then every transaction is waited for until it has a receipt, sent again every 10 slots
//!    while it has none. The deposit account's nonce past a transaction that never got a receipt
//!    means another transaction took the nonce (someone used the account's key): the Job fails
//!    and says so.
//!
//! The transactions are signed once for all (the deposit account sends nothing else, so the
//! deposit of validator `i` takes nonce `i - genesis validators`): running the Job twice, or a
//! new Job after more validators joined, never deposits twice. The beacon chain takes a deposit
//! into its pending deposits when the block that made it is processed (EIP-6110), and activates
//! the validator some epochs later; the Job ends with the command that shows each one's status.

use super::context::{sha256_hex, Ctx};
use crate::values::init_resources;
use ethwasm_ethereum_types::DepositsRef;
use ethwasm_plugin::k8s;
use ethwasm_plugin::workload::{self, Container, Pod};
use ethwasm_plugin::PluginError;
use serde_json::Value;

/// Where the deposits' Secret is mounted.
const DEPOSITS_DIR: &str = "/deposits";

/// The Job's script; `DEPOSIT_WAIT_SECONDS` (default: one slot) is for the tests.
pub(super) fn script(rpc: &str, account: &str, slot_seconds: u64) -> String {
    format!(
        r#"set -u
rpc="{rpc}"
account="{account}"
wait="${{DEPOSIT_WAIT_SECONDS:-{slot_seconds}}}"
call() {{
  wget -q -O - --header 'Content-Type: application/json' \
    --post-data "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[$2]}}" "$rpc" 2>/dev/null | tr -d ' \n\r\t'
}}
# The receipt's status of transaction $1: 0x1, 0x0, or empty while it has none.
status() {{ call eth_getTransactionReceipt "\"$1\"" | sed -n 's/.*"status":"\(0x[0-9a-f]*\)".*/\1/p'; }}
send() {{
  answer=$(call eth_sendRawTransaction "\"$3\"")
  case "$answer" in
    *'"result"'*) echo "validator $1: deposit sent ($2)" ;;
    *) echo "validator $1: deposit not taken yet: ${{answer:-no answer from $rpc}}" ;;
  esac
}}
check() {{
  case "$4" in
    0x1) return 0 ;;
    "") return 1 ;;
    *) echo "validator $1: the deposit transaction $2 failed (receipt status $4)" >&2; exit 1 ;;
  esac
}}
while read -r index hash raw; do
  check "$index" "$hash" "$raw" "$(status "$hash")" || send "$index" "$hash" "$raw"
done < {DEPOSITS_DIR}/transactions
n=0
while read -r index hash raw; do
  tries=0
  until check "$index" "$hash" "$raw" "$(status "$hash")"; do
    tries=$((tries + 1))
    if [ $((tries % 10)) = 0 ]; then
      nonce=$(call eth_getTransactionCount "\"$account\",\"latest\"" | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
      echo "validator $index: waiting for $hash (the account's nonce: ${{nonce:-unknown}})"
      send "$index" "$hash" "$raw"
    fi
    sleep "$wait"
  done
  n=$((n + 1))
  echo "validator $index: deposited ($hash)"
done < {DEPOSITS_DIR}/transactions
echo "$n deposits made; the beacon chain activates each validator some epochs later: \
GET <beacon API>/eth/v1/beacon/states/head/validators/<index> shows its status"
"#
    )
}

/// The Job that sends `deposits`, through the RPC nodes' Service.
pub(super) fn job(ctx: &Ctx<'_>, deposits: &DepositsRef) -> Result<Value, PluginError> {
    let i = ctx.i;
    if i.rpc.nodes.is_empty() {
        return Err(PluginError::InvalidValues(format!(
            "global.topology.validators: validators {} join by deposit, which a Job sends through the RPC nodes' \
             Service; set global.topology.rpcNodes to 1 or more",
            ethwasm_ethereum_types::ranges_text(deposits.indices.iter().copied())
        )));
    }
    let list = ethwasm_ethereum_types::ranges_text(deposits.indices.iter().copied());
    let name = format!("{}-deposits-{}", ctx.release, &sha256_hex(&list)[..10]);
    let rpc = format!(
        "http://{}.{}.svc.{}:{}",
        i.rpc.stateful_set, ctx.namespace, i.cluster_domain, ctx.v.rpc.service.http_port
    );
    let labels = k8s::component_labels(ctx.release, "deposits", "deposits");
    let container = Container::new("deposits", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &script(&rpc, &deposits.account, ctx.pos.seconds_per_slot)])
        .mounts([workload::read_only_mount("deposits", DEPOSITS_DIR)])
        .resources(&init_resources());
    let pod = Pod::new(&labels)
        .volumes([workload::secret_volume("deposits", &deposits.secret, [("transactions", "transactions")])])
        .container(container);
    Ok(workload::job(&name, 6, pod))
}
