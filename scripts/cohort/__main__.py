"""`python -m scripts.cohort --patients 10000 --seed 1`: the generate_cohort command, from a
shell without manage.py (same options)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "generate_cohort", *sys.argv[1:]])
