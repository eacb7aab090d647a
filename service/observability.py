"""Powertools Logger, Tracer and Metrics, set up once and imported by every handler."""

from aws_lambda_powertools import Logger, Metrics, Tracer

from service.settings import get_settings

logger = Logger(service="scones")
tracer = Tracer(service="scones")
metrics = Metrics(namespace=get_settings().metrics_namespace, service="scones")
