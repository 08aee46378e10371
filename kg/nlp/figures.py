"""The `coop_figures` spaCy component: numbers the news reports, and dates of events.

"By 2023 the Council had more than 1,400 members" gives the Council a figure: value 1400,
counting "members", qualifier "more than", as of "2023". "held in Tamale on November 12,
2024" gives the event its date. Results: `doc._.coop_figures` and `doc._.coop_dates`.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from ..classes import TOP_CLASS
from .names import SPAN_KEY

if not Doc.has_extension("coop_figures"):
    Doc.set_extension("coop_figures", default=[])
if not Doc.has_extension("coop_dates"):
    Doc.set_extension("coop_dates", default=[])

QUALIFIERS = ["more than", "over", "nearly", "almost", "about", "around", "some", "up to",
              "at least", "less than", "fewer than", "roughly", "approximately", "close to", "above",
              "under"]
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
                 "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12}
_SCALE = {"thousand": 1e3, "million": 1e6, "mln": 1e6, "billion": 1e9, "bln": 1e9, "trillion": 1e12}
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
_DATE_VERBS = {"hold", "open", "launch", "inaugurate", "take", "wrap", "close", "start", "begin",
               "establish", "found", "sign", "convene", "conclude", "end", "kick", "unveil"}


@dataclass(frozen=True)
class FigureCandidate:
    entity: Span
    value: float
    counts: str
    qualifier: str | None
    as_of: str | None
    evidence: Span


@Language.factory(
    "coop_figures",
    assigns=["doc._.coop_figures", "doc._.coop_dates"],
    # token.pos too, which the trained pipelines' attribute_ruler sets without declaring it
    requires=["doc.spans", "doc.ents", "doc.sents", "token.dep", "token.lemma"],
)
def make_figure_extractor(nlp: Language, name: str) -> "FigureExtractor":
    return FigureExtractor(nlp)


class FigureExtractor:
    def __init__(self, nlp: Language) -> None:
        self.qualifiers = Matcher(nlp.vocab)
        self.qualifiers.add("qualifier", [[{"LOWER": w} for w in q.split()] for q in QUALIFIERS])

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans[SPAN_KEY])
        at = {i: s for s in spans for i in range(s.start, s.end)}
        qualifier_at = {end: doc[start:end].text.lower() for _, start, end in self.qualifiers(doc)}
        figures = []
        ents = list(doc.ents)
        dates = [ent for ent in ents if ent.label_ == "DATE"]  # in order: a sentence's found by bisection
        date_starts = [ent.start for ent in dates]
        for ent in ents:
            if ent.label_ not in {"CARDINAL", "QUANTITY", "MONEY"} or any(i in at for i in range(ent.start, ent.end)):
                continue
            number = [t for t in ent if t.like_num or t.lower_ in _SCALE or t.lower_ in _NUMBER_WORDS]
            value = parse_number(" ".join(t.text for t in number))
            if value is None:
                continue
            counted = _counted_noun(ent)
            if counted is None:
                continue
            qualifier = qualifier_at.get(ent.start) or _inner_qualifier(ent)
            owner = self._owner(counted, at)
            if owner is None:
                continue
            figures.append(FigureCandidate(owner, value, _noun_phrase(counted), qualifier, _as_of(ent.sent, dates, date_starts), ent.sent))
        doc._.coop_figures = figures
        doc._.coop_dates = list(self._event_dates(doc, at))
        return doc

    def _owner(self, counted: Token, at: dict[int, Span]) -> Span | None:
        """Whose figure: the name the counted noun belongs to ("the Network had ... members";
        "a network of ... members" built by X), else the subject of its clause."""
        token = counted
        for _ in range(6):
            if token.i in at and at[token.i] is not None:
                return at[token.i]
            if token.pos_ in {"VERB", "AUX"}:
                for child in token.children:
                    if child.dep_ in {"nsubj", "nsubjpass"}:
                        span = at.get(child.i) or next((at[t.i] for t in child.subtree if t.i in at), None)
                        if span is not None and TOP_CLASS.get(span.label_):
                            return span
                if token.dep_ in {"conj", "advcl", "xcomp", "relcl", "acl"}:
                    token = token.head
                    continue
                return None
            if token.head == token:
                return None
            token = token.head
        return None

    def _event_dates(self, doc: Doc, at: dict[int, Span]):
        """(event or programme span, ISO date) from "X was held ... on June 28, 2012"."""
        for ent in doc.ents:
            if ent.label_ != "DATE":
                continue
            iso = parse_date(ent.text)
            if iso is None:
                continue
            verb = ent.root.head.head if ent.root.head.dep_ == "prep" else ent.root.head
            if verb.lemma_ not in _DATE_VERBS:
                continue
            # the thing opened or held: an object before a subject ("X opened Y in 2020")
            candidates = [verb.head] if verb.dep_ in {"acl", "relcl"} else []
            for dep in ("dobj", "nsubjpass", "nsubj"):
                candidates += [c for c in verb.children if c.dep_ == dep]
            for token in candidates:
                span = at.get(token.i)
                if span is not None and TOP_CLASS.get(span.label_) in {"Event", "Program", "Organization", "Facility"}:
                    yield span, iso
                    break


def parse_number(text: str) -> float | None:
    words = text.lower().replace(",", "").split()
    value: float | None = None
    for word in words:
        if re.fullmatch(r"\d+(\.\d+)?", word):
            value = float(word)
        elif word in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[word]) * (value or 1) if word in {"hundred", "dozen"} else float(_NUMBER_WORDS[word])
        elif word in _SCALE and value is not None:
            value *= _SCALE[word]
    return value


def parse_date(text: str) -> str | None:
    """ "June 28, 2012" -> 2012-06-28; "May 2022" -> 2022-05; "2021" -> 2021."""
    text = text.lower().replace(",", " ")
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", text)
    month = next((i + 1 for i, m in enumerate(_MONTHS) if re.search(rf"\b{m[:3]}", text)), None)
    day = re.search(r"\b(\d{1,2})(st|nd|rd|th)?\b", re.sub(r"\b(1[89]\d\d|20\d\d)\b", "", text))
    if not year:
        return None
    if month and day:
        return f"{year.group(1)}-{month:02d}-{int(day.group(1)):02d}"
    if month:
        return f"{year.group(1)}-{month:02d}"
    return year.group(1)


def _counted_noun(ent: Span) -> Token | None:
    root = ent.root
    if root.dep_ in {"nummod", "quantmod", "compound"} and root.head.pos_ == "NOUN" and root.head.ent_type_ == "":
        return root.head
    if root.pos_ == "NOUN" and not root.like_num:
        return root
    return None


def _noun_phrase(noun: Token) -> str:
    words = [t.text for t in noun.lefts if t.dep_ in {"compound", "amod"} and t.i == noun.i - 1] + [noun.text]
    return " ".join(words)


def _inner_qualifier(ent: Span) -> str | None:
    text = ent.text.lower()
    return next((q for q in QUALIFIERS if text.startswith(q + " ")), None)


def _as_of(sent: Span, dates: list[Span], starts: list[int]) -> str | None:
    """The date a figure is reported for: "As of May 2022", "By 2021", else a date in the
    sentence; `dates` are the document's DATE entities in order, `starts` their first tokens
    (Span.ents would read all of the document's entities again for every figure)."""
    match = re.search(r"\b(?:as of|by|in|since)\s+((?:[A-Z][a-z]+\s+)?(?:\d{1,2},\s+)?(?:1[89]|20)\d\d)", sent.text)
    if match:
        return parse_date(match.group(1))
    for k in range(bisect_left(starts, sent.start), len(dates)):
        ent = dates[k]
        if ent.start >= sent.end:
            break
        if ent.end <= sent.end:
            iso = parse_date(ent.text)
            if iso:
                return iso
    return None
