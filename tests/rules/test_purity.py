"""The rules core stays pure: importing it loads no web, database or form library."""

import json
import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "wtforms", "screening", "flask_wtf", "flask_sqlalchemy")


def test_importing_rules_loads_no_framework_module():
    probe = "import json, sys, rules, rules.__main__\nprint(json.dumps(sorted(sys.modules)))\n"
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = json.loads(completed.stdout)
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert offenders == []
    assert "rules.engine" in loaded
