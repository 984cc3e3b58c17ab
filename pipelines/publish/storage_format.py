"""The on-disk storage version of a DuckDB file, read from its header.

A DuckDB file starts with an 8-byte checksum, the magic bytes ``DUCK`` and the
storage version number as a little-endian uint64 (DuckDB's storage docs read it
with ``struct.Struct('<8x4sQ')``). Measured here: duckdb 2.0.1 writes 999 by
default, 68 with ``STORAGE_VERSION 'v1.5.0'`` and 64 with ``'v1.0.0'``; duckdb
1.5.6 refuses anything outside 64..68 ("we can only read versions between 64
and 68").
"""

import struct
from pathlib import Path

# What we write, and what a duckdb 1.5.x client (e.g. the Metabase driver) can read.
STORAGE_VERSION = "v1.5.0"
READABLE_BY_V1_5 = range(64, 69)

_HEADER = struct.Struct("<8x4sQ")


def storage_version_number(path: Path) -> int:
    """The storage version number in a DuckDB file's main header."""
    with path.open("rb") as fh:
        magic, version = _HEADER.unpack(fh.read(_HEADER.size))
    if magic != b"DUCK":
        raise ValueError(f"{path} is not a DuckDB database file")
    return int(version)


def readable_by_v1_5(path: Path) -> bool:
    return storage_version_number(path) in READABLE_BY_V1_5
