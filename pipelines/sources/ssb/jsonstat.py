"""A JSON-stat 2.0 dataset as PxWebApi v2 answers it: dimensions, categories, values and status symbols.

What the reader relies on (https://json-stat.org/format/, and SSB's answers as documented):

- `id` names the dimensions in order and `size` their number of categories;
- `dimension.<id>.category.index` gives the categories' order: an object of code to position, or
  an array of codes (some hosts); a dimension with one category may leave it out, and then the one
  key of `category.label` is the code;
- `category.label` maps each code to its label (a code without a label is its own label);
- `value` holds the cells in row-major order (the last dimension varies fastest), as an array or as
  an object of position to value (a sparse dataset); a missing cell is `null`;
- `status` holds the cells' symbols (such as `..` for "no data"): an object of position to symbol,
  an array with one symbol per cell, or one string for every cell;
- `role.time` and `role.metric` name the time and the measured-variable dimensions;
- `updated` is when the table was last updated: the release.

A metadata answer has the dimensions and no values: PxWebApi 2.x writes `"value": []` in every metadata
answer (`PxWeb/Mappers/DatasetMapper.cs` in github.com/PxTools/PxWebApi sets `dataset.Value = new
List<double?>()`; its fixture `PxWebApi_Mvc.Tests/ExpectedJson/MetadataById_tab004_js2.json` ends in
`"value": []`), so an empty `value` is read as no values, never as a table of zero cells. A null is never
read as 0 here: a missing cell keeps `value` None and its symbol (PxWebApi's JSON-stat serializer writes
every cell with a data symbol, SSB's nil `-` included, as `null` with the symbol in `status`); what a
symbol means is the harmonisation's business.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class JsonStatError(ValueError):
    """A document that is not a JSON-stat 2.0 dataset as this reader needs it; the message names the file."""


@dataclass(frozen=True)
class Dimension:
    """One dimension: its id, label, category codes in order and their labels, and whether it may be left out."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    elimination: bool | None

    def label_of(self, code: str) -> str:
        return self.labels[self.codes.index(code)]


@dataclass(frozen=True)
class Cell:
    """One cell: its position in `value`, a (code, label) per dimension, its value (None if missing) and symbol."""

    position: int
    categories: tuple[tuple[str, str], ...]
    value: float | None
    status: str | None


@dataclass(frozen=True)
class Dataset:
    """A JSON-stat 2.0 dataset (metadata: `values` is None)."""

    name: str
    label: str
    updated: str | None
    dimensions: tuple[Dimension, ...]
    roles: dict[str, tuple[str, ...]]
    values: tuple[float | None, ...] | None
    statuses: tuple[str | None, ...]
    notes: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(dimension.id for dimension in self.dimensions)

    @property
    def cell_count(self) -> int:
        return math.prod(len(dimension.codes) for dimension in self.dimensions)

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(f"{self.name}: no dimension {dimension_id!r} (it has {list(self.ids)})")

    def role(self, role: str) -> str | None:
        """The dimension with `role` (`time`, `metric`): from `role`, else PxWeb's usual ids `Tid`, `ContentsCode`."""
        named = self.roles.get(role, ())
        if named:
            return named[0]
        fallback = {"time": "Tid", "metric": "ContentsCode"}.get(role)
        return fallback if fallback in self.ids else None

    def cells(self) -> Iterator[Cell]:
        """Every cell in row-major order with its categories, value and status symbol."""
        if self.values is None:
            raise JsonStatError(f"{self.name}: the document has no values (is it metadata?)")
        strides = _strides([len(dimension.codes) for dimension in self.dimensions])
        for position, value in enumerate(self.values):
            categories = []
            for dimension, stride in zip(self.dimensions, strides, strict=True):
                index = (position // stride) % len(dimension.codes)
                categories.append((dimension.codes[index], dimension.labels[index]))
            yield Cell(position, tuple(categories), value, self.statuses[position])


def _strides(sizes: list[int]) -> list[int]:
    strides, step = [], 1
    for size in reversed(sizes):
        strides.append(step)
        step *= size
    return list(reversed(strides))


def read_dataset(path: Path) -> Dataset:
    """The dataset in the JSON file `path`; raises `JsonStatError` naming the file."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JsonStatError(f"{path}: not a JSON document ({error})") from error
    return parse_dataset(document, str(path))


def parse_dataset(document: object, name: str) -> Dataset:
    """The dataset in a decoded JSON-stat 2.0 document; `name` (a file or an address) goes into every error."""
    if not isinstance(document, dict):
        raise JsonStatError(f"{name}: not a JSON-stat dataset (a {type(document).__name__}, not an object)")
    if document.get("class", "dataset") != "dataset":
        raise JsonStatError(f"{name}: JSON-stat class {document.get('class')!r}, expected 'dataset'")
    ids, sizes, dimensions = document.get("id"), document.get("size"), document.get("dimension")
    if not isinstance(ids, list) or not isinstance(sizes, list) or not isinstance(dimensions, dict):
        raise JsonStatError(f"{name}: not a JSON-stat 2.0 dataset (no 'id', 'size' and 'dimension')")
    if len(ids) != len(sizes):
        raise JsonStatError(f"{name}: 'id' has {len(ids)} dimensions but 'size' {len(sizes)}")
    parsed = tuple(
        _dimension(name, str(dimension_id), dimensions, size) for dimension_id, size in zip(ids, sizes, strict=True)
    )
    count = math.prod(len(dimension.codes) for dimension in parsed)
    values = None if document.get("value") in (None, []) else _values(name, document["value"], count)
    roles = {
        str(role): tuple(str(member) for member in members)
        for role, members in (document.get("role") or {}).items()
        if isinstance(members, list)
    }
    notes = document.get("note") or ()
    return Dataset(
        name=name,
        label=str(document.get("label") or ""),
        updated=str(document["updated"]) if document.get("updated") else None,
        dimensions=parsed,
        roles=roles,
        values=values,
        statuses=_statuses(name, document.get("status"), count if values is not None else 0),
        notes=tuple(str(note) for note in notes) if isinstance(notes, list) else (str(notes),),
    )


def _dimension(name: str, dimension_id: str, dimensions: dict, size: object) -> Dimension:
    where = f"{name}, dimension {dimension_id!r}"
    entry = dimensions.get(dimension_id)
    if not isinstance(entry, dict) or not isinstance(entry.get("category"), dict):
        raise JsonStatError(f"{where}: no 'category' for a dimension listed in 'id'")
    category = entry["category"]
    labels = category.get("label") or {}
    index = category.get("index")
    if isinstance(index, dict):
        positions = sorted(index.items(), key=lambda item: item[1])
        if [position for _, position in positions] != list(range(len(positions))):
            raise JsonStatError(f"{where}: 'category.index' positions are not 0..{len(positions) - 1}")
        codes = tuple(str(code) for code, _ in positions)
    elif isinstance(index, list):
        codes = tuple(str(code) for code in index)
    elif index is None and isinstance(labels, dict) and len(labels) == 1:
        codes = (str(next(iter(labels))),)
    else:
        raise JsonStatError(f"{where}: 'category.index' is neither an object nor an array")
    if not isinstance(labels, dict):
        raise JsonStatError(f"{where}: 'category.label' is not an object")
    if size != len(codes):
        raise JsonStatError(f"{where}: 'size' says {size} categories, 'category.index' has {len(codes)}")
    extension = entry.get("extension") if isinstance(entry.get("extension"), dict) else {}
    elimination = extension.get("elimination")
    return Dimension(
        id=dimension_id,
        label=str(entry.get("label") or dimension_id),
        codes=codes,
        labels=tuple(str(labels.get(code, code)) for code in codes),
        elimination=elimination if isinstance(elimination, bool) else None,
    )


def _number(name: str, position: int, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JsonStatError(f"{name}: value at position {position} is {value!r}, not a number or null")
    return float(value)


def _values(name: str, values: object, count: int) -> tuple[float | None, ...]:
    if isinstance(values, list):
        if len(values) != count:
            raise JsonStatError(f"{name}: 'value' has {len(values)} cells, the dimensions' sizes make {count}")
        return tuple(_number(name, position, value) for position, value in enumerate(values))
    if isinstance(values, dict):
        cells: list[float | None] = [None] * count
        for key, value in values.items():
            position = _position(name, "value", key, count)
            cells[position] = _number(name, position, value)
        return tuple(cells)
    raise JsonStatError(f"{name}: 'value' is neither an array nor an object")


def _statuses(name: str, status: object, count: int) -> tuple[str | None, ...]:
    if status is None:
        return (None,) * count
    if isinstance(status, str):
        return (status,) * count
    if isinstance(status, list):
        if len(status) != count:
            raise JsonStatError(f"{name}: 'status' has {len(status)} entries for {count} cells")
        return tuple(None if symbol is None else str(symbol) for symbol in status)
    if isinstance(status, dict):
        symbols: list[str | None] = [None] * count
        for key, symbol in status.items():
            symbols[_position(name, "status", key, count)] = None if symbol is None else str(symbol)
        return tuple(symbols)
    raise JsonStatError(f"{name}: 'status' is neither a string, an array nor an object")


def _position(name: str, what: str, key: object, count: int) -> int:
    try:
        position = int(str(key))
    except ValueError:
        raise JsonStatError(f"{name}: '{what}' key {key!r} is not a cell position") from None
    if not 0 <= position < count:
        raise JsonStatError(f"{name}: '{what}' position {position} is outside the {count} cells")
    return position
