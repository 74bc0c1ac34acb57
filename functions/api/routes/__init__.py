"""One Powertools ``Router`` per resource; ``functions.api.app`` includes each when a request first needs it."""
