"""The published marts file: what the dashboard and exports read, swapped in atomically."""
