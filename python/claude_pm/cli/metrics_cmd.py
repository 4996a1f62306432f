"""`claude-pm metrics serve`: the Prometheus exporter as a long-running command."""

from __future__ import annotations

import threading

import click

from claude_pm.cli.app import CliError

__all__ = ["metrics_group"]


@click.group("metrics")
def metrics_group() -> None:
    """Prometheus metrics of this process (or of every worker under PROMETHEUS_MULTIPROC_DIR)."""


@metrics_group.command("serve")
@click.option("--port", "-p", type=click.IntRange(0, 65535), required=True, help="TCP port for /metrics.")
@click.option("--addr", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
def serve(port: int, addr: str) -> None:
    """Serve /metrics until interrupted (Ctrl-C)."""
    from claude_pm import metrics
    from claude_pm.config import get_settings

    if not get_settings().metrics_enabled:
        click.echo("CLAUDE_PM_METRICS_ENABLED=false: serving process metrics only, no claude_pm_* series",
                   err=True)
    try:
        server = metrics.start_metrics_server(port, addr)
    except OSError as exc:
        raise CliError(str(exc)) from exc
    host, bound_port = server.server_address[:2]
    click.echo(f"serving metrics on http://{host}:{bound_port}/metrics (Ctrl-C to stop)", err=True)
    stop = threading.Event()
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.shutdown()
        server.server_close()
