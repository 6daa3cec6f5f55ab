"""The rapporteur's export pack: `build_pack(...)`, or `python -m export --from --to --out`."""

from export.pack import ExportError, ExportNotNoted, build_pack, pack_as_zip

__all__ = ["ExportError", "ExportNotNoted", "build_pack", "pack_as_zip"]
