"""A project-local DAGSTER_HOME with telemetry off (nothing leaves the machine)."""

import os
from pathlib import Path

from pipelines.config import Settings

DAGSTER_YAML = """\
# written by pipelines/dagster_home.py
telemetry:
  enabled: false
# no "join the community" sign-up dialog in the UI (it links out of the trust's network)
nux:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
run_monitoring:
  enabled: true
  max_resume_run_attempts: 0
"""


def ensure_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists() or cfg.read_text(encoding="utf-8") != DAGSTER_YAML:
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    return home
