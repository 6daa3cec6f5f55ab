"""SSB (Statistics Norway): reported offences, offences investigated and cleared up, and sanctions for trafficking."""
