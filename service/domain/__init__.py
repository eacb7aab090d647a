"""What the service is about, free of AWS and Lambda: payload models, error codes, the policy, preprocessing."""
