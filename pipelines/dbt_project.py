"""The dbt project as Dagster sees it, and an offline dbt CLI resource."""

import hashlib
import os
import subprocess
import sys
from functools import cached_property
from importlib.metadata import version as pkg_version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from pipelines.config import DBT_PROJECT_DIR, Settings


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (not whatever is first on PATH)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for dbt subprocesses: warehouse path and no usage tracking."""
    env = {
        "MHP_WAREHOUSE": str(settings.warehouse),
        "MHP_DBT_TARGET": settings.dbt_target,
        "MHP_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        # the Spark outputs of profiles.yml (read only when MHP_DBT_TARGET selects them)
        "MHP_SPARK_DIR": str(settings.spark_dir),
        "MHP_SPARK_RAW_LOCATION": settings.spark_raw_uri,
        "MHP_SPARK_MASTER": settings.spark_master,
        "MHP_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
        "MHP_SPARK_SHUFFLE_PARTITIONS": str(settings.spark_shuffle_partitions),
    }
    if settings.dbt_target_path is not None:
        # a private target/log folder, so parallel dbt runs (tests, benchmark) never collide
        env["DBT_TARGET_PATH"] = str(settings.dbt_target_path)
        env["DBT_LOG_PATH"] = str(settings.dbt_target_path / "logs")
    return env


def export_dbt_env(settings: Settings) -> None:
    """dagster-dbt passes the process environment to dbt; set what dbt reads."""
    os.environ.update(dbt_env(settings))


MANIFEST_FINGERPRINT = ".mhp_manifest_fingerprint"
_NOT_PROJECT = {"target", "logs", "dbt_packages", ".user.yml"}


def manifest_fingerprint(env: dict[str, str]) -> str:
    """Hash of everything a parse reads: the project's files, dbt's version and the
    MHP_/DBT_ environment (profiles.yml and the models read it through env_var)."""
    digest = hashlib.sha256(pkg_version("dbt-core").encode())
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if rel.parts[0] in _NOT_PROJECT or not path.is_file():
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    for key in sorted(k for k in env if k.startswith(("MHP_", "DBT_"))):
        digest.update(f"{key}={env[key]}\0".encode())
    return digest.hexdigest()


def prepare_manifest(settings: Settings, force: bool = False) -> Path:
    """Run ``dbt parse`` into dbt_project/target (dagster-dbt reads the manifest there at
    import). ``force``: parse again unless the manifest was parsed from exactly the same
    project files, dbt version and settings (a stored fingerprint), so a changed project is
    never run with a stale manifest and an unchanged one skips dbt's start-up cost."""
    target = DBT_PROJECT_DIR / "target"
    manifest = target / "manifest.json"
    env = {**os.environ, **dbt_env(settings)}
    for private in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(private, None)
    stamp = target / MANIFEST_FINGERPRINT
    fingerprint = manifest_fingerprint(env)
    if manifest.exists() and not force:
        return manifest
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return manifest
    stamp.unlink(missing_ok=True)
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        check=True, env=env, cwd=DBT_PROJECT_DIR,
    )
    stamp.write_text(fingerprint)
    return manifest


class OfflineDbtCliResource(DbtCliResource):
    """DbtCliResource that learns dbt's version from package metadata instead of running
    ``dbt --version``, which asks PyPI for the latest release (no network at run time)."""

    @cached_property
    def _cli_version(self) -> version.Version:  # type: ignore[override]
        return version.parse(pkg_version("dbt-core"))


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def run_dbt(settings: Settings, args: list[str], quiet: bool = True) -> None:
    """Run the dbt CLI outside Dagster (tests, benchmark, docs); raise on failure."""
    env = {**os.environ, **dbt_env(settings)}
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if quiet:
        cmd.insert(1, "--quiet")
    proc = subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        )
