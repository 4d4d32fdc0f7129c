"""Development-only tools: the demo `make run` loads, the synthetic cohort, the benchmark floors.

Installed by the local, test and bench settings only; production's INSTALLED_APPS (base's)
never has it. The top layer: it may import any app, no product app imports it (docs/CONTRACTS.md).
"""
