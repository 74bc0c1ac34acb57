"""From what the services return to what the API answers, one module per resource (a route group
loads only its own)."""
