"""Leader election (River's ``internal/leadership``) and its backoff."""
