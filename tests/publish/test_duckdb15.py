"""The published file and Parquet open in duckdb 1.5.x, as bundled by BI drivers.

Installs duckdb 1.5.x into a throwaway venv (uv if available, else venv + pip) and
skips if that is not possible here.
"""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.publish import PublishResult

REQUIREMENT = "duckdb>=1.5,<1.6"

READ = textwrap.dedent("""
    import json, sys, duckdb
    db, parquet = sys.argv[1], sys.argv[2]
    con = duckdb.connect(db, read_only=True)
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
    counts = {t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}
    con.close()
    mem = duckdb.connect()
    pq = {t: mem.execute(f"select count(*) from read_parquet('{parquet}/{t}.parquet')")
          .fetchall()[0][0] for t in tables}
    print(json.dumps({"version": duckdb.__version__, "db": counts, "parquet": pq}))
""")


def _venv_python(root: Path) -> Path | None:
    uv = shutil.which("uv") or next(
        (str(p) for p in [PROJECT_ROOT / ".tools" / "bin" / "uv", Path("/tmp/uvboot/bin/uv")]
         if p.exists()), None)
    py = root / "bin" / "python"
    try:
        if uv:
            subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(root)], check=True,
                           capture_output=True, timeout=120)
            subprocess.run([uv, "pip", "install", "-q", "-p", str(py), REQUIREMENT],
                           check=True, capture_output=True, timeout=300)
        else:
            subprocess.run([sys.executable, "-m", "venv", str(root)], check=True,
                           capture_output=True, timeout=120)
            subprocess.run([str(py), "-m", "pip", "install", "-q", REQUIREMENT], check=True,
                           capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return py


@pytest.mark.slow_install
def test_published_file_opens_with_duckdb_1_5(
    published: tuple[Settings, PublishResult], tmp_path: Path
) -> None:
    settings, result = published
    py = _venv_python(tmp_path / "duckdb15")
    if py is None:
        pytest.skip(f"could not install {REQUIREMENT} into a throwaway venv")
    proc = subprocess.run(
        [str(py), "-c", READ, str(result.database), str(settings.publish_dir / "parquet")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["version"].startswith("1.5.")
    assert out["db"] == result.row_counts
    assert out["parquet"] == result.row_counts
