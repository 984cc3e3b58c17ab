"""The static HTML dashboard built from the published marts (issue #6). See docs/dashboard.md.

Public API:

- ``build_dashboard(settings) -> Path``: write ``<publish_dir>/dashboard/`` and return
  the path of its ``index.html``;
- ``build(settings) -> DashboardResult``: the same, with the list of pages written;
- ``python -m pipelines.dashboard``: the same from the command line.
"""

from pipelines.dashboard.build import DashboardResult, build, build_dashboard
from pipelines.dashboard.data import DashboardError

__all__ = ["DashboardError", "DashboardResult", "build", "build_dashboard"]
