"""IAM as the local stack enforces it: the policy evaluator, request-to-ARN mapping, role credentials, and the
check every principal's call passes. `scones doctor` uses the same evaluator on a local stack's roles."""
