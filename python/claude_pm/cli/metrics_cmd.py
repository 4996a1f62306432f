"""`claude-pm metrics serve`: the Prometheus exporter as a long-running command."""

from __future__ import annotations

import signal
import threading

import click

from claude_pm.cli.app import CliError

__all__ = ["metrics_group"]


class _Terminated(Exception):
    """SIGTERM reached `metrics serve`."""


@click.group("metrics")
def metrics_group() -> None:
    """Prometheus metrics of this process (or of every worker under PROMETHEUS_MULTIPROC_DIR)."""


@metrics_group.command("serve")
@click.option("--port", "-p", type=click.IntRange(0, 65535), required=True, help="TCP port for /metrics.")
@click.option(
    "--addr", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface)."
)
def serve(port: int, addr: str) -> None:
    """Serve /metrics until interrupted (Ctrl-C) or terminated (SIGTERM)."""
    from claude_pm import metrics
    from claude_pm.config import get_settings

    if not get_settings().metrics_enabled:
        click.echo("CLAUDE_PM_METRICS_ENABLED=false: serving process metrics only, no claude_pm_* series", err=True)
    try:
        server = metrics.start_metrics_server(port, addr)
    except OSError as exc:
        raise CliError(str(exc)) from exc
    host, bound_port = server.server_address[:2]
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM is how Kubernetes and `docker stop` end the exporter; as PID 1 a process
        # without a handler ignores it and is killed after the grace period.
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: object) -> None:
            if callable(previous):
                previous(signum, frame)
            # Raised like Ctrl-C's KeyboardInterrupt: setting the Event from a handler
            # could deadlock on its lock if the signal lands inside wait().
            raise _Terminated

        signal.signal(signal.SIGTERM, on_sigterm)
    try:
        # Announced only once SIGTERM is handled, and inside the try: a caller that waits
        # for this line may signal before the loop starts.
        click.echo(f"serving metrics on http://{host}:{bound_port}/metrics (Ctrl-C to stop)", err=True)
        while not stop.wait(3600):
            pass
    except (KeyboardInterrupt, _Terminated):
        click.echo("stopped", err=True)
    finally:
        server.shutdown()
        server.server_close()
