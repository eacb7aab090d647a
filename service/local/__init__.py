"""The embedded local stack: a moto server provisioned from infra/template.yaml, with the handlers in-process."""
