"""lambda-advisor: a linter and advisor for AWS Lambda configuration."""

__version__ = "0.1.0"
