"""Extraction spread over a Dask cluster: `kg build --engine dask --scheduler ADDRESS`.

The client reads the files (and skips unchanged ones, before any language processing), sends
the documents' texts to the workers in partitions of `partition_size`, and takes the
extractions back as they come, to be merged into a store or a graph exactly as a local build
would. Workers need coop-kg and its spaCy pipeline installed, not the files: a worker loads
the pipeline once and keeps it for every partition it is given.

At most `in_flight` partitions per worker are out at a time, so the client's memory stays
bounded however large the corpus.

    from kg.distributed import dask_extractions
    for extraction in dask_extractions(["articles/"], scheduler="tcp://10.0.0.5:8786"):
        store.ingest(extraction)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .model import Document, Extraction
from .pipeline import BuildReport, extract_partition, pooled_extractions

PARTITION_SIZE = 32
CONNECT_TIMEOUT = "30s"


class DaskUnavailable(RuntimeError):
    """Dask is not installed or the scheduler cannot be reached; the message says which."""


def connect(scheduler):
    """A dask.distributed Client for `scheduler` (an address, or a Client given as is)."""
    try:
        from distributed import Client
    except ImportError as err:
        raise DaskUnavailable("the dask engine needs dask and distributed: "
                              "pip install 'coop-kg[dask]'") from err
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT), True
    except (OSError, TimeoutError) as err:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {err}") from err


def dask_extractions(
    paths: Iterable[Path | str],
    scheduler,
    model: str | None = None,
    report: BuildReport | None = None,
    progress: bool = False,
    skip: Callable[[Document], bool] | None = None,
    partition_size: int = PARTITION_SIZE,
    in_flight: int = 2,
    timeout: float | None = None,
) -> Iterator[Extraction]:
    """Like kg.pipeline.extractions, with the language processing done by the workers of the
    Dask cluster at `scheduler` (the local pool's path: kg.pipeline.pooled_extractions);
    `timeout` bounds the wait for any one partition, in seconds."""
    client, own = connect(scheduler)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from pooled_extractions(
            paths, lambda partition: client.submit(extract_partition, partition, model, pure=False),
            max(1, in_flight * workers), report, progress, skip, partition_size, timeout)
    finally:
        if own:
            client.close()
