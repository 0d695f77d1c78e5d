"""Partner API routes owned by accounts (filled in by later issues)."""

urlpatterns: list = []
