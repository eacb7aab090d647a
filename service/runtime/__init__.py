"""What every Lambda function shares: settings from the environment, Powertools set up once, outcome publishing."""
