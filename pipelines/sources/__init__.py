"""One package per source: where its files come from, how they are read, how they are harmonised."""
