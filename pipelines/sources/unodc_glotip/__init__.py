"""UNODC Global Report on Trafficking in Persons (GLOTIP) data: detected victims and the justice chain."""
