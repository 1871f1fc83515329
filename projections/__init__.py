"""Read models built from the log: PostgreSQL views, MongoDB rollups, Redis live progress."""
