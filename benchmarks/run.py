"""Run every benchmark in this folder and print one table.

Each `bench_*.py` module exposes `run() -> list[dict]`; a row has: benchmark, case, value, unit,
and optionally baseline (measured in the same run), ratio, goal and met. Targets live here, never in
timed tests.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str]) -> int:
    only = argv[1:] if len(argv) > 1 else None
    rows: list[dict] = []
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if only and not any(name in path.stem for name in only):
            continue
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(_load(path).run())
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            failures += 1
            traceback.print_exc()
            rows.append({"benchmark": path.stem, "case": "ERROR", "value": None, "unit": ""})
    headers = ["benchmark", "case", "value", "unit", "baseline", "ratio", "goal", "met"]
    table = [[_fmt(r.get(h)) if h != "met" else ("" if r.get("met") is None else ("yes" if r["met"] else "NO"))
              for h in headers] for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
