"""Where the project keeps its files, and the settings an operator changes by environment.

`TRAFFICKING_DATA_DIR` says where a refresh writes downloads, the working warehouse and the
published marts (default: the repository's `data/`). `TRAFFICKING_MIRROR` (a directory or an
http(s) base URL laid out like `../shared/data`) replaces every official download address.
`TRAFFICKING_SOURCE_<SOURCE_ID>` (e.g. `TRAFFICKING_SOURCE_UNODC_GLOTIP`) replaces the address where
one source's release discovery starts (a page or a file), and for that source wins over the mirror.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
CURATED_DIR = REPO_ROOT / "data" / "raw"

PUBLISHED_DB_NAME = "trafficking.duckdb"


@dataclass(frozen=True)
class DataPaths:
    """The folders one data directory holds."""

    root: Path

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "working.duckdb"

    @property
    def marts_dir(self) -> Path:
        return self.root / "marts"

    @property
    def published(self) -> Path:
        return self.marts_dir / PUBLISHED_DB_NAME

    @property
    def publications(self) -> Path:
        """Every kept publication, read-only, and their catalogue (`publications`)."""
        return self.root / "publications"


def data_dir_from_env() -> Path:
    """The data directory named by `TRAFFICKING_DATA_DIR`, or the repository's `data/`."""
    configured = os.environ.get("TRAFFICKING_DATA_DIR", "").strip()
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"


def mirror_from_env() -> str:
    """The mirror named by `TRAFFICKING_MIRROR`, or "" for the official addresses."""
    mirror = os.environ.get("TRAFFICKING_MIRROR", "").strip()
    if mirror and "://" not in mirror:
        return str(Path(mirror).expanduser().resolve())
    return mirror


def download_retries_from_env() -> int:
    """`TRAFFICKING_DOWNLOAD_RETRIES`: how often a failed request is tried again (3; 0 on a machine known to be
    offline, so a refresh does not wait out the backoff before taking the last good releases)."""
    configured = os.environ.get("TRAFFICKING_DOWNLOAD_RETRIES", "").strip()
    return int(configured) if configured.isdigit() else 3


def source_start_from_env(source_id: str) -> str:
    """The address `TRAFFICKING_SOURCE_<SOURCE_ID>` names for one source, or ""."""
    return os.environ.get(f"TRAFFICKING_SOURCE_{source_id.upper()}", "").strip()


def notify_url_from_env() -> str:
    """`TRAFFICKING_NOTIFY_URL`: where a refresh that did not end with every source current is reported (a webhook
    taking JSON), or "" for no report."""
    return os.environ.get("TRAFFICKING_NOTIFY_URL", "").strip()
