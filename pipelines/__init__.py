"""Trafficking statistics for Norway: a Dagster code location."""
