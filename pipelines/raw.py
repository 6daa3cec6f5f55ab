"""The raw layer's two shapes: a file fetched by the download helper, or a curated file in the repository.

Either is recorded as a provenance record (address, time, size, sha256).
"""


import dagster as dg
import polars as pl

from pipelines.curated import CuratedFiles
from pipelines.download import Downloader, RemoteFile
from pipelines.provenance import curated_file_record, provenance_frame
from pipelines.warehouse import Warehouse


def downloaded_file_asset(remote: RemoteFile, folder: str, description: str) -> dg.AssetsDefinition:
    """An asset `raw/<source id>` that fetches `remote` into `<data dir>/downloads/<folder>/`.

    It returns the file's provenance record; the address, time, size and sha256 also go into the
    materialisation's metadata. A failed or garbled download fails the asset and keeps the last
    good file (see `pipelines.download`).
    """

    @dg.asset(
        key_prefix="raw", name=remote.source_id, group_name="raw", kinds={remote.kinds[-1]}, description=description
    )
    def _downloaded(context: dg.AssetExecutionContext, downloader: Downloader, warehouse: Warehouse) -> pl.DataFrame:
        fetched = downloader.fetch(remote, warehouse.paths.downloads / folder)
        context.add_output_metadata({key: str(value) for key, value in fetched.as_record().items()})
        return provenance_frame([fetched.as_record()])

    return _downloaded


def curated_file_asset(source_id: str, file_name: str, publication: str) -> dg.AssetsDefinition:
    """An asset `raw/<source id>` recording the curated file `<curated dir>/<source_id>/<file_name>` by checksum."""

    @dg.asset(
        key_prefix="raw",
        name=source_id,
        group_name="raw",
        kinds={"csv"},
        description=f"The curated {source_id.upper()} figures kept in the repository, recorded by checksum.",
    )
    def _curated(context: dg.AssetExecutionContext, curated: CuratedFiles) -> pl.DataFrame:
        record = curated_file_record(source_id, publication, curated.path(source_id, file_name))
        context.add_output_metadata({key: str(value) for key, value in record.items()})
        return provenance_frame([record])

    return _curated
