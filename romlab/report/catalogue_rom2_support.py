"""Rusta och matcha 2's tables (placeholder: filled by the RoM 2 work)."""
