"""`claude-pm report`: the data behind each chart on both backends, and the page as a browser draws it.

The page test opens the written file in headless Chromium (Debian's `chromium`, installed
by scripts/install-system-deps.sh) through the DevTools protocol over a pipe, waits for
every chart to draw, checks that each drew marks, that nothing was logged as an error,
that no request left the file, and takes a screenshot. In CI a missing Chromium or plotly
is a failure, not a skip.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from claude_pm.cli import main
from claude_pm.cost import analyze_cost_impact
from claude_pm.decision_log import DecisionLog
from claude_pm.decision_log.outcomes import make_outcome
from claude_pm.report import CHARTS, collect_report
from conftest import cli_runner
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]

HAIKU, SONNET, OPUS = "claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-4-opus"
IN_CI = os.environ.get("CI", "").lower() == "true"
PAGE_DEADLINE = 90.0  # seconds for Chromium to start, draw the page and take the screenshot
DAY = 86400.0


def _needs(what: str, why: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is missing: {why}")
    pytest.skip(f"{what} is missing: {why}")


def _plotly() -> None:
    try:
        import plotly  # noqa: F401
    except ImportError:
        _needs("plotly", "scripts/test.sh installs the report extra (pip install '.[report]')")


def _chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        _needs("chromium", "scripts/install-system-deps.sh installs Debian's chromium package")
    return binary


def _run(*args: str):
    return cli_runner().invoke(main, list(args))


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _seed(target: str, now: float, agent: str = "qa") -> list:
    """Three haiku, two sonnet, one opus, one unscored unpriced model; one decision outside 7d."""
    records = [
        decision(
            timestamp=now - 3 * DAY,
            model_id=HAIKU,
            tier="haiku",
            level="SIMPLE",
            score=10,
            prompt_tokens=400,
            full_prompt_tokens=1400,
            agent=agent,
        ),
        decision(
            timestamp=now - 3 * DAY,
            model_id=HAIKU,
            tier="haiku",
            level="SIMPLE",
            score=10,
            prompt_tokens=400,
            full_prompt_tokens=1400,
            agent=agent,
        ),
        decision(
            timestamp=now - 1 * DAY,
            model_id=HAIKU,
            tier="haiku",
            level="SIMPLE",
            score=30,
            prompt_tokens=600,
            full_prompt_tokens=1400,
            agent=agent,
        ),
        decision(timestamp=now - 2 * DAY, model_id=SONNET, score=31, prompt_tokens=900, full_prompt_tokens=1400),
        decision(timestamp=now - 600, model_id=SONNET, score=70, prompt_tokens=1000, full_prompt_tokens=1400),
        decision(
            timestamp=now - 600,
            model_id=OPUS,
            tier="opus",
            level="COMPLEX",
            score=71,
            prompt_tokens=1400,
            full_prompt_tokens=1400,
        ),
        decision(
            timestamp=now - 5 * DAY,
            model_id="mystery-model",
            tier=None,
            level=None,
            score=None,
            prompt_tokens=500,
            full_prompt_tokens=500,
            selection_method="environment_override",
        ),
        decision(timestamp=now - 10 * DAY, model_id=OPUS, tier="opus", level="COMPLEX", score=95),
    ]
    return record_all(target, records, usage={3: (2000, 1000)})


@pytest.fixture(autouse=True)
def _keep_a_month(monkeypatch):
    """The seeded log holds a 10-day-old decision; the default 7-day retention would prune it."""
    monkeypatch.setenv("CLAUDE_PM_METRICS_RETENTION_HOURS", "720")


def _add_outcomes(target: str, outcomes: dict[str, bool | None]) -> None:
    """Outcomes recorded through a private writer, as `record_outcome` stores them (success None: not judged)."""
    log = DecisionLog(target)
    for decision_id, success in outcomes.items():
        log.record_outcome_row(make_outcome(decision_id, success=success))
    assert log.close(30), log.stats()


def test_report_totals_agree_with_the_cost_report(log_target):
    now = time.time()
    _seed(log_target, now)
    report = collect_report("7d", now=now + 1)
    cost = analyze_cost_impact(since="7d")
    assert report["total_requests"] == cost["total_requests"] == 7
    assert report["estimated_cost_usd"] == pytest.approx(cost["estimated_cost_usd"])
    assert report["baseline_estimated_cost_usd"] == pytest.approx(cost["baseline_estimated_cost_usd"])
    assert report["baseline_model"] == SONNET
    assert report["unpriced_models"] == {"mystery-model": 1}
    # sonnet's real usage (2000 in, 1000 out) replaces its estimate; everything else is the prompt
    routed = (800 * 0.25 + 600 * 0.25 + (2000 + 1000) * 3.0 + 1000 * 3.0 + 1400 * 15.0) / 1e6
    baseline = (800 + 600 + 3000 + 1000 + 1400) * 3.0 / 1e6
    assert report["estimated_cost_usd"] == pytest.approx(routed)
    assert report["baseline_estimated_cost_usd"] == pytest.approx(baseline)
    assert report["savings_percent"] == pytest.approx((baseline - routed) / baseline * 100)


def test_model_mix_and_cost_per_time_bin(log_target):
    now = time.time()
    _seed(log_target, now)
    report = collect_report("7d", now=now + 1)
    # five days between the first and last decision in the window: 3-hour bins (under 60 of them)
    assert report["bin_seconds"] == 3 * 3600
    mix = {row["start"]: row["requests"] for row in report["model_mix"]}
    assert len(mix) == 5  # decisions fall in five distinct bins
    totals: dict[str, int] = {}
    for counts in mix.values():
        for model, count in counts.items():
            totals[model] = totals.get(model, 0) + count
    assert totals == {HAIKU: 3, SONNET: 2, OPUS: 1, "mystery-model": 1}
    last = report["model_mix"][-1]["requests"]
    assert last == {SONNET: 1, OPUS: 1}
    assert report["cost"][-1]["cost_usd"] == pytest.approx((1000 * 3.0 + 1400 * 15.0) / 1e6)
    assert report["cost"][-1]["baseline_cost_usd"] == pytest.approx(2400 * 3.0 / 1e6)


def test_time_bins_floor_never_round(log_target):
    """A decision late in a bin stays in that bin on both backends (PostgreSQL casts round)."""
    width = 3600.0
    base = (time.time() // width - 30) * width
    record_all(log_target, [decision(timestamp=base + 0.9 * width), decision(timestamp=base + 2 * width + 0.1)])
    report = collect_report("2d", now=base + 3 * width)
    assert report["bin_seconds"] == 3600
    starts = [row["start"] for row in report["model_mix"]]
    from datetime import datetime, timezone

    assert starts == [
        datetime.fromtimestamp(base, timezone.utc).isoformat(timespec="seconds"),
        datetime.fromtimestamp(base + 2 * width, timezone.utc).isoformat(timespec="seconds"),
    ]


def test_score_histogram_thresholds_and_token_reduction(log_target, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "25")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "65")
    now = time.time()
    _seed(log_target, now)
    report = collect_report("7d", now=now + 1)
    histogram = {row["score"]: row["requests"] for row in report["scores"]}
    assert sorted(histogram) == list(range(101))
    assert {score: count for score, count in histogram.items() if count} == {10: 2, 30: 1, 31: 1, 70: 1, 71: 1}
    assert report["unscored_requests"] == 1
    assert report["thresholds"] == {"simple": 25, "medium": 65}
    by_agent = {row["agent"]: row for row in report["token_reduction"]}
    assert by_agent["qa"]["prompt_tokens"] == 1400 and by_agent["qa"]["full_prompt_tokens"] == 4200
    assert by_agent["qa"]["reduction_percent"] == pytest.approx(2800 / 4200 * 100)
    engineer = by_agent["engineer"]
    assert (engineer["prompt_tokens"], engineer["full_prompt_tokens"]) == (900 + 1000 + 1400 + 500, 1400 * 3 + 500)


def test_no_outcomes_means_no_failure_chart(log_target):
    now = time.time()
    _seed(log_target, now)
    failure = collect_report("7d", now=now + 1)["failure_rate"]
    assert failure["available"] is False
    assert "no decision in this window has a known outcome" in failure["note"].lower()


def test_failure_rate_per_tier_from_outcomes(log_target):
    now = time.time()
    ids = _seed(log_target, now)
    # haiku: 1 of 2 known failed (one unknown); sonnet: 0 of 2; opus: 1 of 1; the old decision is outside 7d
    _add_outcomes(
        log_target,
        {ids[0]: False, ids[1]: True, ids[2]: None, ids[3]: True, ids[4]: True, ids[5]: False, ids[7]: False},
    )
    failure = collect_report("7d", now=now + 1)["failure_rate"]
    assert failure["available"] is True
    assert failure["tiers"] == [
        {"tier": "haiku", "outcomes": 2, "failures": 1, "failure_rate": 0.5},
        {"tier": "sonnet", "outcomes": 2, "failures": 0, "failure_rate": 0.0},
        {"tier": "opus", "outcomes": 1, "failures": 1, "failure_rate": 1.0},
    ]


def test_page_without_outcomes_says_why_the_chart_is_missing(log_target, tmp_path):
    _plotly()
    _seed(log_target, time.time())
    page = tmp_path / "report.html"
    result = _run("report", "--since", "7d", "--html", str(page))
    assert result.exit_code == 0, result.output
    assert str(page) in result.stdout
    text = page.read_text(encoding="utf-8")
    for chart in CHARTS[:-1]:
        assert f'id="chart-{chart}"' in text
    assert 'id="chart-failure-rate"' not in text
    assert "known outcome" in text


def test_report_json_is_the_pages_data(log_target, tmp_path):
    _plotly()
    _seed(log_target, time.time())
    page = tmp_path / "report.html"
    result = _run("report", "--html", str(page), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total_requests"] == 7
    embedded = page.read_text(encoding="utf-8").split('<script type="application/json" id="report-data">')[1]
    assert json.loads(embedded.split("</script>")[0])["total_requests"] == 7


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--since", "yesterday"), ("--since='yesterday'", "7d")),
        (("--since", "1900-01-01"), ("--since='1900-01-01'", "1970")),
        (("--baseline-model", "gpt-9"), ("baseline_model='gpt-9'", "tier name")),
    ],
)
def test_bad_arguments_are_one_line_errors(log_target, tmp_path, args, needles):
    _seed(log_target, time.time())
    _one_line_error(_run("report", "--html", str(tmp_path / "r.html"), *args), *needles)
    assert not (tmp_path / "r.html").exists()


def test_empty_window_is_a_one_line_error(log_target, tmp_path):
    record_all(log_target, [decision(timestamp=time.time() - 20 * DAY)])
    _one_line_error(_run("report", "--since", "7d", "--html", str(tmp_path / "r.html")), "no decisions in this window")


def test_no_log_configured_is_a_one_line_error(tmp_path):
    _one_line_error(_run("report", "--html", str(tmp_path / "r.html")), "CLAUDE_PM_DECISION_LOG")


def test_unwritable_output_is_a_one_line_error(log_target, tmp_path):
    _plotly()
    _seed(log_target, time.time())
    missing = tmp_path / "no-such-dir" / "r.html"
    _one_line_error(_run("report", "--html", str(missing)), "--html", "cannot be written")
    directory = tmp_path / "a-directory"
    directory.mkdir()
    _one_line_error(_run("report", "--html", str(directory)), "--html")


def test_without_plotly_the_error_names_the_extra(log_target, tmp_path, monkeypatch):
    _seed(log_target, time.time())
    monkeypatch.setitem(sys.modules, "plotly", None)
    _one_line_error(_run("report", "--html", str(tmp_path / "r.html")), "claude-pm[report]")


# --- the page in a browser -------------------------------------------------------------------------------------


class _DevTools:
    """Chromium driven through the DevTools protocol over --remote-debugging-pipe (fds 3 and 4, NUL-framed)."""

    def __init__(self, binary: str, profile: Path, log: Path, deadline: float) -> None:
        self.deadline = deadline
        self.events: list[dict] = []
        self._buffer = b""
        self._next_id = 0
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # The child's ends are moved above 4 first, so the shell's dup onto 3 and 4 never closes one of them.
        commands_read, replies_write = (_above_four(commands_read), _above_four(replies_write))
        args = [
            binary,
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            # no network for the page: any lookup fails and any connection goes to a closed port
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "about:blank",
        ]
        script = f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- {replies_write}>&-'
        with open(log, "wb") as stderr:
            self.process = subprocess.Popen(
                ["bash", "-c", script, *args],
                pass_fds=(commands_read, replies_write),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        os.close(commands_read)
        os.close(replies_write)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply["result"]
            self._event(reply)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive()
            self._event(event)
            if event.get("method") == method:
                return event

    def _event(self, event: dict) -> None:
        # A dialog blocks the page (and every later command) until answered: fail at once instead.
        if event.get("method") == "Page.javascriptDialogOpening":
            raise AssertionError(f"the page opened a dialog: {event['params'].get('message')!r}")
        self.events.append(event)

    def _receive(self) -> dict:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"Chromium did not answer within {PAGE_DEADLINE:g} s")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise AssertionError(f"Chromium exited (code {self.process.poll()})")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                os.write(self._commands, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(10)
        finally:
            os.close(self._commands)
            os.close(self._replies)


def _above_four(descriptor: int) -> int:
    moved = fcntl.fcntl(descriptor, fcntl.F_DUPFD, 10)
    os.close(descriptor)
    return moved


# Per chart section: is there a plot, how many visible marks (bars with area, drawn lines), threshold lines,
# annotation texts, and the note when the chart is left out.
_MARKS = """JSON.stringify(Array.from(document.querySelectorAll('section[data-chart]')).map(section => {
  const plot = section.querySelector('.js-plotly-plot');
  const note = section.querySelector('p.note');
  if (!plot) return {chart: section.dataset.chart, plot: false, note: note ? note.textContent : null};
  const visible = element => { const box = element.getBBox(); return box.width > 0 && box.height > 0; };
  const bars = Array.from(plot.querySelectorAll('.barlayer .point path')).filter(visible).length;
  const lines = Array.from(plot.querySelectorAll('.scatterlayer path.js-line'))
    .filter(path => (path.getAttribute('d') || '').length > 2 && path.getBBox().width > 0).length;
  const shapes = Array.from(plot.querySelectorAll('.shapelayer path'))
    .filter(path => (path.getAttribute('d') || '').length > 2).length;
  const annotations = Array.from(plot.querySelectorAll('.annotation-text')).map(text => text.textContent);
  return {chart: section.dataset.chart, plot: true, bars, lines, shapes, annotations,
          traces: plot._fullData ? plot._fullData.length : 0};
}))"""


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _page_in_chromium(page: Path, screenshot: Path, tmp_path: Path) -> tuple[list[dict], list[str], list[str]]:
    """Open `page`, wait for every chart to draw, screenshot it; (charts, errors, requests off the file)."""
    browser = _DevTools(_chromium(), tmp_path / "profile", tmp_path / "chromium.log", time.monotonic() + PAGE_DEADLINE)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        while True:  # plotly draws after load; poll until each plotted chart has marks (bounded by the deadline)
            charts = json.loads(
                browser.send("Runtime.evaluate", {"expression": _MARKS, "returnByValue": True}, session=session)[
                    "result"
                ]["value"]
            )
            if all(chart["bars"] + chart["lines"] > 0 for chart in charts if chart["plot"]):
                break
            time.sleep(0.1)
        height = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]["height"]
        shot = browser.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 1200, "height": height, "scale": 1},
            },
            session=session,
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()
    errors, requests = [], []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            errors.append(json.dumps(params.get("args"))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            errors.append(params["entry"].get("text", "")[:500])
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file://", "data:", "blob:", "about:")):
                requests.append(url)
    return charts, errors, requests


def test_page_draws_every_chart_offline_in_chromium(tmp_path, monkeypatch):
    _plotly()
    target = str(tmp_path / "decisions.db")
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", target)
    now = time.time()
    # an agent name that tries to close the data's <script> and run its own: the page must stay intact
    ids = _seed(target, now, agent="</script><script>alert(1)</script>")
    _add_outcomes(target, {ids[0]: False, ids[1]: True, ids[3]: True, ids[5]: False})
    page = tmp_path / "report.html"
    result = _run("report", "--since", "7d", "--html", str(page))
    assert result.exit_code == 0, result.output

    screenshot = tmp_path / "report.png"
    charts, errors, requests = _page_in_chromium(page, screenshot, tmp_path)

    assert errors == []
    assert requests == []
    by_name = {chart["chart"]: chart for chart in charts}
    assert list(by_name) == list(CHARTS)
    assert all(chart["plot"] for chart in charts), charts
    assert by_name["model-mix"]["traces"] == 4 and by_name["model-mix"]["bars"] == 6  # 6 (bin, model) pairs in 5 bins
    assert by_name["cost"]["lines"] == 2
    scores = by_name["scores"]
    assert scores["bars"] == 5 and scores["shapes"] == 2  # five scores present; two threshold lines
    assert scores["annotations"] == ["simple threshold 30", "medium threshold 70"]
    assert by_name["token-reduction"]["bars"] == 4  # two agents, sent and FULL each
    assert by_name["failure-rate"]["bars"] == 2 and by_name["failure-rate"]["annotations"] == []
    width, height = _png_size(screenshot.read_bytes())
    assert width == 1200 and height > 5 * 380  # five charts stacked, each 380 px high
