"""Extraction figures for the README, next to bare spaCy's on the same data.

    .venv/bin/python bench/extraction.py              # annotated news and CoNLL04 dev (a minute)
    .venv/bin/python bench/extraction.py --reuters    # also the Reuters countries (5 more minutes)

Reads ../shared (never read by the product):
* the 4 original documents (gold/ + corpus/) and the 24 of dev/, scored by kg.evaluate (the
  rules of gold/README.md); dev/SOURCES.md tells which of them are real published articles.
  Bare spaCy: the released English pipeline's own entities, one per distinct name and label,
  typed PERSON -> Person, ORG -> Organization, GPE -> Country when the gazetteer knows it as
  a country else Place, LOC -> Place, FAC -> Facility, EVENT -> Event, LAW -> Program;
* CoNLL04 dev, by ../shared/tools/conll04_eval.py --baseline (lenient micro figures);
* with --reuters, bench/reuters_countries.py.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from kg.evaluate import Entities, Score, load_gold, score_document, system_of  # noqa: E402
from kg.nlp import choose_model  # noqa: E402
from kg.nlp.gazetteer import gazetteer  # noqa: E402
from kg.pipeline import BuildReport, extractions  # noqa: E402
from kg.text import normalise_name  # noqa: E402

SPACY_CLASS = {"PERSON": "Person", "ORG": "Organization", "LOC": "Place", "FAC": "Facility",
               "EVENT": "Event", "LAW": "Program"}


def annotated() -> dict[str, tuple[Path, Path, str]]:
    """name -> (gold file, document, group) for the 28 annotated documents."""
    sources = (SHARED / "dev" / "SOURCES.md").read_text(encoding="utf-8")
    real = set(re.findall(r"^\| ([\w-]+)\.txt \|", sources, re.M))
    found = {g.stem: (g, SHARED / "corpus" / f"{g.stem}.txt", "original") for g in sorted((SHARED / "gold").glob("*.json"))}
    for gold in sorted((SHARED / "dev").glob("*.json")):
        found[gold.stem] = (gold, gold.with_suffix(".txt"), "dev, real" if gold.stem in real else "dev, written")
    return found


def bare_spacy(texts: list[str]) -> list[tuple[Entities, list]]:
    nlp = spacy.load(choose_model())
    gaz = gazetteer()
    systems = []
    for doc in nlp.pipe(texts):
        entities = Entities()
        for ent in doc.ents:
            cls = "Country" if ent.label_ == "GPE" and gaz.country(ent.text) else (
                "Place" if ent.label_ == "GPE" else SPACY_CLASS.get(ent.label_))
            if cls:
                entities.items.setdefault(f"{cls}:{ent.text}", ({normalise_name(ent.text)}, cls, ent.text))
        systems.append((entities, []))
    return systems


def news_figures() -> dict[str, dict[str, dict[str, Score]]]:
    """{group: {system: {"entities": Score, "relations": Score}}}."""
    documents = annotated()
    golds = {name: load_gold(gold) for name, (gold, _, _) in documents.items()}
    ours = {Path(e.document.path).stem: system_of(e)
            for e in extractions([doc for _, doc, _ in documents.values()], report=BuildReport())}
    names = list(documents)
    theirs = dict(zip(names, bare_spacy([documents[n][1].read_text(encoding="utf-8") for n in names])))
    figures: dict[str, dict[str, dict[str, Score]]] = {}
    for name, (_, _, group) in documents.items():
        for system, found in (("coop-kg", ours[name]), ("bare spaCy", theirs[name])):
            score = score_document(name, golds[name], found)
            for key in (group, "dev" if group.startswith("dev") else None, "all 28"):
                if key is None:
                    continue
                slot = figures.setdefault(key, {}).setdefault(system, {"entities": Score(0, 0, 0), "relations": Score(0, 0, 0)})
                slot["entities"] = slot["entities"].add(score.entities)
                slot["relations"] = slot["relations"].add(score.relations)
    return figures


def conll04() -> dict:
    result = subprocess.run([sys.executable, str(SHARED / "tools" / "conll04_eval.py"), "--split", "dev", "--baseline",
                             "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuters", action="store_true", help="also run bench/reuters_countries.py")
    args = parser.parse_args()
    print("| documents | system | entity P / R / F1 | relation P / R / F1 |")
    print("|---|---|---|---|")
    figures = news_figures()
    for group in ("original", "dev, real", "dev, written", "dev", "all 28"):
        for system, scores in figures[group].items():
            e, r = scores["entities"], scores["relations"]
            relations = f"{r.precision:.3f} / {r.recall:.3f} / {r.f1:.3f}" if system == "coop-kg" else "-"
            print(f"| {group} | {system} | {e.precision:.3f} / {e.recall:.3f} / {e.f1:.3f} | {relations} |")
    scores = conll04()
    for system in ("coop-kg", "spaCy"):
        e = scores["entities"][system]["lenient"]["micro"]
        line = f"| CoNLL04 dev (lenient) | {'bare spaCy' if system == 'spaCy' else system} | {e['p']:.3f} / {e['r']:.3f} / {e['f1']:.3f} |"
        if system == "coop-kg":
            r = scores["relations"][system]["lenient"]["micro"]
            line += f" {r['p']:.3f} / {r['r']:.3f} / {r['f1']:.3f} |"
        else:
            line += " - |"
        print(line)
    if args.reuters:
        subprocess.run([sys.executable, str(ROOT / "bench" / "reuters_countries.py"), "--split", "all"], check=True)


if __name__ == "__main__":
    main()
