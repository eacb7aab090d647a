"""Starting, finding and stopping local stacks (one per port), from the user's side."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from service.dal.stack import DEFAULT_LOCAL_PORT, StackInfo

DEFAULT_PORT = DEFAULT_LOCAL_PORT


class StackError(RuntimeError):
    """The local stack could not be started, found or stopped."""


class LocalStackStatus(StackInfo):
    pid: int
    port: int
    #: How the functions' and the state machine's roles are held: "enforce" (AccessDenied) or "soft" (logged).
    iam: str = "enforce"
    #: Every call a principal made (role, action, resource, allowed), one JSON line each.
    access_log: str | None = None
    #: The stack's roles as the template deployed them (logical id, role name, policies), for checking the log.
    deployed_roles: str | None = None
    #: How many executions run at once (SCONES_LOCAL_CONCURRENCY); the others wait in the backlog.
    execution_concurrency: int | None = None
    #: Executions waiting for a free slot, and running, as of the last second (`scones status` asks the stack).
    executions_waiting: int | None = None
    executions_running: int | None = None
    #: Where the stack's state is kept across restarts (None: an ephemeral stack).
    data_dir: str | None = None


class _StateFiles(BaseModel):
    state: Path
    log: Path


def state_dir() -> Path:
    base = os.environ.get("SCONES_STATE_DIR") or os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    path = root / "scones" if not os.environ.get("SCONES_STATE_DIR") else root
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir(port: int = DEFAULT_PORT) -> Path:
    """Where the stack on `port` keeps its state (SCONES_DATA_DIR overrides the root)."""
    root = os.environ.get("SCONES_DATA_DIR")
    return (Path(root) if root else state_dir() / "data") / f"stack-{port}"


def _files(port: int) -> _StateFiles:
    return _StateFiles(state=state_dir() / f"stack-{port}.json", log=state_dir() / f"stack-{port}.log")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    _reap(pid)  # a stack this process started and that died is a zombie until reaped, and zombies answer kill 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie whose parent is not this process has ended; its reaper may take a second more.
    with contextlib.suppress(OSError, IndexError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def status(port: int = DEFAULT_PORT) -> LocalStackStatus:
    files = _files(port)
    if not files.state.exists():
        raise StackError(f"No local stack on port {port}: start one with `scones up --port {port}`.")
    found = LocalStackStatus.model_validate_json(files.state.read_text(encoding="utf-8"))
    if not _alive(found.pid):
        files.state.unlink(missing_ok=True)
        raise StackError(f"The local stack on port {port} is no longer running (pid {found.pid}).")
    return found


def with_backlog(found: LocalStackStatus, timeout: float = 1.0) -> LocalStackStatus:
    """The status with the backlog the stack published last (its high-resolution metrics of the last minute)."""
    from datetime import UTC, datetime, timedelta

    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from service.local.backlog import BACKLOG_NAMESPACE, RUNNING_METRIC, WAITING_METRIC

    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1})
    cloudwatch = boto3.client(
        "cloudwatch", endpoint_url=found.endpoint_url, region_name=found.region, config=config,
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    end = datetime.now(UTC) + timedelta(seconds=1)
    figures = {}
    try:
        for field, metric in (("executions_waiting", WAITING_METRIC), ("executions_running", RUNNING_METRIC)):
            points = cloudwatch.get_metric_statistics(
                Namespace=BACKLOG_NAMESPACE, MetricName=metric, StartTime=end - timedelta(seconds=60), EndTime=end,
                Period=1, Statistics=["Maximum"],
            )["Datapoints"]  # fmt: skip
            # None published for a minute: the stack has been idle.
            figures[field] = int(max(points, key=lambda p: p["Timestamp"])["Maximum"]) if points else 0
    except (BotoCoreError, ClientError) as error:
        raise StackError(
            f"The local stack on port {found.port} did not answer within {timeout:.0f} s: {error}"
        ) from error
    return found.model_copy(update=figures)


def up(
    port: int = DEFAULT_PORT,
    timeout: float = 120.0,
    parameters: dict[str, str] | None = None,
    iam: str = "enforce",
    template: Path | None = None,
    ephemeral: bool = False,
) -> LocalStackStatus:
    """Starts a stack in the background and returns once it is ready to take uploads (from `template`, a copy of
    infra/template.yaml beside it, if given). Its state is kept in `data_dir(port)` unless `ephemeral`."""
    files = _files(port)
    _clean_up_after_dead_stack(port)
    if files.state.exists():
        try:
            return status(port)
        except StackError:
            pass
    if _port_in_use(port):
        raise StackError(f"Port {port} is already in use by another program.")
    command = [
        sys.executable,
        "-m",
        "service.local.server",
        "--port",
        str(port),
        "--state-file",
        str(files.state),
        "--iam",
        iam,
    ]
    if template is not None:
        command += ["--template", str(template)]
    if not ephemeral:
        command += ["--data-dir", str(data_dir(port))]
    for key, value in (parameters or {}).items():
        command += ["--parameter", f"{key}={value}"]
    with files.log.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the terminal that started it
            cwd=Path(__file__).resolve().parents[2],
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if files.state.exists():
            found = LocalStackStatus.model_validate_json(files.state.read_text(encoding="utf-8"))
            if found.pid == process.pid:
                return found
        if process.poll() is not None:
            tail = files.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise StackError(f"The local stack exited while starting (status {process.returncode}):\n{tail}")
        time.sleep(0.1)
    process.terminate()
    raise StackError(f"The local stack did not become ready within {timeout:.0f} s; see {files.log}.")


def down(port: int = DEFAULT_PORT, timeout: float = 20.0) -> bool:
    """Stops the stack on `port`; returns False if there was none (a killed one's leftovers are cleaned up)."""
    files = _files(port)
    if files.state.exists():
        found = json.loads(files.state.read_text(encoding="utf-8"))
        if not _alive(int(found["pid"])):
            _clean_up_after_dead_stack(port)
            return True
    if not files.state.exists():
        return False
    found = json.loads(files.state.read_text(encoding="utf-8"))
    pid = int(found["pid"])
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
    files.state.unlink(missing_ok=True)
    return True


def purge(port: int = DEFAULT_PORT) -> bool:
    """Deletes the data of the stack on `port` (which must be stopped); returns False if there was none."""
    if _files(port).state.exists():
        try:
            status(port)
        except StackError:
            pass
        else:
            raise StackError(f"The local stack on port {port} is running: stop it first (`scones down`).")
    found = data_dir(port)
    if not found.exists():
        return False
    shutil.rmtree(found)
    return True


#: How long a killed stack's processes may take to end before `up` gives up on the port they held.
ORPHAN_TEARDOWN_S = 30.0


def _clean_up_after_dead_stack(port: int) -> None:
    """What a stack that was killed leaves: its state file (the pid and port), and its workers, which share its
    process group (it started its own session); they still hold the data directory's journal open."""
    files = _files(port)
    for leftover in (files.state, files.state.with_suffix(".tmp")):
        if not leftover.exists():
            continue
        try:
            pid = int(json.loads(leftover.read_text(encoding="utf-8"))["pid"])
        except (ValueError, KeyError, OSError):
            pid = 0
        if pid and not _alive(pid):
            for orphan in _group_members(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(orphan, signal.SIGKILL)
            # A killed process holds its sockets (the port, inherited by the workers) until the kernel has torn it
            # down, which a loaded machine may take a while to do: wait for that, not for a fixed time.
            deadline = time.monotonic() + ORPHAN_TEARDOWN_S
            while any(_alive(orphan) for orphan in _group_members(pid)) and time.monotonic() < deadline:
                time.sleep(0.05)
        leftover.unlink(missing_ok=True)


def _group_members(group: int) -> list[int]:
    """Processes whose process group is `group` (Linux's /proc; elsewhere none are found)."""
    members = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == group:
            members.append(int(entry.parent.name))
    return members


def _reap(pid: int) -> None:
    """Collects the exit status when this process started the stack (else the pid lingers as a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def state_file(port: int = DEFAULT_PORT) -> Path:
    return _files(port).state


def log_path(port: int = DEFAULT_PORT) -> Path:
    return _files(port).log


@contextmanager
def running(
    port: int | None = None,
    parameters: dict[str, str] | None = None,
    iam: str = "enforce",
    template: Path | None = None,
    ephemeral: bool = True,
) -> Iterator[LocalStackStatus]:
    """A stack for the duration of a block (demo, tests, benchmarks), on a free port unless one is given;
    ephemeral unless told otherwise."""
    port = port or free_port()
    found = up(port, parameters=parameters, iam=iam, template=template, ephemeral=ephemeral)
    try:
        yield found
    finally:
        down(port)
