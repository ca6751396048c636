#!/usr/bin/env bash
# The real-cluster tests (host/tests/real_cluster.rs, the `real` half of every scenario) against
# a local Kubernetes v1.28 API server: starts the kit in ../shared/k8s (or $ETHWASM_K8S_KIT) in a
# state directory of its own under target/, runs the tests with ETHWASM_TEST_KUBECONFIG set, and
# stops the cluster again, whatever the outcome. Ports differ from the kit's defaults so that a
# developer's own kit on the defaults keeps running.
set -euo pipefail
cd "$(dirname "$0")/.."
kit=${ETHWASM_K8S_KIT:-}
if [[ -z $kit ]]; then
  # Beside the checkout, as on the project's machines (the checkout may live elsewhere there).
  for k in ../shared/k8s /work/shared/k8s; do [[ -x $k/start.sh ]] && { kit=$k; break; }; done
fi
if [[ ! -x ${kit:-/nonexistent}/start.sh ]]; then
  echo "test-cluster: no Kubernetes test kit at ${kit:-../shared/k8s} (set ETHWASM_K8S_KIT to its folder)" >&2
  exit 2
fi
# `--kit`: only say where the kit is (.ci/run asks before building anything).
if [[ ${1:-} == --kit ]]; then
  echo "$kit"
  exit 0
fi
state=${ETHWASM_K8S_STATE:-$PWD/target/k8s}
export ETHWASM_K8S_PORT=${ETHWASM_K8S_PORT:-16443}
export ETHWASM_K8S_ETCD_PORT=${ETHWASM_K8S_ETCD_PORT:-12379}
export ETHWASM_K8S_ETCD_PEER_PORT=${ETHWASM_K8S_ETCD_PEER_PORT:-12380}
export ETHWASM_K8S_CM_PORT=${ETHWASM_K8S_CM_PORT:-20257}
export ETHWASM_K8S_SCHED_PORT=${ETHWASM_K8S_SCHED_PORT:-20259}
# Stop whatever happens; on failure keep the components' logs for the CI output.
cleanup() {
  local status=$?
  if [[ $status -ne 0 && -d $state/logs ]]; then
    rm -rf target/k8s-logs && cp -r "$state/logs" target/k8s-logs
    echo "test-cluster: failed; the API server's and controllers' logs are in target/k8s-logs" >&2
  fi
  "$kit/stop.sh" --clean "$state" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
started=$(date +%s)
ETHWASM_TEST_KUBECONFIG=$("$kit/start.sh" "$state" | tail -1)
export ETHWASM_TEST_KUBECONFIG
echo "test-cluster: API server up in $(( $(date +%s) - started )) s ($ETHWASM_TEST_KUBECONFIG)" >&2
# --workspace, as `make test` builds: the same features, so the same compiled dependencies
# (with -p ethwasm alone, cargo resolves features anew and builds wasmtime a second time).
cargo test --workspace --locked --test real_cluster -- --ignored "$@"
