"""Run every benchmark in this folder and print one table.

Each `bench_*.py` module exposes `run() -> list[dict]`; a row has: benchmark, case, value, unit,
and optionally baseline (measured in the same run), ratio, goal and met. Targets live here, never in
timed tests. Note rows (value None, case "note: ...": where the time goes, say) are printed under the
table, each on its own line, so that their length does not widen every row's case column.

A benchmark listed in FOLLOW_UPS continues another's state instead of building its own: when both are
selected, its ``FollowUp()`` is passed to the host's ``run(follow_up=...)`` and its own ``run()`` (which
builds that state itself) is not called.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent

# follow-up -> host: bench_incremental measures the incremental path and the floor on the state the
# in-process nationwide refresh leaves, so the full refresh is paid once.
FOLLOW_UPS = {"bench_incremental": "bench_nationwide"}


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
    selected = [p for p in sorted(HERE.glob("bench_*.py")) if not only or any(name in p.stem for name in only)]
    stems = {p.stem for p in selected}
    for path in selected:
        if FOLLOW_UPS.get(path.stem) in stems:
            continue  # run by its host, below
        follow_ups = [HERE / f"{f}.py" for f, host in FOLLOW_UPS.items() if host == path.stem and f in stems]
        print(f"running {path.stem}{''.join(f' + {f.stem}' for f in follow_ups)} ...", file=sys.stderr, flush=True)
        try:
            module = _load(path)
            if follow_ups:
                (follow_up,) = follow_ups
                rows.extend(module.run(follow_up=_load(follow_up).FollowUp()))
            else:
                rows.extend(module.run())
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            failures += 1
            traceback.print_exc()
            rows.append({"benchmark": path.stem, "case": "ERROR", "value": None, "unit": ""})
    print_table(rows)
    return 1 if failures else 0


def print_table(rows: list[dict]) -> None:
    """The rows as one table; note rows as lines under it."""
    notes = [r for r in rows if _is_note(r)]
    rows = [r for r in rows if not _is_note(r)]
    headers = ["benchmark", "case", "value", "unit", "baseline", "ratio", "goal", "met"]
    table = [[_fmt(r.get(h)) if h != "met" else ("" if r.get("met") is None else ("yes" if r["met"] else "NO"))
              for h in headers] for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)))
    for note in notes:
        print(f"\n{note['benchmark']}: {note['case']}")


def _is_note(row: dict) -> bool:
    return row.get("value") is None and str(row.get("case", "")).startswith("note: ")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
