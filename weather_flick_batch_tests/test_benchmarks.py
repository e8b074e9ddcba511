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


# -- Layering: benchmarks and tests share weather_flick_batch.testing; production never imports it --
PACKAGE = BENCH.parent / "weather_flick_batch"


def _imports(path: Path, module: str) -> set[str]:
    """Absolute names of the modules ``path`` (the module ``module``) imports, relative imports resolved,
    plus dotted module names it hands over as strings (importlib, code servers: ``-m``, ``for_module``)."""
    import ast
    import re

    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"weather_flick_batch(_tests)?(\.\w+)+|weather_flick_batch_tests", node.value):
                found.add(node.value)
    return found


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_benchmarks_do_not_import_the_test_suite():
    """Shared fakes and helpers live in weather_flick_batch.testing: benchmarks/ must not need the tests."""
    offenders = {str(p.relative_to(BENCH.parent)): sorted(n for n in _imports(p, f"benchmarks.{p.stem}")
                                                          if _under(n, "weather_flick_batch_tests"))
                 for p in sorted(BENCH.rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_production_code_does_not_import_the_test_utilities():
    """Only weather_flick_batch.testing itself may import weather_flick_batch.testing; no module of the
    package (testing included) imports the test suite."""
    assert (PACKAGE / "testing" / "__init__.py").exists()
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        inside_testing = _under(module, "weather_flick_batch.testing")
        bad = sorted(n for n in _imports(path, module)
                     if _under(n, "weather_flick_batch_tests")
                     or (not inside_testing and _under(n, "weather_flick_batch.testing")))
        if bad:
            offenders[module] = bad
    assert offenders == {}
