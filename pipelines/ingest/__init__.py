"""Raw ingestion: discover files, validate them against the contract,
pseudonymise identifiers and load them into the ``raw`` schema of the
warehouse, recording every file in ``meta.manifest`` and every rejected row
in ``meta.quarantine``."""
