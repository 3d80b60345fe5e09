"""Differentiation transforms: forward mode (tangents) and reverse mode (adjoints)."""
