"""The review page: an HTTP server (server.py) and its static files (static/)."""
