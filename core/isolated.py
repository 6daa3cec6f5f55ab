"""Read an upstream file where a crash cannot take the refresh with it: another process, a memory and time bound.

A publisher's file can make a native reader allocate without limit (one far cell of a workbook asks
for 512 GiB) or abort; in the refresh's own process that would end every source's run with no
status and nothing published. `run_isolated` runs the reader in a fresh process with its address
space capped and a deadline; a crash, a memory blow-up or a hang becomes `IsolatedFailure`, one
sentence naming the file, and the degrade rule keeps that source at its last good release.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEMORY_BYTES = 4 << 30
"""The reader's address-space bound (the real workbook needs well under 1 GiB)."""
SECONDS = 300
REPO = Path(__file__).resolve().parent.parent


class IsolatedFailure(RuntimeError):
    """The reader crashed, ran out of its memory bound or its time: the file is not read."""


def _child() -> None:
    """The child's side: read (memory bound, function, arguments) from stdin, write (succeeded, result) to stdout.

    A plain `python -m core.isolated`, not multiprocessing's spawn: spawn imports the parent's main module
    again in the child (for a refresh, Dagster and every asset definition), which cost 0.5-0.8 s per file.
    """
    memory_bytes, function, args = pickle.load(sys.stdin.buffer)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        outcome = (True, function(*args))
    except BaseException as error:
        outcome = (False, error)
    try:
        answer = pickle.dumps(outcome)
    except Exception:
        answer = pickle.dumps((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


def _ended(returncode: int) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"it was stopped by {name}" + (
            " (a native crash, often memory it could not get)" if name == "SIGABRT" else ""
        )
    return f"it ended with exit code {returncode}"


def run_isolated(
    function: Callable[..., Any],
    *args: object,
    what: str,
    memory_bytes: int = MEMORY_BYTES,
    seconds: float = SECONDS,
) -> Any:
    """`function(*args)` in a fresh process (importable function, picklable arguments and result); its own
    errors are raised here as they are; a crash, the memory bound or the deadline raise `IsolatedFailure`
    naming `what` (the file)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "core.isolated"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        env=environment,
    )
    try:
        answer, _ = process.communicate(pickle.dumps((memory_bytes, function, args)), timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise IsolatedFailure(f"{what}: not read within {seconds:.0f} s; the reader was stopped") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0 or not answer:
        bound = f"{memory_bytes / (1 << 30):.0f} GiB"
        raise IsolatedFailure(f"{what}: the reader stopped before it finished ({_ended(process.returncode)}; "
                              f"its memory bound is {bound}); the file is not read")  # fmt: skip
    succeeded, payload = pickle.loads(answer)
    if not succeeded:
        raise payload
    return payload


if __name__ == "__main__":
    _child()
