"""House rules for the code base itself (conventions, not behaviour)."""

from __future__ import annotations

from pathlib import Path

import weather_flick_batch

#: A module longer than this does more than one job: split it along its seams (a package whose
#: ``__init__`` re-exports what importers use, or sibling modules).
MAX_MODULE_LINES = 800


def test_no_module_is_longer_than_800_lines():
    root = Path(weather_flick_batch.__file__).resolve().parent
    lengths = {
        path.relative_to(root.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert lengths, f"no Python modules found under {root}"
    offenders = sorted(((n, name) for name, n in lengths.items() if n > MAX_MODULE_LINES), reverse=True)
    assert not offenders, (
        f"{len(offenders)} module(s) longer than {MAX_MODULE_LINES} lines; split each along its seams:\n"
        + "\n".join(f"  {name}: {n} lines" for n, name in offenders)
    )
