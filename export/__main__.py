"""`python -m export --from 2015 --to 2024 --out exports [--publication ID]`: the rapporteur's pack.

With `--publication` (an id, the start of one, `current`, or a date: the publication current then) the
pack is built from that kept publication (`publications`), byte for byte the pack built from
it when it was current, if the code is the same. Every export is noted beside the kept publications, so
pruning never removes a publication a pack was made from.
"""

import argparse
import os
import sys
from pathlib import Path

from core.settings import DataPaths, data_dir_from_env
from export import ExportError, ExportNotNoted, build_pack
from publications import PublicationNotFound, PublicationStore


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the rapporteur's export pack from the published marts.")
    parser.add_argument("--from", dest="year_from", type=int, required=True, help="first year")
    parser.add_argument("--to", dest="year_to", type=int, required=True, help="last year")
    parser.add_argument("--out", type=Path, default=Path("exports"), help="folder the pack is written into")
    parser.add_argument(
        "--publication",
        default=None,
        help="a kept publication (id, start of an id, 'current', or a date: the one current then); default: current",
    )
    arguments = parser.parse_args()
    store = PublicationStore(DataPaths(data_dir_from_env()))
    try:
        published, publication_id = store.export_source(arguments.publication or None)
        noted_in = (store, publication_id) if publication_id is not None else None
        pack = build_pack(published, arguments.year_from, arguments.year_to, arguments.out, noted_in=noted_in)
    except ExportNotNoted as warning:
        print(warning, file=sys.stderr)
        pack = warning.pack
    except (ExportError, PublicationNotFound, RuntimeError) as error:  # RuntimeError: the data dir's lock
        print(f"export FAILED: {error}; nothing was written", file=sys.stderr)
        return 1
    print(f"export pack written: {pack}" + (f" (publication {publication_id})" if publication_id else ""))
    return 0


def exit_now(status: int) -> None:
    """Ends the process with `status` once its words are out, without waiting for other threads.

    When chromium fails to start, choreographer (kaleido's browser driver, 1.4.0) leaves worker threads that never
    end, and an ordinary exit waits for them forever: the command said "export FAILED" and then hung (seen in CI).
    Everything the export writes is written and closed before `main` returns, so nothing is lost by not waiting.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
