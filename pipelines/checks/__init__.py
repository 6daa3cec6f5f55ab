"""Check factories beside the assets they guard: the standard checks of a facts table and a mart's key
(`facts`), and no unexplained loss against the current publication (`shrink`)."""
