"""`claude-pm loadtest`: selections under concurrency, with latency percentiles and model mix."""

from __future__ import annotations

import asyncio
import signal
import statistics
import time
from collections import Counter
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from claude_pm.cli.app import CliError, emit_json, json_option

__all__ = ["loadtest"]

# One probe task per tier, as in the standard load test of the deployment procedure.
GUIDE_TASKS = ("List files", "Implement feature", "Refactor system")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def _drive(
    requests: int,
    concurrency: int,
    agent: str,
    progress: Progress,
    task_id: Any,
    latencies: list[float],
    models: Counter,
) -> None:
    from claude_pm.utils.task_tool_helper import TaskToolHelper

    helper = TaskToolHelper()
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < requests:
            task = GUIDE_TASKS[issued % len(GUIDE_TASKS)]
            issued += 1
            started = time.perf_counter()
            result = await helper.create_agent_subprocess(agent_type=agent, task_description=task)
            latencies.append(time.perf_counter() - started)
            models[result["selected_model"]] += 1
            progress.advance(task_id)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _drive_until_interrupted(*args: Any) -> bool:
    """`_drive`, stopped by SIGINT through the loop; True when it was.

    The loop's own handler cancels the run instead of letting KeyboardInterrupt land in
    whichever task is running: on Python 3.9 and 3.10 such an interrupt can leave a task
    that `asyncio.run` then waits for forever.
    """
    loop = asyncio.get_running_loop()
    run = asyncio.current_task()
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        if run is not None:
            run.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        handled = True
    except (NotImplementedError, RuntimeError, ValueError):
        # No loop signal handlers here (Windows, or not the main thread): Ctrl-C stays a
        # KeyboardInterrupt, which the command catches.
        handled = False
    try:
        await _drive(*args)
    except asyncio.CancelledError:
        if not interrupted:
            raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)
    return interrupted


@click.command()
@click.option(
    "-n", "--requests", type=click.IntRange(min=1), default=300, show_default=True, help="Number of delegations."
)
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(min=1, max=10_000),
    default=10,
    show_default=True,
    help="Delegations in flight at once.",
)
@click.option("--agent", "-a", default="engineer", show_default=True)
@json_option
def loadtest(requests: int, concurrency: int, agent: str, as_json: bool) -> None:
    """Load test with one task per tier (List files / Implement feature / Refactor system)."""
    from claude_pm.prompt_library import resolve_agent_name

    try:
        agent = resolve_agent_name(agent)
    except ValueError as error:
        raise CliError(str(error)) from None
    latencies: list[float] = []
    models: Counter = Counter()
    interrupted = False
    started = time.perf_counter()
    with Progress(
        TextColumn("loadtest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=as_json,
    ) as progress:
        task_id = progress.add_task("selections", total=requests)
        try:
            interrupted = asyncio.run(
                _drive_until_interrupted(requests, concurrency, agent, progress, task_id, latencies, models)
            )
        except KeyboardInterrupt:
            interrupted = True
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    summary = {
        "requests": len(latencies),
        "requested": requests,
        "interrupted": interrupted,
        "concurrency": concurrency,
        "elapsed_seconds": elapsed,
        "throughput_per_second": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "latency_ms": {
            "mean": statistics.fmean(ordered) * 1e3 if ordered else 0.0,
            "p50": _percentile(ordered, 0.50) * 1e3,
            "p90": _percentile(ordered, 0.90) * 1e3,
            "p99": _percentile(ordered, 0.99) * 1e3,
            "max": (ordered[-1] * 1e3) if ordered else 0.0,
        },
        "model_distribution": dict(models),
    }
    if as_json:
        emit_json(summary)
    else:
        state = " (interrupted)" if interrupted else ""
        latency = summary["latency_ms"]
        click.echo(
            f"Completed {summary['requests']}/{requests} delegations{state} in {elapsed:.3f}s "
            f"at concurrency {concurrency}"
        )
        click.echo(f"Throughput: {summary['throughput_per_second']:.0f} selections/s")
        click.echo(
            f"Latency ms: p50 {latency['p50']:.3f}  p90 {latency['p90']:.3f}  "
            f"p99 {latency['p99']:.3f}  max {latency['max']:.3f}"
        )
        click.echo(f"Model distribution: {summary['model_distribution']}")
    if interrupted:
        raise SystemExit(130)
