"""SHACL validation of a graph against ontology/shapes.ttl (pyshacl), with the ontology's
class tree, so an instance of coop:GovernmentAgency is checked as a coop:Organization."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph

from .classes import ontology_dir, ontology_graph


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(ontology_dir() / "shapes.ttl")


@dataclass
class ValidationResult:
    conforms: bool
    violations: int
    text: str


def validate(graph: Graph) -> ValidationResult:
    from pyshacl import validate as shacl_validate

    conforms, report, text = shacl_validate(
        graph, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
        inference="rdfs", advanced=True, allow_warnings=True,
    )
    from rdflib.namespace import SH

    violations = len(set(report.subjects(SH.resultSeverity, SH.Violation)))
    return ValidationResult(bool(conforms), violations, text)
