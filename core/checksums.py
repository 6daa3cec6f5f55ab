"""File checksums, shared by the downloads, provenance, the sensors and the export pack (no Dagster here)."""

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The file's SHA-256 as hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
