"""Dagster assets: thin wrappers over functions that can be tested without Dagster."""
