"""Analyses over the IR that passes and transforms consult."""
