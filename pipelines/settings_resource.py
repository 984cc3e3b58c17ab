"""The pipeline's settings as a Dagster resource: ``settings`` (``SETTINGS_RESOURCE_KEY``).

One field per environment variable of ``pipelines.config.VARIABLES`` (the field is the
variable's name in lower case: ``mhp_raw_dir``, ``dagster_home``), each given as a
``dg.EnvVar`` by ``from_environment``: Dagster reads the value when a run starts (not when
the code location loads) and never shows it in the UI. The resource parses its fields with
the same function as ``load_settings`` (blank or unset: the one default of the variable),
so an asset gets exactly what a command-line tool gets::

    @dg.asset
    def my_asset(settings: PipelineSettings) -> None:
        s = settings.settings()          # pipelines.config.Settings
        ops = settings.operations()      # pipelines.operations.settings.OperationsSettings

A variable not set when the code location loads gets no EnvVar (Dagster refuses to
start a run with an unset one): its field stays unset, and the run reads the variable
when it starts (an in-process run after the variable was set: tests, the backfill), else
its default. A run config or a test may give any field a plain value instead.
"""

import dagster as dg
import pydantic

from pipelines.config import VARIABLES, Settings, environment, settings_from
from pipelines.operations.settings import OperationsSettings, operations_settings

SETTINGS_RESOURCE_KEY = "settings"


def settings_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Settings:
    """The pipeline settings of a run, from its ``settings`` resource (an asset or check
    that declares ``SETTINGS_RESOURCE_KEY`` in its required resource keys)."""
    return getattr(context.resources, SETTINGS_RESOURCE_KEY).settings()


def field_name(variable: str) -> str:
    """The resource field of an environment variable: its name in lower case."""
    return variable.lower()


class _PipelineSettingsBase(dg.ConfigurableResource):
    """Every pipeline setting, one field per environment variable (docs/operations.md)."""

    def variables(self) -> dict[str, str]:
        """The variables as this run sees them: the fields that are set (EnvVars resolved
        by Dagster at the start of the run, or plain values), the run's environment for
        the others."""
        env = environment()
        values = {v.name: env[v.name] for v in VARIABLES if v.name in env}
        values.update({
            v.name: value for v in VARIABLES
            if (value := getattr(self, field_name(v.name))) is not None
        })
        return values

    def settings(self) -> Settings:
        """The pipeline's settings (raises SettingError naming a bad variable and value)."""
        return settings_from(self.variables())

    def operations(self) -> OperationsSettings:
        """The operations layer's settings (alerts, sensor, lock, freshness)."""
        return operations_settings(self.variables())

    @classmethod
    def from_environment(cls) -> "PipelineSettings":
        """The resource with an EnvVar for every variable set in this environment."""
        env = environment()
        return PipelineSettings(**{
            field_name(v.name): dg.EnvVar(v.name) for v in VARIABLES if env.get(v.name)
        })


# The fields are made from VARIABLES, so a new variable needs one entry there and nothing
# here; the description names the variable and its default (shown in the Dagster UI).
PipelineSettings = pydantic.create_model(  # type: ignore[call-overload]
    "PipelineSettings",
    __base__=_PipelineSettingsBase,
    __module__=__name__,
    **{
        field_name(v.name): (
            str | None,
            pydantic.Field(
                default=None,
                description=f"{v.name} (unset: {v.default if v.default is not None else 'none'})",
            ),
        )
        for v in VARIABLES
    },
)
PipelineSettings.__doc__ = _PipelineSettingsBase.__doc__
