"""One Powertools ``Router`` per resource; ``functions.api.app`` includes them all."""
