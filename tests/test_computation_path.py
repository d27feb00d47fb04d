"""Published values stay off the computation path, and romlab imports however it resolves.

Issue 12, point 6: the period computation (`romlab.run.period.compute` and `protect`, what
every notebook and run reads) must not load anything that reads ``data/published``
(`romlab.publication.compare`, any module that names ``paths.PUBLISHED``) nor the generator's
calibration (`romlab.dataset.synth`, `romlab.dataset.synth_params`), and must give the same tables when
``data/published`` cannot be reached. Both run in a fresh interpreter, so modules that
other tests imported do not hide an import.

Issue 12 (namespace package): run from the folder that holds a clone named ``romlab``,
``import romlab`` resolves to the clone as a namespace package while the modules load
from the installed package; `classify.comparison_rows` must still find its CSV.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from romlab import paths

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2023-10"

#: Modules the computation must never load: the comparison (reads data/published), the
#: generator with its calibration (holds published numbers), and the code that writes a
#: run's outputs (computation never imports output code: the import graph runs one way).
FORBIDDEN = ("romlab.publication.compare", "romlab.dataset.synth", "romlab.dataset.synth_params",
             "romlab.publication.exports", "romlab.publication.workbook", "romlab.publication.manifest",
             "romlab.publication.workbook_sheets", "romlab.publication.html_table", "romlab.run.page_frame",
             "romlab.run.runner", "romlab.run.pages", "romlab.run.execute", "romlab.run.cli")


def _python(code: str, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run `code` in a fresh interpreter; its stdout (fails the test on a non-zero exit)."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_the_period_computation_loads_nothing_that_reads_published_values():
    out = _python(f"""
        import json, sys
        from romlab.run import period
        after_import = sorted(m for m in sys.modules if m.startswith("romlab"))
        from romlab.run.config import RunConfig
        period.protect(period.compute(RunConfig.for_period({PERIOD!r}), {str(paths.SAMPLE)!r}))
        loaded = {{m: getattr(sys.modules[m], "__file__", None) for m in sys.modules if m.startswith("romlab")}}
        print(json.dumps({{"after_import": after_import, "loaded": loaded}}))
        """)
    got = json.loads(out.splitlines()[-1])
    loaded = got["loaded"]
    assert {"romlab.run.period", "romlab.report.registry", "romlab.report.support", "romlab.report.results"} <= set(loaded)
    for name in FORBIDDEN:
        assert name not in got["after_import"], f"import romlab.run.period loads {name}"
        assert name not in loaded, f"the period computation loads {name}"
    # no loaded module names the published folder (paths.py only defines it)
    for name, file in loaded.items():
        if file and name != "romlab.paths":
            src = Path(file).read_text(encoding="utf-8")
            assert not re.search(r"\bPUBLISHED\b", src), f"{name} refers to paths.PUBLISHED"


def test_the_tables_are_the_same_without_data_published(tmp_path):
    """The computation in a fresh interpreter whose project root (``ROMLAB_ROOT``) has no
    ``data/published``, with an audit hook that fails on any access to the real one,
    gives exactly the tables computed here with it in place."""
    real = str(paths.PUBLISHED.resolve())
    result = tmp_path / "tables.pkl"
    _python(f"""
        import pickle, sys

        def guard(event, args):
            if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
                p = args[0].decode() if isinstance(args[0], bytes) else args[0]
                if p.startswith({real!r}):
                    raise RuntimeError("data/published read on the computation path: " + p)

        sys.addaudithook(guard)
        from romlab import paths
        from romlab.run import period
        from romlab.run.config import RunConfig
        assert not paths.PUBLISHED.exists(), paths.PUBLISHED
        p = period.protect(period.compute(RunConfig.for_period({PERIOD!r}), {str(paths.SAMPLE)!r}))
        with open({str(result)!r}, "wb") as f:
            pickle.dump({{"tables": p.tables, "nyckeltal": p.nyckeltal, "log": p.log}}, f)
        """, env={"ROMLAB_ROOT": str(tmp_path / "root")})
    with result.open("rb") as f:
        without = pickle.load(f)

    from romlab.run import period
    from romlab.run.config import RunConfig

    ref = period.protect(period.compute(RunConfig.for_period(PERIOD), paths.SAMPLE))
    assert set(without["tables"]) == set(ref.tables)
    for key, t in ref.tables.items():
        pd.testing.assert_frame_equal(without["tables"][key], t, check_exact=True, obj=f"table {key}")
    pd.testing.assert_frame_equal(without["log"], ref.log, check_exact=True)
    assert without["nyckeltal"] == ref.nyckeltal


def test_comparison_rows_load_when_romlab_resolves_as_a_namespace_package(tmp_path):
    """A script run from the folder that holds a clone named ``romlab`` (here: an empty
    folder of that name with a ``data/`` of its own, as a clone has)."""
    (tmp_path / "romlab" / "data").mkdir(parents=True)
    out = _python("""
        import json, romlab
        from romlab.report import classify
        rows = classify.comparison_rows()
        print(json.dumps({"namespace": getattr(romlab, "__file__", None) is None, "rows": len(rows),
                          "first": rows["label"].iloc[0]}))
        """, cwd=tmp_path)
    got = json.loads(out.splitlines()[-1])
    assert got["rows"] == 18 and got["first"] == "Kvinnor"
    if not got["namespace"]:
        pytest.skip("romlab resolved as its regular package here (not an editable install): "
                    "the namespace case did not arise, though the rows loaded")
