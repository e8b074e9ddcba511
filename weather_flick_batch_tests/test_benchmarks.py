"""Every benchmark module imports and exposes run(): `make bench` must not rot between runs.

No timing here: speed is measured by `make bench`, never asserted in tests.
"""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("path", sorted(BENCH.glob("bench_*.py")), ids=lambda p: p.stem)
def test_benchmark_module_is_runnable(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(getattr(module, "run", None)), f"{path.name} must expose run() -> list[dict]"


def test_every_benchmark_is_in_the_benchmark_table():
    table = (BENCH.parent / "docs" / "benchmarks.md").read_text()
    missing = [p.name for p in BENCH.glob("bench_*.py") if f"`{p.name}`" not in table]
    assert not missing, f"docs/benchmarks.md's table lacks {missing}"
