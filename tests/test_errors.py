"""Errors a user can cause or meet are one line naming the thing and what to do, with the
documented exit code, the same for --store and --graph, and no traceback (kg.cli.main)."""
import os
import subprocess
import sys

import pytest
from conftest import ROOT, analyst_documents, analyst_store
from rdflib import Graph


def kg(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sources")
    graph = Graph()
    for part in analyst_documents().values():
        graph += part
    graph.serialize(folder / "g.ttl")
    return {"--store": str(analyst_store(folder / "db")), "--graph": str(folder / "g.ttl")}


@pytest.mark.parametrize("option", ["--store", "--graph"])
@pytest.mark.parametrize("param, message", [
    ("entity=http://bad iri", "parameter entity: 'http://bad iri' is not a valid IRI"),
    ("enttiy=Chile", "parameter 'enttiy': the query has no variable ?enttiy (its variables: ?entity,"),
])
def test_a_bad_parameter_is_refused_alike_for_a_store_and_a_graph(sources, option, param, message):
    result = kg("query", "partners-of", option, sources[option], "--param", param)
    assert result.returncode == 2 and result.stdout == ""
    assert message in one_line(result)


@pytest.mark.parametrize("command", [["query", "ASK { ?s ?p ?o }"], ["build", str(ROOT / "examples")]])
def test_a_damaged_store_is_one_line_asking_for_a_rebuild(tmp_path, command):
    store = analyst_store(tmp_path / "db")
    (store / "CURRENT").write_text("garbage\n")
    result = kg(*command, "--store", str(store))
    line = one_line(result)
    assert result.returncode == 2 and "the store is damaged" in line and "rebuild it" in line


@pytest.fixture()
def small_disk(tmp_path):
    """A folder on a file system of 1 MB (a tmpfs: needs root, as CI has)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_during_a_build_is_one_line(small_disk):
    result = kg("build", str(ROOT / "examples"), "--store", str(small_disk / "db"), "-q")
    line = one_line(result)
    assert result.returncode == 2 and "the disk is full" in line and "free some space" in line



def test_an_unexpected_error_is_one_line_and_the_traceback_comes_with_debug(sources):
    # a port out of range gets past the option parser and fails deep in the socket library
    result = kg("serve", "--graph", sources["--graph"], "--port", "99999")
    line = one_line(result)
    assert result.returncode == 3 and "port must be 0-65535" in line and "--debug" in line
    debug = kg("serve", "--graph", sources["--graph"], "--port", "99999", "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr
