"""Re-execute the notebook series and save it: the one command behind ``make notebooks``.

For every ``notebooks/NN_*.ipynb`` (or only the paths given as arguments), in order:

1. refresh the navigation cells (``previous · index · next``, tagged ``nav``) at the top and
   the bottom, creating them if missing;
2. execute the notebook in a fresh ``python3`` kernel with ``notebooks/`` as working
   directory, so the saved outputs are exactly what a fresh run prints;
3. strip ``metadata.widgets`` and tool timings, set the kernelspec, save the complete
   ``language_info`` the kernel reported (version included: opening the notebook in
   JupyterLab then changes nothing, so it is not marked unsaved), keep cell ids, and give
   saved widget views a stable ``model_id`` (so an unchanged notebook is saved byte for byte
   the same);
4. write it back with nbformat (only when the whole notebook ran without an unexpected error).

Usage: ``python tools/run_notebooks.py [notebooks/01_commands_and_events.ipynb ...]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from notebook_tools import (
    KERNELSPEC,
    nav_text,
    normalise_metadata,
    refresh_nav,
    series,
    stable_widget_ids,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_S = 600
STARTUP_TIMEOUT_S = 120
# Kernels inherit this process's environment. A CI-wide MPLBACKEND=Agg would stop figures
# from being displayed (and saved); the kernel's own default is the inline backend.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def refresh(path: Path) -> nbformat.NotebookNode:
    """Read ``path`` and return it with fresh nav cells and clean metadata (not executed)."""
    names = [p.name for p in series(path.parent)]
    if path.name not in names:
        raise SystemExit(f"{path} is not a series notebook (expected notebooks/NN_title.ipynb)")
    nb = nbformat.read(path, as_version=4)
    refresh_nav(nb, nav_text(path.name, names))
    return normalise_metadata(nb)


def execute(nb: nbformat.NotebookNode, cwd: Path) -> None:
    """Run every code cell of ``nb`` in a fresh kernel, in place.

    The kernel's own stderr (ipykernel's TCP warning, crash messages) is not a cell output;
    it is shown only when the run fails.
    """
    client = NotebookClient(
        nb,
        kernel_name=KERNELSPEC["name"],
        timeout=CELL_TIMEOUT_S,
        startup_timeout=STARTUP_TIMEOUT_S,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,
    )
    with tempfile.TemporaryFile("w+") as kernel_stderr:
        try:
            client.execute(stderr=kernel_stderr)
        except Exception:
            kernel_stderr.seek(0)
            sys.stderr.write(kernel_stderr.read())
            raise


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Validate ``nb`` and replace ``path`` with it in one step."""
    nbformat.validate(nb)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)


def run(path: Path) -> float:
    """Refresh, execute, normalise and save one notebook; return the seconds it took."""
    start = time.perf_counter()
    nb = refresh(path)
    execute(nb, path.parent)
    # nbclient put the kernel's kernel_info reply into the metadata: keep all of it.
    normalise_metadata(nb, language_info=nb.metadata.get("language_info", {}))
    stable_widget_ids(nb)
    write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the given notebooks (default: the whole series); 1 if any notebook failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to run (default: all)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or series(NOTEBOOKS)
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    failed: list[str] = []
    total = 0.0
    for path in paths:
        print(f"{os.path.relpath(path, ROOT)} ...", end=" ", flush=True)
        try:
            seconds = run(path)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            print("FAILED (not saved)")
            print(error, file=sys.stderr)
            failed.append(path.name)
            continue
        total += seconds
        print(f"ok, {seconds:.1f} s")
    print(f"{len(paths) - len(failed)} of {len(paths)} notebooks saved in {total:.1f} s")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
