"""Execute a notebook with papermill and clean it so that a rerun gives the same bytes.

- `execute_notebook(src, dst, parameters, cwd)`: papermill, the kernel started in `cwd`.
- `normalise_executed(path, source)`: a run's executed notebook without times (papermill's
  metadata kept, its paths relative); what `romlab.run.runner` stores in a run folder.
- `clean_executed(path)`: papermill's metadata dropped altogether; what a stored notebook
  in `notebooks/` keeps (nbval compares against it).
- `execute_in_place(nb)`, `refresh_stored(folder)`: re-execute stored notebooks in place
  on the committed sample.
- `write_html(path)`: the executed notebook as a reader's HTML page beside it.

In both cleaned forms consecutive stream outputs are merged and the injected parameters
cell has the fixed id `INJECTED_ID`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from romlab import paths
from romlab.run import provenance

#: The id of the cell papermill injects (nbformat would give it a random one).
INJECTED_ID = "injected-parameters"

#: Timing fields papermill writes into the notebook's and each cell's metadata.
_TIMES = ("start_time", "end_time", "duration")


def light_notebook_imports() -> None:
    """Let this process import nbformat, papermill and nbconvert without the IRI grammar.

    jsonschema (which nbformat imports) imports `rfc3987_syntax`, when it is installed, to
    check the JSON-schema format "iri"; JupyterLab's jupyter-events installs it. Its import
    builds 38 Lark parsers: about 1 s of CPU in every process that reads a notebook, a
    tenth of a run's critical path. No notebook schema uses that format (nbformat's schemas
    have no "format" keyword), so the run's processes tell Python the module is absent
    (jsonschema then leaves the "iri" check out). Nothing changes when it is imported
    already (another library in this process wants it)."""
    sys.modules.setdefault("rfc3987_syntax", None)


def execute_notebook(src: Path, dst: Path, parameters: dict, cwd: Path, zygote: str | None = None) -> None:
    """Execute `src` with papermill into `dst`, injecting `parameters`, the kernel started
    in `cwd` (forked from the zygote listening at `zygote`, when given:
    `romlab.run.kernel_fork`); papermill's error (naming the cell) propagates."""
    light_notebook_imports()
    import papermill as pm

    extra = {"kernel_manager_class": forked_kernel_manager(zygote)} if zygote else {}
    # the kernel starts in `cwd` (nbclient's resources path) whatever the process's working
    # directory is: papermill's own chdir is process-wide, so notebooks executed at once in
    # threads could otherwise start their kernel in another's folder.
    # `request_save_on_cell_execute=False`: papermill writes the notebook once at the end
    # (and, with the failing cell, on an error) instead of before and after every cell,
    # which cost as much CPU as the cells themselves (85 writes for the support notebook)
    pm.execute_notebook(str(src), str(dst), parameters=parameters, cwd=str(cwd),
                        kernel_name="python3", progress_bar=False, log_output=False,
                        request_save_on_cell_execute=False,
                        resources={"metadata": {"path": str(cwd)}}, **extra)


@lru_cache(maxsize=None)
def forked_kernel_manager(zygote: str):
    """jupyter_client's kernel manager whose IPython kernels are forked from the zygote at
    `zygote` (`romlab.run.kernel_fork.fork_command`); one class per zygote."""
    from jupyter_client.manager import AsyncKernelManager

    from romlab.run import kernel_fork

    class ForkedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return kernel_fork.fork_command(super().format_kernel_cmd(extra_arguments), zygote)

    return ForkedKernelManager


def _coalesce_streams(nb):
    """Consecutive stream outputs of a cell merged into one (nbconvert's
    `CoalesceStreamsPreprocessor`): how a kernel splits a print into messages depends on
    timing (a loaded machine sends the final newline apart), the merged text does not.
    Order relative to other outputs is kept (unlike nbclient's `coalesce_streams`)."""
    light_notebook_imports()
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


def _fix_injected_id(cell) -> None:
    if "injected-parameters" in cell.metadata.get("tags", []):
        cell["id"] = INJECTED_ID


def normalise_executed(path: Path, source: Path | None = None) -> None:
    """Make an executed notebook the same bytes on every run: papermill's and nbclient's
    times removed (``start_time``, ``end_time``, ``duration``, the cells' ``execution``
    timings), consecutive stream outputs merged, the injected cell's id fixed
    (`INJECTED_ID`), the input notebook (`source`) named relative to the repository and
    the output by its file name (no absolute path)."""
    light_notebook_imports()
    import nbformat

    nb = _coalesce_streams(nbformat.read(path, as_version=4))
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for k in _TIMES:
            pm.pop(k, None)
        if source is not None:
            pm["input_path"] = provenance.label(source)
        pm["output_path"] = path.name
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for k in _TIMES:
                cpm.pop(k, None)
        _fix_injected_id(cell)
    nbformat.write(nb, path)


def clean_executed(path: Path) -> None:
    """Drop papermill's run-dependent metadata (timings, paths) so stored notebooks are
    stable; consecutive stream outputs merged; an injected cell gets the fixed id
    `INJECTED_ID`."""
    light_notebook_imports()
    import nbformat

    nb = _coalesce_streams(nbformat.read(path, as_version=4))
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        _fix_injected_id(cell)
    nbformat.write(nb, path)


@lru_cache(maxsize=1)
def html_exporter():
    """nbconvert's HTML exporter for a reader's page, made once: the cells only (the
    ``basic`` template: no page head, no JupyterLab stylesheet or scripts), inputs and
    prompts hidden. The page around the cells is the run's (`romlab.run.pages.section_page`)."""
    light_notebook_imports()
    from nbconvert import HTMLExporter

    from romlab.run import pages  # noqa: F401  (imported here, before a run's notebook threads)

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def write_html(path: Path, sections: list[Path] | None = None) -> Path:
    """Write the executed notebook at `path` as a reader's page beside it (same name,
    ``.html``): its cells' outputs and text, code and prompts hidden (`html_exporter`),
    in the run's frame (`romlab.run.pages.section_page`: title with section and period,
    stylesheet, navigation to the index and to the previous and next of `sections`, the
    run's notebooks in report order (default: the notebooks beside it), the banner when
    the data are synthetic); returns the page. A run's notebook process writes each
    page as its notebook finishes."""
    light_notebook_imports()
    import nbformat

    from romlab.run import pages

    path = Path(path)
    node = nbformat.read(path, as_version=4)
    body, _ = html_exporter().from_notebook_node(node)
    dst = path.with_suffix(".html")
    dst.write_text(pages.section_page(path, node, body, sections), encoding="utf-8")
    return dst


def execute_in_place(nb: Path) -> Path:
    """Re-execute one stored notebook in place with its default parameters (the committed
    sample), without papermill's timings. The executed copy is written outside the
    notebooks folder first, so a run listing the sections never sees it."""
    nb = Path(nb).resolve()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir) / nb.name
        execute_notebook(nb, tmp, {}, cwd=nb.parent)
        clean_executed(tmp)
        shutil.move(str(tmp), str(nb))
    return nb


def refresh_stored(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Re-execute every stored notebook in place (the sections and the provider review),
    as nbval compares them: run it after regenerating data/sample (`make notebooks`)."""
    return [execute_in_place(nb) for nb in sorted(Path(folder).glob("*.ipynb"))]
