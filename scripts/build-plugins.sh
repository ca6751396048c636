#!/usr/bin/env bash
# Builds plugin crates into WebAssembly components.
#
#   scripts/build-plugins.sh              every plugin of this repository:
#       chart plugins     -> target/plugins/<name>.wasm
#       examples          -> target/examples/<name>.wasm (Rust, Python via componentize-py, JavaScript
#                            via componentize-js)
#       test plugins      -> target/test-plugins/<name>.wasm
#   scripts/build-plugins.sh --crate DIR  one standalone plugin crate (e.g. from
#       `ethwasm plugin new`)   -> target/custom/<name>.wasm
#
# Route: rustup's wasm32-wasip2 target when it is installed; otherwise Debian's rustc-web with
# build-std (shared/TOOLCHAIN.md), installing its packages when run as root.
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."
root=$PWD

# crate directories, by where their component goes. Plugins are listed here and nowhere else.
PLUGINS=(plugins/secrets plugins/genesis plugins/bootnode plugins/miners plugins/ethstats plugins/dora plugins/faucet plugins/monitoring plugins/blockscout)
EXAMPLES=(examples/servicemonitor)
PY_EXAMPLES=(examples/quota-py:quota)
JS_EXAMPLES=(examples/spamoor-js:spamoor)
TEST_PLUGINS=(plugins/testing/misbehave plugins/testing/wrong-wit plugins/testing/legacy-v1 plugins/testing/legacy-v2)
WASI_TEST_PLUGINS=(plugins/testing/wasi-probe)
COMPONENTIZE_PY=componentize-py==0.25.1

crate_dir=""
if [ "${1:-}" = "--crate" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 [--crate DIR]" >&2; exit 2; }
  # Relative to where the script was called from, not the checkout it cds into.
  crate_dir=$(cd "$caller" && cd "$2" && pwd)
fi

pkg_of() { sed -n 's/^name = "\(.*\)"/\1/p' "$1/Cargo.toml" | head -n1; }
packages() { local d; for d in "$@"; do printf -- '-p %s ' "$(pkg_of "$d")"; done; }
comp_of() { local p; p=$(pkg_of "$1"); echo "${p#ethwasm-plugin-}"; }

export CARGO_TARGET_DIR="$root/target/wasm"
# wasm SIMD (on by default in wasmtime) makes scrypt's salsa20 core about 2.5x faster.
simd="-Ctarget-feature=+simd128"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$simd" CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="$simd"
profile=(--config "$root/plugins/build/profile.toml")

if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  route=rustup
  cargo_cmd=(cargo)
  main_target=wasm32-wasip2
else
  route=debian
  need=()
  /usr/bin/rustc -V >/dev/null 2>&1 || need+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
  [ -x /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld ] || need+=(rust-web-llvm)
  command -v lld-22 >/dev/null || [ -x /usr/lib/llvm-22/bin/lld ] || need+=(lld-22)
  [ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "build-plugins: installing ${need[*]} (Debian route)" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    else
      echo "build-plugins: no rustup wasm32-wasip2 target and missing Debian packages." >&2
      echo "  either: rustup target add wasm32-wasip2" >&2
      echo "  or:     sudo apt-get install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc" >&2
      exit 1
    fi
  fi
  ver=$(/usr/bin/rustc -V | awk '{print $2}')
  if [ ! -d "/usr/src/rustc-$ver" ]; then
    echo "build-plugins: /usr/bin/rustc is $ver but /usr/src/rustc-$ver is missing; reinstall rust-web-src to match" >&2
    exit 1
  fi
  # Debian's rustc 1.96 with its matching library source builds std for wasm32 (-Zbuild-std,
  # allowed by RUSTC_BOOTSTRAP=1 in cargo's environment); wasm-component-ld links a cdylib
  # straight into a component; trim-paths keeps checkout paths out of the component, so its
  # sha256 does not depend on where the repository lives.
  component_ld=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld
  export RUSTC_BOOTSTRAP=1 CARGO_BUILD_RUSTC=/usr/bin/rustc CARGO_BUILD_RUSTDOC=/usr/bin/rustdoc \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=$component_ld CARGO_TARGET_WASM32_WASIP2_LINKER=$component_ld \
    CARGO_PROFILE_RELEASE_TRIM_PATHS=all
  cargo_cmd=(/usr/bin/cargo -Zbuild-std=std,panic_abort -Ztrim-paths)
  main_target=wasm32-unknown-unknown
  unset RUSTC RUSTDOC RUSTFLAGS RUSTC_WRAPPER CARGO_ENCODED_RUSTFLAGS
fi
echo "build-plugins: $route route" >&2

copy() { # crate-dir target-triple dest-dir
  local crate; crate=$(pkg_of "$1" | tr - _)
  install -D -m 0644 "$CARGO_TARGET_DIR/$2/release/$crate.wasm" "$3/$(comp_of "$1").wasm"
}

if [ -n "$crate_dir" ]; then
  "${cargo_cmd[@]}" build --release "${profile[@]}" --target "$main_target" --manifest-path "$crate_dir/Cargo.toml"
  copy "$crate_dir" "$main_target" target/custom
  echo "target/custom/$(comp_of "$crate_dir").wasm"
  exit 0
fi

# shellcheck disable=SC2046
"${cargo_cmd[@]}" build --release --locked "${profile[@]}" --target "$main_target" \
  $(packages "${PLUGINS[@]}" "${EXAMPLES[@]}" "${TEST_PLUGINS[@]}")
# wasm32-wasip2 links against wasi-libc; on the Debian route that is the wasi-libc package.
wasi_flags=""
[ "$route" = debian ] && wasi_flags="-L native=/usr/lib/wasm32-wasi -Clink-self-contained=no"
# shellcheck disable=SC2046
CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="$wasi_flags $simd" \
  "${cargo_cmd[@]}" build --release --locked "${profile[@]}" --target wasm32-wasip2 $(packages "${WASI_TEST_PLUGINS[@]}")

for d in "${PLUGINS[@]}"; do copy "$d" "$main_target" target/plugins; done
for d in "${EXAMPLES[@]}"; do copy "$d" "$main_target" target/examples; done
for d in "${TEST_PLUGINS[@]}"; do copy "$d" "$main_target" target/test-plugins; done
for d in "${WASI_TEST_PLUGINS[@]}"; do copy "$d" wasm32-wasip2 target/test-plugins; done

# Python examples: componentize-py (PyPI) bundles CPython into a component that imports WASI.
# It is run through python3 itself, so a fresh pip install needs no PATH or shim refresh.
componentize_py() {
  python3 -c 'import sys; from componentize_py import script; sys.argv[0] = "componentize-py"; sys.exit(script())' "$@"
}
if [ ${#PY_EXAMPLES[@]} -gt 0 ]; then
  have=$(python3 -c 'import importlib.metadata as m; print(m.version("componentize-py"))' 2>/dev/null || true)
  if [ "$have" != "${COMPONENTIZE_PY#*==}" ]; then
    echo "build-plugins: installing $COMPONENTIZE_PY" >&2
    python3 -m pip install --quiet --disable-pip-version-check "$COMPONENTIZE_PY" >&2
  fi
  for e in "${PY_EXAMPLES[@]}"; do
    dir=${e%%:*} name=${e#*:}
    out="$root/target/examples/$name.wasm"
    if [ ! -f "$out" ] || [ "$dir/app.py" -nt "$out" ] || [ wit/0.1.0/plugin.wit -nt "$out" ]; then
      (cd "$dir" && componentize_py -d "$root/wit/0.1.0" -w plugin-world componentize app -o "$out" >&2)
    fi
  done
fi
# JavaScript examples: componentize-js (npm, pinned in each example's package-lock.json) bundles
# the StarlingMonkey engine; the sandbox gives no wasi:http, so `http` and `fetch-event` go.
for e in "${JS_EXAMPLES[@]}"; do
  dir=${e%%:*} name=${e#*:}
  out="$root/target/examples/$name.wasm"
  stale=no
  [ -f "$out" ] || stale=yes
  for f in "$dir"/src/*.js "$dir/package-lock.json" wit/0.2.0/plugin.wit; do
    [ "$f" -nt "$out" ] && stale=yes
  done
  if [ "$stale" = yes ]; then
    if ! command -v npm >/dev/null; then
      # The chart needs none of the examples; the tests (and CI) need this one.
      [ "${CI:-}" = true ] && { echo "build-plugins: $dir needs node and npm (apt install nodejs npm)" >&2; exit 1; }
      echo "build-plugins: skipping $dir: no npm here (node and npm build it; the tests need it)" >&2
      continue
    fi
    (
      cd "$dir"
      [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund >&2
      npx --no-install componentize-js "src/$name.js" --wit "$root/wit/0.2.0" --world-name plugin-world \
        -d random clocks http fetch-event -o "$out" >&2
    )
  fi
done
ls -l target/plugins target/examples target/test-plugins >&2
