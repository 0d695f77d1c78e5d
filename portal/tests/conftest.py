"""Portal fixtures: a tiny active fraud model (from fraud's tests) so alerts
come from real scoring."""

from fraud.tests.conftest import active_model, media_root

__all__ = ["active_model", "media_root"]
