//! Exited validators' keys leave their clients once the exit is final.
//!
//! A validator client that holds keys of validators `secrets.validators.exits` names gets an
//! init container (`exited`, busybox `sh`, `wget` and `sed` from the geth image) that asks a
//! beacon node, its own first, for those validators in the finalized state
//! (`GET /eth/v1/beacon/states/finalized/validators?id=...`, the standard beacon API). A
//! validator whose status there is `exited_*` or `withdrawal_*` has passed its exit epoch in a
//! finalized checkpoint: nothing can undo the exit, and it has no duty left. Their public keys
//! go to [`EXITED_FILE`], and the `validators` init container leaves those keys out of the
//! client (and out of the key set the start script compares, so dropping them costs no
//! doppelganger wait). Until then, and whenever no beacon node answers, every key stays: a
//! validator that is exiting (`active_exiting`) must keep attesting until its exit epoch, and an
//! exited one's key signs nothing. The list only grows (an exit is final), so a start that finds
//! no beacon node keeps the previous answer.
//!
//! This happens when the client starts: asking for the exits restarts the clients that hold the
//! keys (their pod template changes), and the keys leave at the first start after the exit is
//! final, the next deploy that restarts the client, or a `kubectl rollout restart`.

use super::context::Ctx;
use super::paths::{DATA, VALIDATORS_DIR};
use crate::values::init_resources;
use ethwasm_plugin::workload::{self, Container};

/// The public keys (0x-hex, a line each) of this client's validators whose exit is final.
pub(super) const EXITED_FILE: &str = "/data/ethwasm-exited";

/// The `exited` init container's script for validators `indices`, asking `beacon_apis` in order.
pub(super) fn script(indices: &[u32], beacon_apis: &[String]) -> String {
    let ids: Vec<String> = indices.iter().map(u32::to_string).collect();
    let ids = ids.join(",");
    let apis = beacon_apis.join(" ");
    format!(
        r#"set -u
out={EXITED_FILE}
for api in {apis}; do
  answer=$(timeout 10 wget -q -O - "$api/eth/v1/beacon/states/finalized/validators?id={ids}" 2>/dev/null) || continue
  case "$answer" in *'"data"'*) ;; *) continue ;; esac
  printf '%s' "$answer" | tr -d ' \n\r\t' | sed 's/{{"index"/\n{{"index"/g' | while read -r entry; do
    case "$entry" in
      *'"status":"exited_'*|*'"status":"withdrawal_'*)
        printf '%s\n' "$entry" | sed -n 's/.*"pubkey":"\(0x[0-9a-f]*\)".*/\1/p' ;;
    esac
  done > "$out.new"
  cat "$out" 2>/dev/null >> "$out.new"
  sort -u "$out.new" > "$out"
  rm -f "$out.new"
  echo "exited: $(wc -l < "$out") of validators {ids} have exited in the finalized state ($api); their keys leave this client"
  exit 0
done
echo "exited: no beacon node answered for validators {ids}; keys leave only once an exit is known final ($(wc -l < "$out" 2>/dev/null || echo 0) known)"
"#
    )
}

/// The `exited` init container.
pub(super) fn container(ctx: &Ctx<'_>, indices: &[u32], beacon_apis: &[String]) -> Container {
    Container::new("exited", &ctx.geth_image, ctx.v.image.pull_policy())
        .command(["sh", "-c", &script(indices, beacon_apis)])
        .mounts([workload::mount("data", DATA)])
        .resources(&init_resources())
}

/// The part of the `validators` init container's script that leaves out the keys in
/// [`EXITED_FILE`]: run for each keystore `$f` of public key `$pk` before it is laid out.
pub(super) const SKIP_EXITED: &str = r#"  if grep -qxF "$pk" "$exited" 2>/dev/null; then
    echo "validator $pk has exited (final): its key leaves this client"
    rm -rf "$v/$pk"
    left=$((left + 1))
    continue
  fi
"#;

/// After the keys are laid out: the exited keys also leave the key set the start script compares
/// (`/data/ethwasm-keys`), so their going needs no doppelganger wait.
pub(super) fn forget_exited() -> String {
    format!(
        r#"if [ -s "$exited" ] && [ -f {DATA}/ethwasm-keys ]; then
  grep -vxF -f "$exited" {DATA}/ethwasm-keys > {VALIDATORS_DIR}/.keys || true
  mv {VALIDATORS_DIR}/.keys {DATA}/ethwasm-keys
fi
"#
    )
}
