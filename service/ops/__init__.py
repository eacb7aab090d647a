"""Operator tools over a running stack: review, redrive, accounting, logs, metrics, cost, reports."""
