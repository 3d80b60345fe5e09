"""Emission: IR to readable Python source."""
