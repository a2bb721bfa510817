"""Every manifest-based output shown in the README comes from a run of the current code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_are_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_examples.py"),
                           "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
