"""The workflow: the engine that applies the route's actions, its named checks and the award rules.

Importing the package registers every named check (the award rules' module adds its own to the registry)."""

from tdkt.workflow import award_rules, checks

__all__ = ["award_rules", "checks"]
