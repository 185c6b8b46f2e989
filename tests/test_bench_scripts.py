"""The benchmark scripts are never run by the tests (they time things), but what they import from the app must
still exist: a rename in survey/ that a bench script was not told of fails here, not on the day someone measures."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))


def _imports_from_the_app(path: Path) -> list[tuple[int, str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("survey", "tests"):
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
    return found


def test_there_are_benchmark_scripts_to_check():
    assert len(SCRIPTS) >= 10 and any(_imports_from_the_app(path) for path in SCRIPTS)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_what_a_benchmark_imports_from_the_app_exists(app, path):
    missing = []
    for line, module_name, name in _imports_from_the_app(path):
        module = importlib.import_module(module_name)
        if not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                missing.append(f"{path.name}:{line}: {module_name}.{name}")
    assert missing == []
