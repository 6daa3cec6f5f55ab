"""The version of the code that made a publication or a pack: the git commit and whether the tree had changes."""

import subprocess
from pathlib import Path

from core.settings import REPO_ROOT


def code_version(root: Path = REPO_ROOT) -> dict:
    """The git commit of the checkout at `root`, and whether its tracked files had changes (None: unknown)."""
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    except OSError:
        return {"git_commit": "unknown (git is not installed)", "dirty": None}
    except subprocess.SubprocessError:
        return {"git_commit": "unknown (not a git checkout)", "dirty": None}
    return {"git_commit": commit, "dirty": dirty}


def same_code(one: dict, other: dict) -> bool:
    """Whether two code versions are certainly the same code: one known commit, and no uncommitted changes in either."""
    known = one.get("dirty") is not None and other.get("dirty") is not None
    return known and one.get("git_commit") == other.get("git_commit") and not one["dirty"] and not other["dirty"]


def _git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
