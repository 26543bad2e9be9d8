"""The shared runtime every connector runs on: HTTP, retries, rate limits, paginators, cursors, landing."""
