"""The raw layer's one shape: a source file fetched by the download helper, recorded as provenance."""

import dagster as dg
import polars as pl

from pipelines.download import Downloader, RemoteFile
from pipelines.provenance import provenance_frame
from pipelines.warehouse import Warehouse


def downloaded_file_asset(
    remote: RemoteFile, name: str, group: str, folder: str, description: str
) -> dg.AssetsDefinition:
    """An asset `raw/<name>` that fetches `remote` into `<data dir>/downloads/<folder>/`.

    It returns the file's provenance record; the address, time, size and sha256 also go into the
    materialisation's metadata. A failed or garbled download fails the asset and keeps the last
    good file (see `pipelines.download`).
    """

    @dg.asset(key_prefix="raw", name=name, group_name=group, kinds={remote.kinds[-1]}, description=description)
    def _downloaded(context: dg.AssetExecutionContext, downloader: Downloader, warehouse: Warehouse) -> pl.DataFrame:
        fetched = downloader.fetch(remote, warehouse.paths.downloads / folder)
        context.add_output_metadata({key: str(value) for key, value in fetched.as_record().items()})
        return provenance_frame([fetched.as_record()])

    return _downloaded
