"""Marts shaped for the dashboard and exports, and the atomic publication of the marts file."""
