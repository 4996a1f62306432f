#!/usr/bin/env bash
# What the stable ABI costs: the scoring and selection benchmarks against the release
# wheel (cp39-abi3) and against the same tree built for one interpreter (cp3XX), in the
# same run, interleaved A B A B so that machine load hits both alike.
#
# Both wheels are built the same way (release profile, as scripts/test-wheel.sh builds);
# only the `abi3` cargo feature differs. The pure-Python baselines of each file run in both
# venvs too: they do not touch the native module, so their ratio is the run's noise.
#
# Usage: benches/abi3_cost.sh [ROUNDS]     (default 2 rounds per wheel; ~10 minutes)
# Prints per benchmark: min and median of each build (best round) and abi3 / specific.
# ABI3_COST_PY310=1 adds a third build, abi3 with a 3.10 floor (pyo3/abi3-py310), where
# PyO3 can borrow a str's UTF-8 instead of copying it; it shows what the 3.9 floor costs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
rounds="${1:-2}"
python="${BENCH_PYTHON:-$repo/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build() {  # build FEATURE OUT
  PATH="$repo/.venv/bin:$PATH" CARGO_TARGET_DIR="$repo/target/wheel-${1//[^a-z0-9]/-}" \
    maturin build --release --locked --features "$1" \
    --interpreter "$python" --out "$2" --quiet
}
log() { printf '\n== abi3 cost: %s\n' "$*"; }

variants=(abi3 specific)
log "build the abi3 wheel and the version-specific wheel"
build abi3 "$work/abi3"
build python "$work/specific"
if [ "${ABI3_COST_PY310:-0}" = 1 ]; then
  variants+=(py310)
  build python,pyo3/abi3-py310 "$work/py310"
fi
ls "$work/abi3" "$work/specific"
ls "$work/abi3"/*-abi3-*.whl >/dev/null && ! ls "$work/specific"/*-abi3-*.whl >/dev/null 2>&1 \
  || { echo "abi3 cost: expected one abi3 and one version-specific wheel" >&2; exit 1; }

for variant in "${variants[@]}"; do
  "$python" -m venv "$work/venv-$variant"
  "$work/venv-$variant/bin/python" -m pip install --quiet --disable-pip-version-check \
    "$(ls "$work/$variant"/*.whl)" "pytest>=8" "pytest-benchmark>=4" "hypothesis>=6.100"
done

selected="test_analyze_task_native or test_analyze_task_oracle or test_score_many_list or test_score_many_numpy \
or test_score_many_oracle_baseline or test_library_warm_metrics_on or test_library_warm_metrics_off \
or test_pure_python_pipeline"
for round in $(seq "$rounds"); do
  for variant in "${variants[@]}"; do
    log "round $round: $variant"
    (cd "$work" && "$work/venv-$variant/bin/python" -m pytest -q -p no:cacheprovider -p no:randomly \
      "$repo/benches/bench_scoring.py" "$repo/benches/bench_selection.py" -k "$selected" \
      --benchmark-enable --benchmark-min-rounds=20 --benchmark-json="$work/$variant-$round.json" >/dev/null)
  done
done

"$python" - "$work" "$rounds" "${variants[@]}" <<'EOF'
import json
import sys
from pathlib import Path

work, rounds = Path(sys.argv[1]), int(sys.argv[2])
best: dict[str, dict[str, tuple[float, float]]] = {variant: {} for variant in sys.argv[3:]}
for variant in best:
    for round_ in range(1, rounds + 1):
        for bench in json.loads((work / f"{variant}-{round_}.json").read_text())["benchmarks"]:
            stats = bench["stats"]
            old = best[variant].get(bench["name"], (float("inf"), float("inf")))
            best[variant][bench["name"]] = (min(old[0], stats["min"]), min(old[1], stats["median"]))
others = [variant for variant in best if variant != "specific"]
header = "".join(f" {variant + ' / specific, min median':>34}" for variant in others)
print(f"{'benchmark':34} {'specific min / median':>24}{header}")
for name in sorted(best["specific"]):
    s = best["specific"][name]
    ratios = "".join(f" {best[v][name][0] / s[0]:26.3f} {best[v][name][1] / s[1]:7.3f}" for v in others)
    print(f"{name:34} {s[0] * 1e6:11.2f} {s[1] * 1e6:9.2f} µs{ratios}")
EOF
