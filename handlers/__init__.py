"""Thin Lambda entry points; the logic lives in `service`."""
