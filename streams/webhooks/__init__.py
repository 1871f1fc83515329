"""Webhooks per the Standard Webhooks specification: signing, endpoint state, fan-out."""
