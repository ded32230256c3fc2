"""The attack battery: one module per area of attack (see each module's docstring)."""
