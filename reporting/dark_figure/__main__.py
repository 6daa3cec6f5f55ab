"""`python -m reporting.dark_figure`: compute the published examples' estimates once, before readers come.

`make refresh` and `make serve` run it, so the Mørketall page reads them from `<data dir>/cache/`.
"""

from core.settings import DataPaths, data_dir_from_env
from reporting.dark_figure.examples import examples_folder, stored_example_results


def main() -> None:
    """Compute the published examples' estimates once, for the data dir `TRAFFICKING_DATA_DIR` names."""
    folder = examples_folder()
    if not any(folder.glob("*.csv")) if folder.is_dir() else True:
        print(f"no example tables in {folder}: the Mørketall page shows the published figures only")
        return
    results = stored_example_results(folder, DataPaths(data_dir_from_env()).root / "cache")
    print(f"dark-figure examples ready: {sum(result is not None for result in results.values())} of {len(results)}")


main()
