"""Extraction on a Dask cluster gives the same graph as a local build."""
from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402
from rdflib.compare import to_isomorphic  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from kg.cli import app  # noqa: E402
import kg.distributed  # noqa: E402,F401
from kg.distributed import dask_extractions  # noqa: E402
from kg.pipeline import BuildReport, build  # noqa: E402
from kg.reference import is_reference_graph  # noqa: E402
from kg.store import Store  # noqa: E402

from conftest import ROOT  # noqa: E402

EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def cluster():
    # two worker processes of one thread each: spaCy pipelines are not shared between threads
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB",
                      dashboard_address=None, silence_logs=40) as local:
        with Client(local, timeout="60s") as client:
            yield local, client


def test_dask_graph_is_the_local_graph(cluster, nlp):
    _, client = cluster
    local = build(EXAMPLES)
    report = BuildReport()
    remote = build(EXAMPLES, report=report,
                   source=lambda paths, **kw: dask_extractions(paths, client, partition_size=2,
                                                               timeout=300, **kw))
    assert len(report.documents) == len(list(EXAMPLES.iterdir())) and not report.problems
    assert len(remote) == len(local) > 0
    assert to_isomorphic(remote) == to_isomorphic(local)


def test_cli_dask_engine_into_a_store(cluster, tmp_path, nlp):
    local_cluster, _ = cluster
    db = tmp_path / "corpus.db"
    result = CliRunner().invoke(app, ["build", str(EXAMPLES), "--store", str(db), "--engine", "dask",
                                      "--scheduler", local_cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    with Store.open(db, read_only=True) as store:
        documents = [name for name in store.named_graphs() if not is_reference_graph(name)]
        assert len(documents) == len(list(EXAMPLES.iterdir()))
        assert to_isomorphic(store.to_graph()) == to_isomorphic(build(EXAMPLES))
    again = CliRunner().invoke(app, ["build", str(EXAMPLES), "--store", str(db), "--engine", "dask",
                                     "--scheduler", local_cluster.scheduler_address])
    assert again.exit_code == 0 and "5 unchanged" in again.output


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("kg.distributed.CONNECT_TIMEOUT", "1s")
    result = CliRunner().invoke(app, ["build", str(EXAMPLES), "-o", str(tmp_path / "g.ttl"),
                                      "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "Dask scheduler" in result.output
