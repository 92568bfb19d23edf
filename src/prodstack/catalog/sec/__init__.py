"""Security rules (`SEC-…`): hardening that AWS does not enforce (an apply with them missing
succeeds and works), kept apart from the apply-readiness family, which predicts refusals."""
