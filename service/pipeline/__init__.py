"""The three steps the Lambda handlers run, with their settings, observability and model backends."""
