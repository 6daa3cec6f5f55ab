"""Read an upstream file where a crash cannot take the refresh with it: another process, a memory and time bound.

A publisher's file can make a native reader allocate without limit (one far cell of a workbook asks
for 512 GiB) or abort; in the refresh's own process that would end every source's run with no
status and nothing published. `run_isolated` runs the reader in a fresh process with its address
space capped and a deadline; a crash, a memory blow-up or a hang becomes `IsolatedFailure`, one
sentence naming the file, and the degrade rule keeps that source at its last good release.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
from collections.abc import Callable
from typing import Any

MEMORY_BYTES = 4 << 30
"""The reader's address-space bound (the real workbook needs well under 1 GiB)."""
SECONDS = 300


class IsolatedFailure(RuntimeError):
    """The reader crashed, ran out of its memory bound or its time: the file is not read."""


def _child(sender: Any, function: Callable[..., Any], args: tuple, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        sender.send((True, function(*args)))
    except BaseException as error:
        try:
            sender.send((False, error))
        except Exception:
            sender.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


def _ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        return f"it was stopped by {name}" + (
            " (a native crash, often memory it could not get)" if name == "SIGABRT" else ""
        )
    return f"it ended with exit code {exitcode}"


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
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args, memory_bytes), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise IsolatedFailure(f"{what}: not read within {seconds:.0f} s; the reader was stopped")
        try:
            succeeded, payload = receiver.recv()
        except EOFError:
            process.join(10)
            bound = f"{memory_bytes / (1 << 30):.0f} GiB"
            raise IsolatedFailure(f"{what}: the reader stopped before it finished ({_ended(process.exitcode)}; "
                                  f"its memory bound is {bound}); the file is not read") from None  # fmt: skip
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(10)
    if not succeeded:
        raise payload
    return payload
