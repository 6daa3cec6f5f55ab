"""`python -m pipelines.export --from 2015 --to 2024 --out exports`: the pack from the published marts."""

import argparse
import sys
from pathlib import Path

from pipelines.export import ExportError, build_pack
from pipelines.settings import DataPaths, data_dir_from_env


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the rapporteur's export pack from the published marts.")
    parser.add_argument("--from", dest="year_from", type=int, required=True, help="first year")
    parser.add_argument("--to", dest="year_to", type=int, required=True, help="last year")
    parser.add_argument("--out", type=Path, default=Path("exports"), help="folder the pack is written into")
    arguments = parser.parse_args()
    try:
        pack = build_pack(
            DataPaths(data_dir_from_env()).published, arguments.year_from, arguments.year_to, arguments.out
        )
    except ExportError as error:
        print(f"export FAILED: {error}; nothing was written", file=sys.stderr)
        return 1
    print(f"export pack written: {pack}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
