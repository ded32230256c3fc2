"""Translations of the rule data's patient-facing words, one module per language."""
