#!/usr/bin/env bash
# Renders the proof-of-stake artefacts with ethwasm (plugins only) and cross-checks them with
# tests/pos/crosscheck.py (independent Python implementations), for
#   fulu,    64 validators, 2 signers, pbkdf2 keystores (the defaults)
#   electra,  5 validators, 2 signers (uneven split), scrypt keystores
#   the chart (charts/ethereum, every plugin) with genesis.consensus=pos, 3 signers, 10 validators
# plus a negative control (a tampered withdrawal key must fail the check).
#
# Run from the repository root: bash tests/pos/run.sh
#   ETHWASM        the ethwasm binary (default target/release/ethwasm)
#   ETHWASM_PLUGINS directory with secrets.wasm and genesis.wasm (default target/plugins); the
#                  chart case runs the chart's own pins (target/plugins, chart.lock)
#   POS_VENV       the venv (default target/pos-venv), reused while requirements.txt is unchanged
#   POS_OUT        where renders and logs go (default: a new temporary directory)
#   PYTHON         the interpreter that makes the venv (default python3)
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

ETHWASM=${ETHWASM:-target/release/ethwasm}
PLUGINS=${ETHWASM_PLUGINS:-target/plugins}
VENV=${POS_VENV:-target/pos-venv}
if [ -z "${POS_OUT:-}" ]; then
  OUT=$(mktemp -d)
  # A temporary output directory goes when the run passes; on failure it stays for the logs.
  trap '[ $? -eq 0 ] && rm -rf "$OUT"' EXIT
else
  OUT=$POS_OUT
fi
PYTHON=${PYTHON:-python3}
REQ=tests/pos/requirements.txt
mkdir -p "$OUT"

# SEED, GENESIS_TIME, now, since and render (the secrets and genesis plugins alone).
. tests/pos/common.sh
t_all=$(now)

for f in "$ETHWASM" "$PLUGINS/secrets.wasm" "$PLUGINS/genesis.wasm"; do
  [ -e "$f" ] || { echo "run.sh: $f is missing (build ethwasm and the plugins first)"; exit 2; }
done

# The venv: made again only when requirements.txt changed (its sha256 is kept in a stamp file).
t=$(now)
want=$(sha256sum "$REQ" | cut -d' ' -f1)
stamp="$VENV/.requirements.sha256"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== venv $VENV: installing $REQ"
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "run.sh: $PYTHON cannot make a venv (no ensurepip); install python3-venv, or set PYTHON" >&2
    exit 2
  fi
  rm -rf "$VENV"
  nice -n 10 "$PYTHON" -m venv "$VENV"
  nice -n 10 "$VENV/bin/pip" install --quiet --disable-pip-version-check --pre -r "$REQ"
  echo "$want" > "$stamp"
else
  echo "== venv $VENV: up to date"
fi
echo "   (venv: $(since "$t"))"


# The whole chart: global.consensus comes from genesis.consensus (the chart's globals).
render_chart() { # out.yaml fork validators signers [extra --set ...]
  local out=$1 fork=$2 n=$3 signers=$4
  shift 4
  nice -n 10 "$ETHWASM" render charts/ethereum --release "$RELEASE" \
    --set genesis.consensus=pos --set genesis.pos.genesisTime=$GENESIS_TIME \
    --set global.topology.validators="$n" --set global.topology.signers="$signers" \
    --set genesis.pos.fork="$fork" "$@" --seed $SEED --no-notes > "$out"
}

failed=()
# RENDER (render or render_chart) and RELEASE (the release name it renders) pick the case's render.
RENDER=render
RELEASE=ethwasm
run_case() { # name fork validators signers kdf [extra render args]
  local name=$1 fork=$2 n=$3 signers=$4 kdf=$5
  shift 5
  echo "== $name: $fork, $n validators, $signers signers, $kdf keystores ($RENDER)"
  local t yaml="$OUT/$name.yaml" log="$OUT/$name.log" status=0
  t=$(now)
  if ! "$RENDER" "$yaml" "$fork" "$n" "$signers" "$@"; then
    echo "FAIL render"
    failed+=("$name: render")
    return
  fi
  echo "   render: $(since "$t"), $(wc -c < "$yaml") bytes -> $yaml"
  t=$(now)
  nice -n 10 "$VENV/bin/python" tests/pos/crosscheck.py "$yaml" --release "$RELEASE" \
    --validators "$n" --signers "$signers" --rpc-nodes 1 --fork "$fork" --genesis-time $GENESIS_TIME \
    --seconds-per-slot 12 --kdf "$kdf" ${GENESIS_VALIDATORS:+--genesis-validators "$GENESIS_VALIDATORS"} \
    > "$log" 2>&1 || status=$?
  # Failures, section notes, the peer ids and the summary (every comparison is in the log).
  grep -v '^ok ' "$log" | sed 's/^/   /' || true
  echo "   check: $(since "$t") (full log: $log)"
  [ "$status" = 0 ] || failed+=("$name: crosscheck exit $status")
}

run_case fulu-64 fulu 64 2 pbkdf2
run_case electra-5 electra 5 2 scrypt --set secrets.validators.kdf=scrypt
RENDER=render_chart RELEASE=eth
# Created on 2026-01-01, before one scrypt served a release: its 3 generated keystores have 3 salts.
run_case chart-fulu-10 fulu 10 3 pbkdf2 --set-json 'secrets.validators.exits=[2, 7]' \
  --set secrets.accounts.generate=3 --created 1767225600
# A chain created on 2026-12-07 (its genesis funds the deposit account) that grew from 10 to 13
# validators: 10, 11, 12 join by deposit.
GENESIS_VALIDATORS=10 run_case chart-fulu-joined fulu 13 3 pbkdf2 \
  --set global.topology.genesisValidators=10 --created 1796601600 --set secrets.accounts.generate=3
RENDER=render RELEASE=ethwasm

# Negative control: one hex digit of the withdrawal key changed; the check must notice.
echo "== negative control: tampered withdrawal key"
t=$(now)
tampered="$OUT/tampered.yaml"
"$VENV/bin/python" - "$OUT/fulu-64.yaml" "$tampered" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# The key of the withdrawal account's Secret (other Secrets hold a `key:` too).
doc = re.search(r"^  name: [a-z0-9-]+-withdrawal-account$.*?(?=^---$|\Z)", text, re.M | re.S)
assert doc, "no withdrawal-account Secret"
m = re.compile(r"^  key: '?([0-9a-f]{64})'?$", re.M).search(text, doc.start(), doc.end())
assert m, "no withdrawal key line"
flipped = m.group(1)[:-1] + ("0" if m.group(1)[-1] != "0" else "1")
open(sys.argv[2], "w", encoding="utf-8").write(text[:m.start(1)] + flipped + text[m.end(1):])
EOF
if nice -n 10 "$VENV/bin/python" tests/pos/crosscheck.py "$tampered" > "$OUT/tampered.log" 2>&1; then
  echo "FAIL the tampered render passed"
  failed+=("negative control")
elif grep -q '^FAIL withdrawal_credentials' "$OUT/tampered.log"; then
  echo "   ok: rejected ($(grep -c '^FAIL' "$OUT/tampered.log") failed comparisons, e.g. withdrawal_credentials)"
else
  echo "FAIL the tampered render failed, but not on withdrawal_credentials (see $OUT/tampered.log)"
  failed+=("negative control")
fi
echo "   (negative control: $(since "$t"))"

echo "== total $(since "$t_all")"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "pos crosscheck: all cases passed"
