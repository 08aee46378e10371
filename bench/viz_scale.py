"""How long the interactive page takes to lay out a network, by size.

    .venv/bin/python bench/viz_scale.py [SIZES...]      (default: 500 2000 5000)

For each size it builds a synthetic cooperation graph (random classes, a scale-free pattern of
relations with evidence), writes the page, opens it in headless Chromium and prints the time to
generate the HTML, the page size, the time until the layout settled (physics off) and how long
one redraw takes afterwards, and how long until the next frame is drawn after hiding a class,
finding an entity, and showing the neighbourhood of the one found. Needs chromium and
chromedriver (see tools/ensure-chromium.sh).

Measured on 2 shared cores, headless Chromium 156 with --disable-gpu (kg.viz bounds the layout
to 60,000 node-iterations, 40 to 300 iterations, then switches physics off):

     nodes  edges  iter  settle s  redraw ms  filter ms  search ms
       500    979   120       1.0         30         88         93
      2000   3969    40       1.5         41        202        153
      5000   9961    40       5.6        248        874        761

For comparison, pyvis 0.3.2's own page with physics on (1,000 stabilization iterations, curved
"dynamic" edges that add a physics node per edge) took 34 s for 500 nodes and 154 s for 2,000.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.classes import TOP_CLASSES  # noqa: E402
from kg.namespace import COOP, ID, RELATIONS  # noqa: E402
from kg.viz import render_html, stabilization_iterations  # noqa: E402
from tests.browser import chrome, wait_until_settled  # noqa: E402


def synthetic_graph(size: int, seed: int = 1) -> Graph:
    rng = random.Random(seed)
    graph = Graph()
    doc = ID["doc/bench"]
    graph.add((doc, RDF.type, COOP.Document))
    graph.add((doc, RDFS.label, Literal("Synthetic bulletin")))
    classes, predicates = list(TOP_CLASSES.values()), list(RELATIONS.values())
    nodes = [ID[f"e{i}"] for i in range(size)]
    targets: list = []
    for i, node in enumerate(nodes):
        graph.add((node, RDF.type, rng.choice(classes)))
        graph.add((node, RDFS.label, Literal(f"Entity {i}")))
        graph.add((node, COOP.mentionedIn, doc))
        for other in {rng.choice(targets) for _ in range(2)} if targets else ():
            predicate = rng.choice(predicates)
            graph.add((node, predicate, other))
            assertion = ID[f"assertion/{i}-{other.split('/')[-1]}"]
            graph.add((assertion, RDF.type, COOP.Assertion))
            graph.add((assertion, RDF.subject, node))
            graph.add((assertion, RDF.predicate, predicate))
            graph.add((assertion, RDF.object, other))
            graph.add((assertion, PROV.wasDerivedFrom, doc))
            graph.add((assertion, COOP.sentence, Literal(f"Entity {i} works with {other}.")))
            targets.append(other)
        targets.append(node)
    return graph


def measure(driver, size: int, folder: Path) -> dict:
    graph = synthetic_graph(size)
    start = time.perf_counter()
    page = render_html(graph, f"{size} entities")
    generate = time.perf_counter() - start
    path = folder / f"net-{size}.html"
    path.write_text(page, encoding="utf-8")
    start = time.perf_counter()
    driver.get(path.as_uri())
    settle_ms = wait_until_settled(driver, 600)
    wall = time.perf_counter() - start
    redraw_ms = driver.execute_script(
        "const t = performance.now(); window.coopKg.network.redraw();"
        "return performance.now() - t;")
    edges = driver.execute_script("return window.coopKg.edges.length")
    # interactions once settled: the time until the next frame has been drawn
    timed = ("const done = arguments[arguments.length - 1]; const t = performance.now(); {action};"
             "requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));")
    country = "document.querySelector(\"#kg-classes input[value='Country']\").click()"
    filter_ms = driver.execute_async_script(timed.format(action=country))
    driver.execute_async_script(timed.format(action=country))
    search_ms = driver.execute_async_script(timed.format(
        action="document.getElementById('kg-search-input').value = 'Entity 7';"
               "document.getElementById('kg-search').requestSubmit()"))
    hood_ms = driver.execute_async_script(timed.format(action="document.getElementById('kg-hood').click()"))
    return {"size": size, "edges": edges, "iterations": stabilization_iterations(size),
            "generate_s": generate, "html_mb": len(page.encode()) / 1e6,
            "settle_s": settle_ms / 1000, "load_to_settled_s": wall, "redraw_ms": redraw_ms,
            "filter_ms": filter_ms, "search_ms": search_ms, "hood_ms": hood_ms}


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [500, 2000, 5000]
    with tempfile.TemporaryDirectory() as tmp, chrome(Path(tmp)) as driver:
        print(f"{'nodes':>6} {'edges':>6} {'iter':>5} {'html s':>7} {'MB':>5} "
              f"{'settle s':>9} {'load->settled s':>16} {'redraw ms':>10} {'filter ms':>10} "
              f"{'search ms':>10} {'hood ms':>8}")
        for size in sizes:
            r = measure(driver, size, Path(tmp))
            print(f"{r['size']:>6} {r['edges']:>6} {r['iterations']:>5} {r['generate_s']:>7.2f} "
                  f"{r['html_mb']:>5.1f} {r['settle_s']:>9.1f} {r['load_to_settled_s']:>16.1f} "
                  f"{r['redraw_ms']:>10.0f} {r['filter_ms']:>10.0f} {r['search_ms']:>10.0f} "
                  f"{r['hood_ms']:>8.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
