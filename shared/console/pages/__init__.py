"""The console's pages; importing this package registers every route on ``shared.console.app.router``."""

from shared.console.pages import approvals, auth, data, runs, settings, templates

__all__ = ["approvals", "auth", "data", "runs", "settings", "templates"]
