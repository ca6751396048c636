#!/usr/bin/env bash
# Independent-client test: Lodestar's consensus packages (and EthereumJS as the execution client) drive the
# proof-of-stake network that ethwasm renders to finality, from the rendered artefacts alone
# (tests/lodestar/finality.mjs), and EthereumJS's VM executes the deposit transactions it signs
# (tests/lodestar/deposits.mjs); README.md beside this file says what is checked.
#   (a) fulu,    64 validators, 4 validator clients, pbkdf2 keystores, mock EL: must finalize
#   (b) control: the same render with only half of the keys signing: must NOT finalize; and with three
#       quarters signing (above the 2/3 threshold) it must finalize
#   (c) electra, 16 validators, 4 validator clients, scrypt keystores at the default N=4, EthereumJS as the EL: must finalize,
#       and the system contracts (EIP-4788, 2935, 7002, 7251) must answer
#   (d) deposits: the chart (release eth) for a chain created on 2026-12-07 that grew from 10 to 13 validators; the
#       deposit transactions ethwasm signs for validators 10, 11, 12 are executed by EthereumJS's VM on genesis.json's
#       state (tests/lodestar/deposits.mjs): every check must pass; and, as negative controls, with a byte of the first
#       transaction's signature flipped (--tamper tx), or of the BLS signature in its calldata, re-signed (--tamper
#       deposit), checks must FAIL (exit 1)
#   (e) peer ids: the mixed-clients example; every beacon node's raw key gives, through js-libp2p, the peer id
#       the peer list names, and each Lodestar pod's peer-id.json passes Lodestar's own checks
#
# Run from anywhere: bash tests/lodestar/run.sh
#   ETHWASM          the ethwasm binary (default target/release/ethwasm)
#   ETHWASM_PLUGINS  directory with secrets.wasm and genesis.wasm (default target/plugins)
#   LODESTAR_OUT     where renders and logs go (default: a new temporary directory, removed on success)
#   NODE, NPM        the node and npm commands (default node, npm)
# node_modules is installed with `npm ci` when it is missing or package-lock.json changed (a stamp file).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

ETHWASM=${ETHWASM:-target/release/ethwasm}
PLUGINS=${ETHWASM_PLUGINS:-target/plugins}
NODE=${NODE:-node}
NPM=${NPM:-npm}
DIR=tests/lodestar
if [ -z "${LODESTAR_OUT:-}" ]; then
  OUT=$(mktemp -d)
  trap '[ $? -eq 0 ] && rm -rf "$OUT"' EXIT
else
  OUT=$LODESTAR_OUT
fi
mkdir -p "$OUT"

# SEED, GENESIS_TIME, now, since and render (the secrets and genesis plugins alone).
. tests/pos/common.sh
t_all=$(now)

for f in "$ETHWASM" "$PLUGINS/secrets.wasm" "$PLUGINS/genesis.wasm"; do
  [ -e "$f" ] || { echo "run.sh: $f is missing (build ethwasm and the plugins first)"; exit 2; }
done
command -v "$NODE" >/dev/null || { echo "run.sh: $NODE not found (node >= 20 is needed)"; exit 2; }
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "run.sh: node $("$NODE" --version) is too old (>= 20 needed)"; exit 2; }

# node_modules: installed again only when package-lock.json changed (its sha256 is kept in a stamp file).
t=$(now)
want=$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1)
stamp="$DIR/node_modules/.package-lock.sha256"
if [ ! -d "$DIR/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== npm ci in $DIR"
  (cd "$DIR" && nice -n 10 "$NPM" ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
else
  echo "== $DIR/node_modules: up to date"
fi
echo "   (npm: $(since "$t"))"


failed=()
# run_case name want(finalize|no-finality) yaml [finality.mjs options]
run_case() {
  local name=$1 want=$2 yaml=$3 status=0 t
  shift 3
  local log="$OUT/$name.log"
  echo "== $name: node finality.mjs $(basename "$yaml") $*"
  t=$(now)
  "$NODE" "$DIR/finality.mjs" "$yaml" "$@" > "$log" 2>&1 || status=$?
  sed 's/^/   /' "$log"
  echo "   ($name: $(since "$t"), exit $status, log $log)"
  case "$want:$status" in
    finalize:0) ;;
    no-finality:1) echo "   ok: did not finalize, as it must not" ;;
    finalize:*) failed+=("$name: did not finalize (exit $status)") ;;
    no-finality:0) failed+=("$name: finalized with too few signers") ;;
    no-finality:*) failed+=("$name: exit $status (an error, not a clean non-finality)") ;;
  esac
}

t=$(now)
render "$OUT/fulu-64.yaml" fulu 64 4
echo "== render fulu-64: $(since "$t"), $(wc -c < "$OUT/fulu-64.yaml") bytes"
run_case fulu-64-mock finalize "$OUT/fulu-64.yaml" --el mock
run_case fulu-64-half-signing no-finality "$OUT/fulu-64.yaml" --el mock --sign-fraction 0.5
# The other side of the threshold: three quarters of the keys (more than 2/3 of the stake) still finalize.
run_case fulu-64-three-quarters-signing finalize "$OUT/fulu-64.yaml" --el mock --sign-fraction 0.75

t=$(now)
# scrypt at its default cost (N=4, the smallest @chainsafe/bls-keystore opens).
render "$OUT/electra-16.yaml" electra 16 4 --set secrets.validators.kdf=scrypt
echo "== render electra-16 (scrypt keystores, default N): $(since "$t"), $(wc -c < "$OUT/electra-16.yaml") bytes"
run_case electra-16-ethereumjs finalize "$OUT/electra-16.yaml" --el ethereumjs
if [ "${#failed[@]}" -eq 0 ] && ! grep -q 'EIP-7251 consolidation requests: eth_call fee read' "$OUT/electra-16-ethereumjs.log"; then
  failed+=("electra-16-ethereumjs: the system contract checks did not run")
fi

# run_deposits name want(pass|fail) yaml [deposits.mjs options]
run_deposits() {
  local name=$1 want=$2 yaml=$3 status=0 t
  shift 3
  local log="$OUT/$name.log"
  echo "== $name: node deposits.mjs $(basename "$yaml") $*"
  t=$(now)
  "$NODE" "$DIR/deposits.mjs" "$yaml" "$@" > "$log" 2>&1 || status=$?
  # The failures, notes and sections (every check is in the log), then the count of ok lines.
  grep -v '^ok ' "$log" | sed 's/^/   /' || true
  echo "   ($name: $(since "$t"), exit $status, $(grep -c '^ok ' "$log") ok, log $log)"
  case "$want:$status" in
    pass:0) ;;
    fail:1) echo "   ok: checks failed, as they must" ;;
    pass:*) failed+=("$name: exit $status") ;;
    fail:0) failed+=("$name: every check passed on a tampered transaction") ;;
    fail:*) failed+=("$name: exit $status (an error, not failed checks)") ;;
  esac
}

t=$(now)
# The chart as released (not the plugins alone): only chains created from 2026-12-07 fund the deposit account
# in genesis.json; the validators past genesisValidators (10, 11, 12) join by deposit.
nice -n 10 "$ETHWASM" render charts/ethereum --plugin-path "$PLUGINS" --release eth \
  --set global.topology.signers=3 --set global.topology.validators=13 --set global.topology.genesisValidators=10 \
  --created 1796601600 --seed "$(printf 'ab%.0s' {1..32})" --no-notes > "$OUT/joined-13.yaml"
echo "== render joined-13 (chart, 13 validators, 10 at genesis): $(since "$t"), $(wc -c < "$OUT/joined-13.yaml") bytes"
run_deposits deposits-joined-13 pass "$OUT/joined-13.yaml"
if ! grep -q '^ok   get_deposit_root() = hash_tree_root' "$OUT/deposits-joined-13.log"; then
  failed+=("deposits-joined-13: the deposit root check did not run")
fi
# Negative controls: a changed transaction signature, and a changed deposit signature in a validly re-signed
# transaction (the contract refuses it: its deposit_data_root no longer matches).
run_deposits deposits-tampered-tx fail "$OUT/joined-13.yaml" --tamper tx
run_deposits deposits-tampered-deposit fail "$OUT/joined-13.yaml" --tamper deposit
if ! grep -q '^FAIL tx 0 .*runTx: no exception: revert' "$OUT/deposits-tampered-deposit.log"; then
  failed+=("deposits-tampered-deposit: the deposit contract did not refuse the changed deposit")
fi

# (e) The mixed-clients example: every beacon node's identity checked with js-libp2p's own key code (the peer
# list's ids, and Lodestar's peer-id.json as Lodestar's createFromJSON reads it).
t=$(now)
nice -n 10 "$ETHWASM" render charts/ethereum --plugin-path "$PLUGINS" --release eth \
  -f charts/ethereum/examples/mixed-clients.yaml --created "$CREATED" --seed "$(printf 'cd%.0s' {1..32})" \
  --no-notes > "$OUT/mixed.yaml"
echo "== peer-ids: node peer-ids.mjs mixed.yaml (render $(since "$t"))"
status=0
"$NODE" "$DIR/peer-ids.mjs" "$OUT/mixed.yaml" > "$OUT/peer-ids.log" 2>&1 || status=$?
sed 's/^/   /' "$OUT/peer-ids.log"
[ "$status" -eq 0 ] || failed+=("peer-ids: exit $status")

echo "== total $(since "$t_all")"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "lodestar finality, deposits and peer ids: all cases passed"
