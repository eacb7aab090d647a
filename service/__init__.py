"""scones: classify every image dropped into a bucket as bicycle or motorcycle."""
