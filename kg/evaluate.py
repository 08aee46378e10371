"""Scoring extraction against gold annotations (the format and rules of a gold/README.md).

A gold file `NAME.json` annotates the corpus document `NAME.txt` (or .md/.html) with
entities (id, label, aliases, type) and relations (subject, predicate, object). An extracted
entity matches a gold entity when one of its names equals one of the gold entity's names
after normalisation (case, a leading "the", quotes, surrounding punctuation, dash variants)
and its class maps to the gold type; several extracted entities matching one gold entity
count once, the others as spurious. A relation matches when its subject and object match
the gold ones and the predicate is the same, cooperatesWith in either direction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .classes import TOP_CLASS
from .ingest import SUFFIXES
from .model import Extraction
from .namespace import SYMMETRIC_RELATIONS
from .text import normalise_name as normalise


@dataclass
class Entities:
    """id -> (normalised names, top class, display label)."""

    items: dict[str, tuple[set[str], str, str]] = field(default_factory=dict)


@dataclass
class Score:
    tp: int
    system: int
    gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Score") -> "Score":
        return Score(self.tp + other.tp, self.system + other.system, self.gold + other.gold)

    def as_dict(self) -> dict[str, float]:
        return {"p": round(self.precision, 3), "r": round(self.recall, 3), "f": round(self.f1, 3),
                "tp": self.tp, "system": self.system, "gold": self.gold}


@dataclass
class DocumentScore:
    name: str
    entities: Score
    relations: Score
    missed_entities: list[str]
    spurious_entities: list[str]
    missed_relations: list[str]
    spurious_relations: list[str]
    # rule (or learned predicate) -> (relations it gave, of which right)
    rules: dict[str, tuple[int, int]] = field(default_factory=dict)


def load_gold(path: Path) -> tuple[Entities, list[tuple[str, str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entities = Entities()
        for entity in data["entities"]:
            names = {normalise(entity["label"])} | {normalise(a) for a in entity.get("aliases", [])}
            entities.items[entity["id"]] = (names - {""}, entity["type"], entity["label"])
        relations = [(r["subject"], r["predicate"], r["object"]) for r in data["relations"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a gold annotation file: {err}") from err
    return entities, relations


def system_of(extraction: Extraction) -> tuple[Entities, list[tuple[str, str, str]]]:
    entities = Entities()
    for entity in extraction.entities.values():
        names = {normalise(entity.label)} | {normalise(a) for a in entity.aliases}
        entities.items[entity.key] = (names - {""}, TOP_CLASS[entity.cls], entity.label)
    relations = [(r.subject, r.predicate, r.object) for r in extraction.relations]
    return entities, relations


def score_document(name: str, gold: tuple[Entities, list], system: tuple[Entities, list],
                   rules: list[str] | None = None) -> DocumentScore:
    """Scores of one document; `rules` names, for each system relation, what gave it."""
    gold_entities, gold_relations = gold
    system_entities, system_relations = system
    mapping: dict[str, str] = {}
    for sid, (snames, stype, _) in system_entities.items.items():
        for gid, (gnames, gtype, _) in gold_entities.items.items():
            if snames & gnames and stype == gtype:
                mapping[sid] = gid
                break
    matched = set(mapping.values())

    def canon(triple: tuple[str, str, str]) -> tuple:
        s, p, o = triple
        return (p, *sorted((s, o))) if p in SYMMETRIC_RELATIONS else triple

    gold_set = {canon(t): t for t in gold_relations}
    system_set = {canon((mapping.get(s, "sys:" + s), p, mapping.get(o, "sys:" + o))): (s, p, o)
                  for s, p, o in system_relations}
    hits = gold_set.keys() & system_set.keys()
    by_rule: dict[str, tuple[int, int]] = {}
    for rule, (s, p, o) in zip(rules or [], system_relations):
        fired, right = by_rule.get(rule, (0, 0))
        by_rule[rule] = (fired + 1, right + (canon((mapping.get(s, "sys:" + s), p, mapping.get(o, "sys:" + o))) in hits))

    def gold_text(t):
        return f"{gold_entities.items[t[0]][2]} {t[1]} {gold_entities.items[t[2]][2]}"

    def system_text(t):
        label = lambda k: system_entities.items[k][2] if k in system_entities.items else k  # noqa: E731
        return f"{label(t[0])} {t[1]} {label(t[2])}"

    return DocumentScore(
        name=name,
        entities=Score(len(matched), len(system_entities.items), len(gold_entities.items)),
        relations=Score(len(hits), len(system_set), len(gold_set)),
        missed_entities=sorted(f"{v[2]} [{v[1]}]" for k, v in gold_entities.items.items() if k not in matched),
        spurious_entities=sorted(_spurious(system_entities, gold_entities, mapping)),
        missed_relations=sorted(gold_text(gold_set[k]) for k in gold_set.keys() - hits),
        spurious_relations=sorted(system_text(system_set[k]) for k in system_set.keys() - hits),
        rules=by_rule,
    )


def _spurious(system_entities: Entities, gold_entities: Entities, mapping: dict[str, str]) -> list[str]:
    """Unmatched entities, and every match after the first of one gold entity (a duplicate node)."""
    result, first = [], set()
    for key, (_, cls, label) in system_entities.items.items():
        if key not in mapping:
            result.append(f"{label} [{cls}]")
        elif mapping[key] in first:
            result.append(f"{label} [{cls}] (duplicate of {gold_entities.items[mapping[key]][2]})")
        else:
            first.add(mapping[key])
    return result


def evaluate(gold_dir: Path | str, corpus_dir: Path | str, model: str | None = None) -> list[DocumentScore]:
    """Build each annotated document of the corpus and score it against its gold file."""
    from .pipeline import BuildReport, extractions

    gold_dir, corpus_dir = Path(gold_dir), Path(corpus_dir)
    gold_files = sorted(gold_dir.glob("*.json"))
    if not gold_files:
        raise ValueError(f"{gold_dir}: no gold annotation files (*.json)")
    documents = {}
    for gold_path in gold_files:
        doc = next((corpus_dir / (gold_path.stem + s) for s in sorted(SUFFIXES)
                    if (corpus_dir / (gold_path.stem + s)).is_file()), None)
        documents[gold_path.stem] = doc
    report = BuildReport()
    found = {Path(e.document.path).stem: e for e in
             extractions([d for d in documents.values() if d is not None], model=model, report=report)}
    scores = []
    for gold_path in gold_files:
        gold = load_gold(gold_path)
        extraction = found.get(gold_path.stem)
        system = system_of(extraction) if extraction else (Entities(), [])
        rules = [r.evidence.rule for r in extraction.relations] if extraction else []
        scores.append(score_document(gold_path.stem, gold, system, rules))
    return scores


def total(scores: list[DocumentScore]) -> tuple[Score, Score]:
    entities, relations = Score(0, 0, 0), Score(0, 0, 0)
    for score in scores:
        entities = entities.add(score.entities)
        relations = relations.add(score.relations)
    return entities, relations


def rule_totals(scores: list[DocumentScore]) -> dict[str, tuple[int, int]]:
    """Per rule, over all documents: (relations it gave, of which right), most firings first."""
    totals: dict[str, tuple[int, int]] = {}
    for score in scores:
        for rule, (fired, right) in score.rules.items():
            before = totals.get(rule, (0, 0))
            totals[rule] = (before[0] + fired, before[1] + right)
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0])))


def as_json(scores: list[DocumentScore]) -> dict:
    entities, relations = total(scores)
    return {
        "documents": {
            s.name: {"entities": s.entities.as_dict(), "relations": s.relations.as_dict(),
                     "missed_entities": s.missed_entities, "spurious_entities": s.spurious_entities,
                     "missed_relations": s.missed_relations, "spurious_relations": s.spurious_relations}
            for s in scores
        },
        "total": {"entities": entities.as_dict(), "relations": relations.as_dict()},
    }
