"""Run the final stage of deploy/docker/Dockerfile in a Debian root, without a Docker engine.

Usage (as root; scripts/test-container.sh prepares the root and the wheel):

    python scripts/run-dockerfile-stage.py --root ROOT --dockerfile deploy/docker/Dockerfile \
        --builder-dist DIR --wheelhouse DIR

ROOT stands for the stage's base image: a debootstrapped Debian of the base image's
suite with its Python 3.X in /usr/local (as the official python:3.X-slim images have it).
The stage's instructions are read from the Dockerfile and carried out in order:

- ARG and ENV set the environment of every later step (build arguments take their
  defaults, as `docker build` without --build-arg does);
- RUN runs its text with /bin/sh -c inside ROOT (chroot, in fresh mount and PID
  namespaces), as root, like a build step;
- COPY --from=builder /dist/ copies the builder stage's output, which is DIR (the wheel
  built by `maturin build --release --locked`, the builder's own command);
- WORKDIR, USER, EXPOSE, STOPSIGNAL and CMD are recorded and applied when the command runs.

pip inside ROOT installs from WHEELHOUSE only (PIP_NO_INDEX, PIP_FIND_LINKS): the
wheelhouse holds the dependencies downloaded from the package index beforehand.

Then CMD runs as USER in WORKDIR with the image's environment only, its port published
on loopback the way `docker run -p 127.0.0.1:PORT:EXPOSE` would: the `--port` and
`--addr` arguments become PORT and 127.0.0.1, since ROOT shares the host's network. The
host scrapes http://127.0.0.1:PORT/metrics, checks that the socket belongs to USER's uid,
runs `claude-pm config check` and one routing in the image as USER, and stops the server
as `docker stop` does (STOPSIGNAL, SIGTERM by default, then SIGKILL after 10 s). The
server is PID 1 of its PID namespace, as in a container, so a stop signal it does not
handle is ignored: needing SIGKILL fails the test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dockerfile_parse import DockerfileParser

STEP_TIMEOUT_S = 600
SERVE_READY_TIMEOUT_S = 60
STOP_GRACE_S = 10
# Families the exporter serves from its first scrape (claude_pm.metrics' collector).
EXPECTED_METRICS = ("claude_pm_optimizations_total", "claude_pm_selection_latency_seconds", "claude_pm_cache_entries")


class StageError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"container: {message}", flush=True)


def final_stage(parser: DockerfileParser) -> list[dict]:
    instructions = [item for item in parser.structure if item["instruction"] != "COMMENT"]
    starts = [index for index, item in enumerate(instructions) if item["instruction"] == "FROM"]
    if not starts:
        raise StageError("the Dockerfile has no FROM")
    return instructions[starts[-1] + 1:]


def in_root(root: Path, argv: list[str], *, env: dict[str, str], userspec: str | None = None,
            cwd: str = "/") -> list[str]:
    """argv run inside ROOT: own mount and PID namespaces, /proc of its own, env only."""
    chroot = ["chroot"] + ([f"--userspec={userspec}"] if userspec else []) + [str(root)]
    variables = [f"{name}={value}" for name, value in env.items()]
    return ["unshare", "--mount", "--pid", "--fork", "--kill-child", f"--mount-proc={root}/proc",
            *chroot, "/usr/bin/env", "-i", "-C", cwd, *variables, *argv]


def published(command: list[str], port: int) -> list[str]:
    """CMD with its listening port and address replaced by the loopback publication."""
    result, replaced = list(command), set()
    for index, word in enumerate(result[:-1]):
        if word == "--port":
            result[index + 1] = str(port)
            replaced.add(word)
        elif word == "--addr":
            result[index + 1] = "127.0.0.1"
            replaced.add(word)
    if replaced != {"--port", "--addr"}:
        raise StageError(f"CMD {command} does not take --port and --addr; cannot publish it on loopback")
    return result


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_uid(port: int) -> int | None:
    """uid owning the TCP socket listening on 127.0.0.1:PORT, from the host's /proc/net/tcp."""
    wanted = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
            return int(fields[7])
    return None


def run_step(argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
    if result.returncode != 0:
        raise StageError(f"{what} exited {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    options.add_argument("--root", type=Path, required=True)
    options.add_argument("--dockerfile", type=Path, required=True)
    options.add_argument("--builder-dist", type=Path, required=True)
    options.add_argument("--wheelhouse", type=Path, required=True)
    args = options.parse_args()
    root: Path = args.root

    parser = DockerfileParser(str(args.dockerfile))
    base = parser.baseimage
    match = re.fullmatch(r"python:(\d+\.\d+)-slim-(\w+)", base or "")
    if not match:
        raise StageError(f"final stage base {base!r} is not a python:X.Y-slim-SUITE image")
    python_version = match.group(1)
    root_python = run_step(["chroot", str(root), "/usr/local/bin/python", "-c",
                            "import sys; print('%d.%d' % sys.version_info[:2])"], "the root's Python").stdout.strip()
    if root_python != python_version:
        raise StageError(f"the root's Python is {root_python}, the image's base is {base}")
    log(f"base image {base}: Debian {match.group(2)} root with Python {root_python} in /usr/local")

    # The base image's own environment (python:X.Y-slim sets these).
    env = {"PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "HOME": "/root"}
    build_only = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/tmp/wheelhouse", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    shutil.copytree(args.wheelhouse, root / "tmp" / "wheelhouse")
    workdir, user, exposed, command, stop_signal = "/", "0:0", None, None, signal.SIGTERM
    for item in final_stage(parser):
        instruction, value = item["instruction"], item["value"]
        if instruction == "ARG":
            name, _, default = value.partition("=")
            env[name] = shlex.split(default)[0] if shlex.split(default) else ""
        elif instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(value))
        elif instruction == "RUN":
            log(f"RUN {value[:100]}{'...' if len(value) > 100 else ''}")
            run_step(in_root(root, ["/bin/sh", "-c", value], env={**env, **build_only}, cwd=workdir),
                     f"RUN {value[:60]}")
        elif instruction == "COPY":
            words = shlex.split(value)
            if words[:1] != ["--from=builder"] or len(words) != 3 or words[1].rstrip("/") != "/dist":
                raise StageError(f"COPY {value!r}: only COPY --from=builder /dist/ DEST is supported")
            destination = root / words[2].lstrip("/")
            destination.mkdir(parents=True, exist_ok=True)
            for wheel in args.builder_dist.glob("*.whl"):
                shutil.copy2(wheel, destination / wheel.name)
            log(f"COPY --from=builder /dist/ {words[2]}: {sorted(p.name for p in args.builder_dist.glob('*.whl'))}")
        elif instruction == "WORKDIR":
            workdir = value
            (root / value.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif instruction == "USER":
            user = value
        elif instruction == "EXPOSE":
            exposed = int(value.split("/")[0])
        elif instruction == "STOPSIGNAL":
            stop_signal = signal.Signals[value if value.startswith("SIG") else f"SIG{value}"]
        elif instruction == "CMD":
            command = json.loads(value)
        else:
            raise StageError(f"{instruction} is not an instruction this runner carries out")
    shutil.rmtree(root / "tmp" / "wheelhouse")
    if command is None or exposed is None:
        raise StageError("the final stage has no CMD or no EXPOSE")
    uid = int(user.split(":")[0])
    if uid == 0:
        raise StageError(f"the image runs as root (USER {user})")

    run_env = env
    check = run_step(in_root(root, ["claude-pm", "config", "check"], env=run_env, userspec=user, cwd=workdir),
                     "claude-pm config check in the image")
    log(f"claude-pm config check as {user}: exit 0 ({len(check.stdout.splitlines())} lines)")
    routed = run_step(in_root(root, ["claude-pm", "run", "List files", "--json"], env=run_env, userspec=user,
                              cwd=workdir), "claude-pm run in the image")
    model = json.loads(routed.stdout)["model"]
    if "haiku" not in model:
        raise StageError(f"claude-pm run 'List files' in the image chose {model}, not the haiku tier")
    log(f"claude-pm run 'List files' as {user}: {model}")

    port = free_loopback_port()
    argv = published(command, port)
    log(f"CMD {command} as {user} in {workdir}, published as 127.0.0.1:{port} -> {exposed}")
    server = subprocess.Popen(in_root(root, argv, env=run_env, userspec=user, cwd=workdir),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVE_READY_TIMEOUT_S
        body = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        if body is None:
            output = server.stdout.read() if server.poll() is not None and server.stdout else ""
            raise StageError(f"no /metrics on 127.0.0.1:{port} within {SERVE_READY_TIMEOUT_S} s {output[-2000:]}")
        missing = [name for name in EXPECTED_METRICS if f"# TYPE {name} " not in body]
        if missing:
            raise StageError(f"/metrics lacks {missing}")
        owner = listening_uid(port)
        if owner != uid:
            raise StageError(f"the socket on 127.0.0.1:{port} belongs to uid {owner}, the image's USER is {uid}")
        log(f"scraped http://127.0.0.1:{port}/metrics from the host: {len(body.splitlines())} lines, "
            f"{', '.join(EXPECTED_METRICS)} present; served by uid {owner}")
    finally:
        stopped_by = stop_signal.name
        if server.poll() is None:
            # The server is PID 1 of its namespace, as in a container: a signal it has no
            # handler for is ignored, and `docker stop` would kill it after the grace period.
            os.killpg(server.pid, stop_signal)
            try:
                server.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                stopped_by = "SIGKILL"
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=STOP_GRACE_S)
    if stopped_by == "SIGKILL":
        raise StageError(f"the server ignored the image's stop signal {stop_signal.name} for {STOP_GRACE_S} s "
                         "(as PID 1 it only stops on a signal it handles)")
    log(f"server stopped on {stopped_by}, exit code {server.returncode}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (StageError, subprocess.TimeoutExpired) as error:
        print(f"container test FAILED: {error}", file=sys.stderr)
        sys.exit(1)
