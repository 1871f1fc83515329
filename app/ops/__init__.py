"""The process and operator entry points: the ``riskstream`` command, the processors' composition
roots and their supervisor, and the operator commands (tenants, replays, backups, status)."""
