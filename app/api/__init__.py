"""The HTTP API: the FastAPI app (:mod:`app.api.main`), its routes and what every request
passes through (authentication, validation, rate limits, idempotency, problem answers)."""
