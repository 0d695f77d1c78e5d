"""Fraud staff screens: history, registry, rules, batch scoring, review cases."""

from fraud.admin import batches, cases, history, registry, rules

__all__ = ["batches", "cases", "history", "registry", "rules"]
