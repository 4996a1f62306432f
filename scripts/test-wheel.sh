#!/usr/bin/env bash
# The release artefacts, tested the way a user installs them.
#
# 1. Builds the sdist and, from it, the one stable-ABI wheel (cp39-abi3), once, and
#    checks with auditwheel that its manylinux tag is the one its symbols allow. The
#    system linker is used, not zig: zig links its own unwinder into the module, and a
#    thread that CPython ends with pthread_exit (a daemon thread at interpreter exit)
#    then crashes while unwinding through the Rust frames. So the tag follows the build
#    machine's glibc (manylinux_2_34 on Debian 12).
# 2. For every CPython 3.9 ... 3.13 present (pyenv's versions, else pythonX.Y on PATH):
#    a fresh venv with no Rust toolchain on PATH installs the wheel FILE (binary
#    packages only, so nothing is compiled) and runs scripts/wheel-smoke.py.
# 3. On the oldest and the newest of them, the wheel with the extras scripts/test.sh
#    gives .venv (WHEEL_TEST_EXTRAS) and the whole pytest suite against it.
#
# Usage: scripts/test-wheel.sh            (from anywhere; needs .venv from scripts/test.sh)
# Env:   WHEEL_TEST_PYTHONS="3.9 3.13"   versions to try (default 3.9 3.10 3.11 3.12 3.13)
#        WHEEL_TEST_FULL_SUITE=0          smoke tests only
#        WHEEL_TEST_EXTRAS                extras for the full suite (default test,test-integrations)
#        CLAUDE_PM_SHARED_DIR             where the deployment guide lives (as for pytest)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

log() { printf '\n== wheel: %s\n' "$*"; }

versions=(${WHEEL_TEST_PYTHONS:-3.9 3.10 3.11 3.12 3.13})
shared_dir="${CLAUDE_PM_SHARED_DIR:-$repo/../shared}"
guide="$shared_dir/spec/prompt-optimization-deployment-guide.md"
[ -f "$guide" ] || { echo "wheel test: deployment guide not found at $guide (set CLAUDE_PM_SHARED_DIR)" >&2; exit 1; }

dist="$repo/dist/wheel-test"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$dist"

log "build the sdist, then the wheel from the sdist (maturin)"
# Its own target directory: the release profile (fat LTO) would otherwise evict the
# editable debug build that .venv uses, and a second run reuses this one.
PATH="$repo/.venv/bin:$PATH" CARGO_TARGET_DIR="$repo/target/wheel" \
  timeout 1800 maturin build --release --locked --sdist --out "$dist" --quiet
shopt -s nullglob
wheels=("$dist"/claude_pm-*-cp39-abi3-*.whl)
sdists=("$dist"/claude_pm-*.tar.gz)
shopt -u nullglob
[ ${#wheels[@]} -eq 1 ] || { echo "wheel test: expected one cp39-abi3 wheel in $dist, found: $(ls "$dist")" >&2; exit 1; }
[ ${#sdists[@]} -eq 1 ] || { echo "wheel test: expected one sdist in $dist, found: $(ls "$dist")" >&2; exit 1; }
wheel="${wheels[0]}"
echo "built $(basename "$wheel") and $(basename "${sdists[0]}")"
audit="$("$repo/.venv/bin/auditwheel" show "$wheel")"
echo "$audit"
platform="$(basename "$wheel" .whl)"
platform="${platform##*-}"
platform="${platform##*.}"   # the most specific of the tags, manylinux_2_X_ARCH
[[ "$platform" == manylinux_* ]] || { echo "wheel test: $(basename "$wheel") has no manylinux tag" >&2; exit 1; }
grep -q "\"$platform\"" <<<"$audit" \
  || { echo "wheel test: auditwheel does not find $(basename "$wheel") $platform compliant" >&2; exit 1; }

# PATH without any Rust toolchain (rustup's and cargo's directories), so an install
# that tried to compile the native module would fail instead of quietly succeeding.
no_rust_path="$(tr ':' '\n' <<<"$PATH" | grep -v -e cargo -e rustup -e '/\.venv/' | paste -sd: -)"

find_python() {
  local version="$1" candidate
  for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".* 2>/dev/null | sort -V -r); do
    [ -x "$candidate/bin/python$version" ] && { echo "$candidate/bin/python$version"; return; }
  done
  command -v "python$version" 2>/dev/null || true
}

found=()
for version in "${versions[@]}"; do
  python="$(find_python "$version")"
  if [ -z "$python" ]; then
    echo "wheel test: CPython $version not present on this machine, not tested"
    continue
  fi
  found+=("$version=$python")
done
[ ${#found[@]} -gt 0 ] || { echo "wheel test: none of CPython ${versions[*]} is present" >&2; exit 1; }
oldest="${found[0]%%=*}"
newest="${found[${#found[@]}-1]%%=*}"

for entry in "${found[@]}"; do
  version="${entry%%=*}"
  python="${entry#*=}"
  venv="$work/venv-$version"
  full=0
  if [ "${WHEEL_TEST_FULL_SUITE:-1}" = 1 ] && { [ "$version" = "$oldest" ] || [ "$version" = "$newest" ]; }; then
    full=1
  fi
  log "CPython $version ($python): fresh venv, no Rust on PATH, install the wheel file"
  (
    export PATH="$venv/bin:$no_rust_path"
    unset CARGO_HOME RUSTUP_HOME VIRTUAL_ENV PYTHONPATH
    if command -v cargo >/dev/null || command -v rustc >/dev/null; then
      echo "wheel test: a Rust toolchain is still on PATH: $(command -v cargo rustc)" >&2
      exit 1
    fi
    "$python" -m venv "$venv"
    python -m pip install --quiet --disable-pip-version-check --upgrade pip
    target="$wheel"
    [ "$full" = 1 ] && target="$wheel[${WHEEL_TEST_EXTRAS:-test,test-integrations}]"
    python -m pip install --quiet --disable-pip-version-check --only-binary=:all: "$target"
    # From outside the source tree, so only the installed package can be imported.
    (cd "$work" && python "$repo/scripts/wheel-smoke.py" "$guide")
    if [ "$full" = 1 ]; then
      log "CPython $version: the full pytest suite against the installed wheel"
      CLAUDE_PM_SHARED_DIR="$shared_dir" timeout 1200 python -m pytest -q -p no:cacheprovider "$repo/tests"
    fi
  )
done
log "passed on CPython ${found[*]%%=*}"
