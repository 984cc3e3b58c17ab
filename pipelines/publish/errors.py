"""Errors raised by publishing. Any of them means nothing live was changed."""


class PublishError(RuntimeError):
    """The publication was refused or failed; the live published files are untouched."""


class IdentifierFoundError(PublishError):
    """The privacy guard found identifier-shaped values in a table about to be published."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = list(findings)
        lines = "\n".join(f"- {f}" for f in self.findings)
        super().__init__(
            f"refusing to publish: identifier-shaped values found in {len(self.findings)} "
            f"column(s):\n{lines}"
        )


class VerificationError(PublishError):
    """The built file or Parquet folder did not read back as written."""


class PublishLockedError(PublishError):
    """Another publish or rollback holds the publish folder's lock."""
