# Shared by tests/pos/run.sh and tests/lodestar/run.sh (sourced): the fixed seed and genesis
# time of their renders, timing helpers, and the render of the proof-of-stake artefacts alone
# (secrets + genesis plugins). Needs ETHWASM and PLUGINS set.
SEED=0101010101010101010101010101010101010101010101010101010101010101
GENESIS_TIME=1767225600
# When the release was created: fixed, like the seed, so that no render changes with the day it runs
# (2026-12-07, the first creation time with today's defaults).
CREATED=1796601600

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

render() { # out.yaml fork validators signers [extra --set ...]
  local out=$1 fork=$2 n=$3 signers=$4
  shift 4
  nice -n 10 "$ETHWASM" render --plugins "$PLUGINS/secrets.wasm" --plugins "$PLUGINS/genesis.wasm" \
    --set global.consensus=pos --set genesis.consensus=pos --set genesis.pos.genesisTime=$GENESIS_TIME \
    --set global.topology.validators="$n" --set global.topology.signers="$signers" \
    --set genesis.pos.fork="$fork" --created "$CREATED" "$@" --seed $SEED --no-notes > "$out"
}
