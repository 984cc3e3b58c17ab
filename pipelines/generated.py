"""Write generated files, or check that the committed ones are current (``--check``).

Used by the three generators: ``pipelines.contract.codegen`` (dbt sources and staging),
``pipelines.national.codegen`` (national measure definitions) and ``pipelines.docs``.
"""

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def write_or_check(files: Mapping[Path, str], command: str,
                   argv: Sequence[str] | None = None) -> int:
    """Write ``files``; with ``--check`` in ``argv`` write nothing and return 1 (naming the
    stale files and ``command``) when any differs from what is on disk."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for path, text in files.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date (run {command}):\n  " + "\n  ".join(stale))
        return 1
    return 0
