"""How the interactive page copes with a network, by size: layout, then every interaction.

    .venv/bin/python bench/viz_scale.py [SIZES...] [PAGE.html...]   (default: 500 2000 5000)

For each size it builds a synthetic cooperation graph (random classes, a scale-free pattern of
relations with evidence, one entity in five isolated as in real news), writes the page, opens it
in headless Chromium and prints the time to generate the HTML (with kg.layout above 400 related
entities), the page size, the time until the page is still, how long one frame at fit zoom
takes with every entity shown, then the time from each interaction until the frame that shows
it is drawn: showing the isolated entities, hiding a class, the degree filter, one component,
colour by community, finding the most connected entity (zoom and select) and its
neighbourhood. Each is the median of 5 (10 for those undone by a timed action), after half a
second idle. A page given instead of a size (one `kg build --html` wrote) is measured the same
way. Needs chromium and chromedriver (see tools/ensure-chromium.sh).

Measured on 2 cores shared with other work (load 3 to 9), headless Chromium 156 with
--disable-gpu; ms unless said:

     nodes  edges  html s  settle s  frame  isolated  class  degree  component  colour  search  hood
       500    792     1.5       0.3     37        44     39      45         41      48      56    30
      2000   3182     4.3       0.7     18        35     35      46         41      24      41    88
      5000   7964     7.0       1.9     65        87     73      90         97      71     100   111
      5578   5238       -       1.1     43        65     59      80         67      57      48    66

The last row is the page of the 1,792 Reuters articles of ../shared/corpus/real. The slowest
single repeat at 5,000 entities was 302 ms (a component, whose frames include the zoom
animation's first), the others under 200 ms. Before the page drew entities as batched dots,
relations as one path and arrow heads only where they can be seen, and filtered by flags
instead of rebuilding vis-network's objects, the same machine took 250 ms per frame and 870 ms
to hide a class at 5,000 entities.

For comparison, pyvis 0.3.2's own page with physics on (1,000 stabilization iterations, curved
"dynamic" edges that add a physics node per edge) took 34 s for 500 nodes and 154 s for 2,000.
"""
from __future__ import annotations

import random
import statistics
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
from kg.viz import render_html  # noqa: E402
from tests.browser import chrome, wait_until_settled  # noqa: E402


def synthetic_graph(size: int, seed: int = 1, isolated: float = 0.0) -> Graph:
    """`size` entities, a share `isolated` of them with no relation (as in real news, where
    most entities are named once), the others related in a scale-free pattern."""
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
        if rng.random() < isolated:
            continue
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


# back to the whole network at fit zoom, nothing selected (not timed)
RESET = "window.coopKg.network.unselectAll(); window.coopKg.network.fit()"
# interactions, each the time from the action until the next frame has been drawn; each
# (name, action, the action that undoes it: timed too, or RESET)
INTERACTIONS = [
    ("isolated", "document.getElementById('kg-isolated').click()", "same"),  # off, then on
    ("class", "document.querySelector(\"#kg-classes input[value='Country']\").click()", "same"),
    ("degree", "const s = document.getElementById('kg-degree'); s.value = '1';"
               " s.dispatchEvent(new Event('input'))",
               "const s = document.getElementById('kg-degree'); s.value = '0';"
               " s.dispatchEvent(new Event('input'))"),
    ("component", "const s = document.getElementById('kg-component'); s.value = '0';"
                  " s.dispatchEvent(new Event('change'))",
                  "const s = document.getElementById('kg-component'); s.value = '-1';"
                  " s.dispatchEvent(new Event('change'))"),
    ("colour", "const s = document.getElementById('kg-colour'); s.value = 'community';"
               " s.dispatchEvent(new Event('change'))",
               "const s = document.getElementById('kg-colour'); s.value = 'class';"
               " s.dispatchEvent(new Event('change'))"),
    ("search", "document.getElementById('kg-search-input').value = window.__hub;"   # the hub
               " document.getElementById('kg-search').requestSubmit()", RESET),
    ("hood", "document.getElementById('kg-hood').click()", "document.getElementById('kg-all').click()"),
]
# the page asks vis-network for a redraw in the next animation frame; a callback asked for after
# the action runs in that frame after the redraw, and a task it posts runs once the frame is done
# what an interaction needs done first (not timed)
PREPARE = {"hood": "const k = window.coopKg; k.network.selectNodes([k.find(window.__hub).id])"}
TIMED = ("const done = arguments[arguments.length - 1]; const t = performance.now(); {action};"
         "requestAnimationFrame(() => setTimeout(() => done(performance.now() - t), 0));")


def measure(driver, size: int, folder: Path, isolated: float = 0.2, repeats: int = 5,
            page_path: Path | None = None, idle: float = 0.5) -> dict:
    """The figures of one page: of a synthetic graph of `size` entities, or the page at
    `page_path` (a page `kg build --html` wrote)."""
    if page_path is None:
        graph = synthetic_graph(size, isolated=isolated)
        start = time.perf_counter()
        page = render_html(graph, f"{size} entities")
        generate = time.perf_counter() - start
        path = folder / f"net-{size}.html"
        path.write_text(page, encoding="utf-8")
    else:
        path, page, generate = page_path.resolve(), page_path.read_text(encoding="utf-8"), float("nan")
    start = time.perf_counter()
    driver.get(path.as_uri())
    settle_ms = wait_until_settled(driver, 600)
    wall = time.perf_counter() - start
    result = {"size": driver.execute_script("return window.coopKg.nodes.length"), "edges": driver.execute_script("return window.coopKg.edges.length"),
              "generate_s": generate, "html_mb": len(page.encode()) / 1e6,
              "settle_s": settle_ms / 1000, "load_to_settled_s": wall}
    driver.execute_script("window.__hub = window.coopKg.data.nodes.reduce("
                          "(a, b) => b.degree > a.degree ? b : a).label")

    def timed(action: str) -> float:
        took = driver.execute_async_script(TIMED.format(action=action))
        time.sleep(idle)  # the page idle again: animations (300 ms) over
        return took

    for name, action, undo in INTERACTIONS:
        times = []
        for _ in range(repeats):
            if name in PREPARE:
                driver.execute_script(PREPARE[name])
                time.sleep(idle)
            times.append(timed(action))
            if undo == RESET:
                driver.execute_script(RESET)
                time.sleep(idle)
            else:
                times.append(timed(action if undo == "same" else undo))
        result[name + "_ms"] = statistics.median(times)
        result[name + "_max_ms"] = max(times)
        if name == "isolated":  # every entity is drawn from here on: the frame at fit zoom
            driver.execute_script("document.getElementById('kg-isolated').click()")
            result["drawn"] = driver.execute_script("return window.coopKg.network.body.nodeIndices.length")
            driver.execute_script("window.coopKg.network.fit()")
            result["redraw_ms"] = statistics.median(driver.execute_async_script(TIMED.format(
                action="window.coopKg.network.redraw()")) for _ in range(repeats))
    return result


COLUMNS = [("nodes", "size", 0), ("edges", "edges", 0), ("drawn", "drawn", 0),
           ("html s", "generate_s", 1), ("MB", "html_mb", 1), ("settle s", "settle_s", 1),
           ("frame ms", "redraw_ms", 0)] + [(name, name + "_ms", 0) for name, _, _ in INTERACTIONS]


def main(argv: list[str]) -> None:
    pages = [Path(a) for a in argv if a.endswith(".html")]
    sizes = [int(a) for a in argv if not a.endswith(".html")] or ([] if pages else [500, 2000, 5000])
    print("ms from the action until the frame that shows it is drawn (median of the repeats)")
    with tempfile.TemporaryDirectory() as tmp, chrome(Path(tmp)) as driver:
        print(" ".join(f"{title:>{max(len(title), 6)}}" for title, _, _ in COLUMNS))
        for size, page in [(size, None) for size in sizes] + [(0, page) for page in pages]:
            r = measure(driver, size, Path(tmp), page_path=page)
            print(" ".join(f"{r[key]:>{max(len(title), 6)}.{digits}f}" for title, key, digits in COLUMNS),
                  flush=True)
            print("   slowest of the repeats, ms: " + ", ".join(
                f"{name} {r[name + '_max_ms']:.0f}" for name, _, _ in INTERACTIONS), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
