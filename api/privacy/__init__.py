"""RGPD: a person's data exported or erased on request, and purged after inactivity."""
