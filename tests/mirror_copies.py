"""Test helper: a copy of the mirror made of links to the real files, with one file replaced."""

from pathlib import Path


def mirror_with(mirror: Path, site: Path, replaced: Path, content: bytes) -> Path:
    """A mirror folder of links to the real files, with `replaced` holding `content` instead."""
    for path in mirror.rglob("*"):
        if path.is_file():
            target = site / path.relative_to(mirror)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    (site / replaced).unlink()
    (site / replaced).write_bytes(content)
    return site
