"""A real Prometheus server scrapes a process running the exporter; the dashboard's queries answer.

The exporter process performs the same batch of selections through the agent loader
twice (a warm-up that creates every series, then the measured batch), and Prometheus
scrapes it every second. The
dashboard's rate() queries then see exactly one batch between their first and last sample.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "claude-pm-dashboard.json"
DEADLINE_SECONDS = 50

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None and os.environ.get("CI") != "true",
    reason="Prometheus server not installed (scripts/install-system-deps.sh installs it; CI requires it)",
)

# (agent, task) of each selection in one batch: two agents, all three levels.
BATCH = (
    ("engineer", "List files"),
    ("engineer", "List files"),
    ("engineer", "Refactor system"),
    ("qa", "Implement feature"),
)

_EXPORTER = textwrap.dedent(
    """
    import json
    import sys
    import threading

    from claude_pm import metrics
    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info

    BATCH = {batch!r}
    lock = threading.Lock()
    scrape = metrics.ClaudePMCollector.collect
    # A scrape never sees half a batch, so rate() windows hold whole batches.
    metrics.ClaudePMCollector.collect = lambda self: iter(_locked(scrape, self))


    def _locked(function, *args):
        with lock:
            return list(function(*args))


    def select_batch():
        for agent, task in BATCH:
            _, model, config = get_agent_prompt_with_model_info(agent, task_description=task)
            yield agent, model, config["complexity_level"], config["token_reduction_percentage"]


    server = metrics.start_metrics_server(0)
    print(server.server_port, flush=True)
    for line in sys.stdin:
        print(json.dumps(_locked(select_batch)), flush=True)
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def exporter() -> Iterator[tuple[subprocess.Popen, int]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _EXPORTER.format(batch=BATCH)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield process, port
    finally:
        if process.stdin is not None:
            process.stdin.close()
        _stop(process)


@pytest.fixture
def prometheus(tmp_path, exporter) -> Iterator[str]:
    _, exporter_port = exporter
    config = tmp_path / "prometheus.yml"
    config.write_text(
        textwrap.dedent(f"""
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: claude_pm
            static_configs:
              - targets: ["127.0.0.1:{exporter_port}"]
    """),
        encoding="utf-8",
    )
    port = _free_port()
    log = (tmp_path / "prometheus.log").open("w")
    server = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(server)
        log.close()


def _query(base: str, expr: str) -> list[dict]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    return body["data"]["result"]


def _by(result: list[dict], label: str) -> dict[str, float]:
    return {series["metric"].get(label, ""): float(series["value"][1]) for series in result}


def _wait_for(base: str, expr: str, expected: float, started: float) -> None:
    last: object = None
    while time.monotonic() - started < DEADLINE_SECONDS:
        try:
            result = _query(base, expr)
        except OSError as exc:  # the server is still starting
            last = exc
        else:
            last = result
            if result and float(result[0]["value"][1]) == expected:
                return
        time.sleep(0.25)
    pytest.fail(f"{expr} never reached {expected} within {DEADLINE_SECONDS}s; last answer: {last}")


def _run_batch(process: subprocess.Popen) -> list[tuple[str, str, str, float]]:
    """(agent, model, complexity, token reduction) of every selection the exporter made."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("batch\n")
    process.stdin.flush()
    return [tuple(selection) for selection in json.loads(process.stdout.readline())]


def _shares(values: list[str]) -> dict[str, float]:
    return {value: values.count(value) / len(values) for value in set(values)}


def _normalised(rates: dict[str, float]) -> dict[str, float]:
    total = sum(rates.values())
    return {key: rate / total for key, rate in rates.items()}


def _dashboard_expr(title: str, index: int = 0) -> str:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return next(panel for panel in panels if panel["title"] == title)["targets"][index]["expr"]


def test_dashboard_queries_over_a_real_scrape(exporter, prometheus):
    started = time.monotonic()
    process, _ = exporter
    count = "sum(claude_pm_token_reduction_percent_count)"
    _wait_for(prometheus, 'up{job="claude_pm"}', 1, started)
    warm_up = _run_batch(process)
    _wait_for(prometheus, count, len(warm_up), started)
    batch = _run_batch(process)
    _wait_for(prometheus, count, len(warm_up) + len(batch), started)

    # Each rate() window now spans exactly the measured batch.
    reduction = _by(_query(prometheus, _dashboard_expr("Token Reduction by Agent")), "agent")
    expected = {
        agent: sum(r for a, _, _, r in batch if a == agent) / sum(1 for a, *_ in batch if a == agent)
        for agent in {a for a, *_ in batch}
    }
    assert reduction == pytest.approx(expected)
    models = _by(_query(prometheus, _dashboard_expr("Model Selection Distribution")), "model")
    assert _normalised(models) == pytest.approx(_shares([model for _, model, _, _ in batch]))
    levels = _by(_query(prometheus, _dashboard_expr("Complexity Distribution")), "complexity")
    assert _normalised(levels) == pytest.approx(_shares([level for _, _, level, _ in batch]))
    assert set(levels) == {"SIMPLE", "MEDIUM", "COMPLEX"} and len(models) == 3

    # Every cache lookup happened inside the window: the first scrape saw zero counters.
    hits = float(_query(prometheus, "sum(claude_pm_cache_hits_total)")[0]["value"][1])
    misses = float(_query(prometheus, "sum(claude_pm_cache_misses_total)")[0]["value"][1])
    hit_rate = float(_query(prometheus, _dashboard_expr("Cache hit rate"))[0]["value"][1])
    assert hits > 0 and hit_rate == pytest.approx(hits / (hits + misses))

    active = _query(prometheus, _dashboard_expr("Active optimizations"))
    assert float(active[0]["value"][1]) == 9
    p99 = float(_query(prometheus, _dashboard_expr("Selection latency", 1))[0]["value"][1])
    assert 0 < p99 and not math.isnan(p99)
    assert time.monotonic() - started < DEADLINE_SECONDS
