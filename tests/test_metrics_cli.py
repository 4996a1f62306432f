"""`claude-pm metrics serve`: serves /metrics, stops cleanly on Ctrl-C, names a taken port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request

from claude_pm.cli import main
from conftest import cli_runner


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve() -> tuple[subprocess.Popen[str], int]:
    """`claude-pm metrics serve` on a free port, once it has announced itself."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "claude_pm", "metrics", "serve", "--port", str(port)], stderr=subprocess.PIPE, text=True
    )
    assert server.stderr is not None
    assert f"http://127.0.0.1:{port}/metrics" in server.stderr.readline()
    return server, port


def test_serve_exposes_metrics_and_exits_cleanly_on_ctrl_c():
    server, port = _serve()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            body = response.read().decode()
        assert "claude_pm_active_optimizations 9.0" in body
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


def test_serve_stops_cleanly_on_sigterm():
    # Kubernetes and `docker stop` send SIGTERM; the exporter shuts its server down and
    # exits 0 instead of dying (or, as PID 1, ignoring it until the grace period ends).
    server, _ = _serve()
    try:
        server.send_signal(signal.SIGTERM)
        assert server.stderr is not None
        assert server.wait(timeout=10) == 0
        assert "stopped" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


def test_serve_on_a_taken_port_names_the_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli_runner().invoke(main, ["metrics", "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} is already in use" in result.output


def test_serve_rejects_a_port_out_of_range():
    result = cli_runner().invoke(main, ["metrics", "serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output
