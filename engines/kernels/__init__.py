"""Vectorised numeric kernels behind Excel's financial, date and statistical functions."""
