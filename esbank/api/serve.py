"""``make serve``: the API on 127.0.0.1 over a DuckDB file, with the projector running.

``python -m esbank.api.serve --db build/esbank.duckdb --port 8000`` opens (or creates) the
store, starts a background thread that keeps the read models up to date, and serves the API
with uvicorn on the loopback interface only. Ctrl-C (or SIGTERM to the process) stops the
server, then the projector, then closes the store.
"""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path

import uvicorn

from esbank.api.app import create_app
from esbank.app.projections import Projector
from esbank.app.read_models import standard_projections
from esbank.domain.errors import EsbankError
from esbank.eventstore.duckdb_store import DuckDBEventStore

HOST = "127.0.0.1"
log = logging.getLogger("esbank.api")


class BackgroundProjector:
    """Runs ``projector.run()`` every ``interval`` seconds in a thread, until ``stop()``."""

    def __init__(self, projector: Projector, interval: float = 0.05) -> None:
        self.projector = projector
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="esbank-projector", daemon=True)

    def start(self) -> BackgroundProjector:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.projector.run()
            except EsbankError as error:  # the store is closing, or failing: say so, go on
                log.warning("projector step failed: %s", error)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    """Serve the API until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/esbank.duckdb"))
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--poll", type=float, default=0.05, help="projector poll interval (s)")
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    store = DuckDBEventStore(args.db)
    try:
        projector = Projector(store, standard_projections())
        runner = BackgroundProjector(projector, args.poll).start()
        try:
            log.info("event store %s; stop with Ctrl-C", args.db.resolve())
            uvicorn.run(create_app(store, projector=projector), host=HOST, port=args.port)
        finally:
            runner.stop()
    finally:
        store.close()


if __name__ == "__main__":
    main()
