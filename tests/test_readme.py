"""The README's commands, run against the graph and the store of the demo corpus (examples/):
each answers what the README says it does, rows rather than an empty table."""
import json
import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

import kg
from kg.cli import app

README = ROOT / "README.md"
# commands that read a graph or a store; building, serving, pushing and scoring have tests of their own
READING = {"query", "stats", "path", "export-network", "viz", "validate", "export"}


def readme_commands() -> list[str]:
    """The command lines of the README's shell examples that read a graph or a store."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines() if line.startswith("kg ")]
    return [line for line in lines if line.split()[1] in READING]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """out/graph.ttl and corpus.db, built from examples/ as `make demo` and the README do."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "out").mkdir()
    kg.write_graph(kg.build([ROOT / "examples"]), folder / "out" / "graph.ttl")
    kg.build([ROOT / "examples"], store=folder / "corpus.db")
    return folder


def test_the_readme_shows_commands_of_each_kind():
    kinds = {line.split()[1] for line in readme_commands()}
    assert {"query", "stats", "path", "export-network", "viz"} <= kinds


@pytest.mark.parametrize("line", readme_commands())
def test_a_readme_command_answers_on_the_demo_data(demo, line, monkeypatch):
    monkeypatch.chdir(demo)
    result = CliRunner().invoke(app, shlex.split(line, comments=True)[1:])
    assert result.exit_code == 0, f"{line}\n{result.output}"
    line = " ".join(shlex.split(line, comments=True))
    if line.startswith("kg query") and "--list" not in line:
        output = result.output
        if "--format json" in line:
            assert json.loads(output)["results"]["bindings"], line
        elif "--format csv" in line:
            assert len(output.strip().splitlines()) > 1, line
        else:
            rows = re.search(r"^(\d+) rows?$", output, flags=re.M)
            assert rows and int(rows.group(1)) > 0, f"{line}\n{output}"
