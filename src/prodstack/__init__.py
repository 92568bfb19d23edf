"""prodstack: a production AWS web stack in Python, planned and applied by Terraform."""

__version__ = "0.1.0"
