"""Data access: one adapter per AWS resource (objects, results, queues, claims, stack outputs, clients)."""
