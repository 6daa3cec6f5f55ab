"""Test helper: a folder built once per test run, shared by the run's xdist workers.

The first worker to ask builds it while holding a file lock; another worker asking meanwhile waits for
the lock and then reuses the folder. A build that raised leaves no mark, so the next one to ask builds
it again (and meets the same error). Whoever uses the folder reads it, or copies it before writing.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this test run: shared by every xdist worker, or this session's without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """`<run folder>/<name>`, made by `build(folder)` unless a worker of this run has already made it."""
    shared = run_folder(tmp_path_factory)
    folder, done = shared / name, shared / f"{name}.built"
    with FileLock(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            done.touch()
    return folder
