"""Country detection on Reuters articles, against the countries Reuters tagged them with.

    .venv/bin/python bench/reuters_countries.py                  # all tagged articles
    .venv/bin/python bench/reuters_countries.py --split holdout  # the half no rule was written from
    .venv/bin/python bench/reuters_countries.py --split dev --errors /tmp/errors.txt

Reads ../shared/corpus/real: one 1987 Reuters article per .txt file, and MANIFEST.tsv, whose
`places` column lists the countries a Reuters editor tagged each article with (lowercase
codes such as `usa`, `west-germany`, `ussr`).

How it scores
-------------
* Reference: per article, the set of tagged countries, as ISO 3166 alpha-2 codes. Tags are
  mapped with pycountry (current countries, then `pycountry.historic_countries` for states
  that no longer exist, giving their former alpha-2 code: `ussr` -> SU, `yugoslavia` -> YU)
  and REUTERS_CODES for the tags that are no country name (`usa`, `uk`, `uae`,
  `west-germany`, ...). Articles without any tag are left out: Reuters left them
  untagged, they do not say "no country".
* coop-kg: the extraction of each article through kg.pipeline.extractions (what `kg build`
  does); its countries are the entities of class Country, by their `isoCode` attribute.
* Baseline ("bare spaCy"): the same trained pipeline without the project's components; every
  GPE entity whose text is a country name in NAMES (pycountry's names of current and former
  countries, plus the short forms of ALIASES) counts as that country.
* Micro precision, recall and F1 over (article, country) pairs.
* "Recall of named countries": the share of tagged countries that the text names, found.
  A tagged country counts as named when one of its names in NAMES occurs in the article as a
  whole word, with the case as written ("U.S." and "Japan", not "us" or "japanese"). The
  test is the same for both systems and independent of either; a tag the text only
  implies (a city, a nationality, a ministry) is not named, and a Reuters tag is a weak
  reference: it includes countries an editor inferred, and leaves out some the article names.
* --split dev | holdout: the two halves of the articles by the parity of the CRC-32 of
  the file name; rules are written looking at `dev` and judged on `holdout`.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.nlp import choose_model  # noqa: E402
from kg.pipeline import BuildReport, extractions  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus" / "real"

# Reuters place codes that are not (after "-" -> " ") a pycountry name of the country.
REUTERS_CODES = {
    "usa": "US", "uk": "GB", "uae": "AE", "west-germany": "DE", "east-germany": "DD",
    "ussr": "SU", "south-korea": "KR", "north-korea": "KP", "kampuchea": "KH",
    "yemen-demo-republic": "YD", "trinidad-tobago": "TT", "us-virgin-islands": "VI",
    "ivory-coast": "CI", "zaire": "ZR", "yugoslavia": "YU", "taiwan": "TW",
}
# Short forms news writes that pycountry does not list (the baseline's alias list, also used
# to decide whether a text names a country).
ALIASES = {
    "US": ["U.S.", "U.S.A.", "US", "USA", "United States"],
    "GB": ["U.K.", "UK", "Britain", "Great Britain", "England", "Scotland", "Wales"],
    "SU": ["Soviet Union", "USSR", "U.S.S.R."],
    "DE": ["West Germany", "Germany"],
    "DD": ["East Germany"],
    "KR": ["South Korea"], "KP": ["North Korea"],
    "RU": ["Russia"], "IR": ["Iran"], "TW": ["Taiwan"], "VE": ["Venezuela"], "BO": ["Bolivia"],
    "VN": ["Vietnam"], "SY": ["Syria"], "LA": ["Laos"], "TZ": ["Tanzania"],
    "CI": ["Ivory Coast"], "KH": ["Kampuchea", "Cambodia"], "NL": ["Holland"],
    "AE": ["UAE", "U.A.E.", "Emirates"], "CZ": ["Czech Republic"], "MM": ["Burma"],
    "YD": ["South Yemen"], "TR": ["Turkey"], "SZ": ["Swaziland"], "BN": ["Brunei"],
    "CV": ["Cape Verde"], "MK": ["Macedonia"], "MD": ["Moldova"], "FM": ["Micronesia"],
}


def _country_names() -> dict[str, str]:
    """Name -> alpha-2 code: pycountry's names of current countries, and of former ones whose
    code no current country has; "X" for "X, Republic of" unless two countries share the X
    ("Korea", "Congo"); and ALIASES."""
    current = {c.alpha_2 for c in pycountry.countries}
    countries = list(pycountry.countries) + [c for c in pycountry.historic_countries if c.alpha_2 not in current]
    names: dict[str, str] = {}
    heads: dict[str, set[str]] = {}
    for country in countries:
        for attr in ("common_name", "name", "official_name"):
            name = re.sub(r"\s*\(.*?\)", "", getattr(country, attr, "") or "").strip()
            if name:
                names.setdefault(name, country.alpha_2)
                heads.setdefault(name.split(", ")[0], set()).add(country.alpha_2)
    for head, codes in heads.items():
        if len(codes) == 1:
            names.setdefault(head, codes.pop())
    for code, aliases in ALIASES.items():
        for alias in aliases:
            names[alias] = code
    return names


NAMES = _country_names()
_NAME_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(NAMES, key=len, reverse=True))
                      + r")(?!\w)")


def reuters_to_iso(tag: str) -> str:
    """The alpha-2 code of a Reuters place tag."""
    if tag in REUTERS_CODES:
        return REUTERS_CODES[tag]
    name = tag.replace("-", " ")
    for known, code in NAMES.items():
        if known.lower() == name:
            return code
    raise KeyError(f"no ISO 3166 code for the Reuters place tag {tag!r}")


def in_split(file_name: str, split: str) -> bool:
    parity = zlib.crc32(file_name.encode("utf-8")) % 2
    return split == "all" or (split == "dev") == (parity == 0)


def named_countries(text: str) -> dict[str, tuple[int, int]]:
    """Alpha-2 code -> the first place the text names that country (by NAMES, as whole words)."""
    found: dict[str, tuple[int, int]] = {}
    for match in _NAME_RE.finditer(text):
        found.setdefault(NAMES[match.group(1)], match.span(1))
    return found


@dataclass
class Article:
    name: str
    text: str
    tagged: set[str]
    found: dict[str, set[str]] = field(default_factory=dict)  # system -> codes
    evidence: dict[str, dict[str, str]] = field(default_factory=dict)  # system -> code -> words


def load_articles(split: str, limit: int | None) -> list[Article]:
    articles = []
    with open(REAL / "MANIFEST.tsv", encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if not row["places"] or not in_split(row["file"], split):
                continue
            text = (REAL / row["file"]).read_text(encoding="utf-8")
            articles.append(Article(row["file"], text, {reuters_to_iso(t) for t in row["places"].split(",")}))
            if limit and len(articles) >= limit:
                break
    return articles


def run_coop_kg(articles: list[Article]) -> None:
    by_name = {a.name: a for a in articles}
    report = BuildReport()
    for extraction in extractions([REAL / a.name for a in articles], report=report, batch_size=32):
        article = by_name[extraction.document.name]
        article.text = extraction.document.text
        codes, evidence = set(), {}
        for entity in extraction.entities.values():
            code = entity.attributes.get("isoCode")
            if entity.cls == "Country" and code:
                codes.add(code)
                mention = entity.mentions[0] if entity.mentions else None
                evidence[code] = f"{mention.text!r} in: {mention.sentence}" if mention else entity.label
        article.found["coop-kg"], article.evidence["coop-kg"] = codes, evidence
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)


def run_bare_spacy(articles: list[Article]) -> None:
    # the NER has its own tok2vec in the small English pipelines: the other trained
    # components do not change its entities, so they are left out to save time
    nlp = spacy.load(choose_model(), exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    for article, doc in zip(articles, nlp.pipe((a.text for a in articles), batch_size=32)):
        codes, evidence = set(), {}
        for ent in doc.ents:
            if ent.label_ != "GPE":
                continue
            name = re.sub(r"^the\s+", "", ent.text, flags=re.IGNORECASE)
            code = NAMES.get(name) or NAMES.get(name.title())
            if code:
                codes.add(code)
                evidence.setdefault(code, f"{ent.text!r} in: {ent.sent.text.strip() if doc.has_annotation('SENT_START') else ent.text}")
        article.found["bare spaCy"], article.evidence["bare spaCy"] = codes, evidence


def scores(articles: list[Article], system: str) -> dict[str, float | int]:
    tp = fp = fn = named = named_found = 0
    for article in articles:
        found = article.found.get(system, set())
        tp += len(found & article.tagged)
        fp += len(found - article.tagged)
        fn += len(article.tagged - found)
        in_text = article.tagged & set(named_countries(article.text))
        named += len(in_text)
        named_found += len(in_text & found)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"articles": len(articles), "tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 3),
            "recall": round(recall, 3), "f1": round(f1, 3), "named": named,
            "named_found": named_found, "named_recall": round(named_found / named, 3) if named else 0.0}


def write_errors(articles: list[Article], systems: list[str], path: Path) -> None:
    """Per article and system: tagged countries missed (with where the text names them, if
    it does) and countries found but not tagged (with the mention that gave them)."""
    with open(path, "w", encoding="utf-8") as out:
        for article in articles:
            named = named_countries(article.text)
            lines = []
            for system in systems:
                found = article.found.get(system, set())
                for code in sorted(article.tagged - found):
                    if code in named:
                        start, end = named[code]
                        context = article.text[max(0, start - 60):end + 60].replace("\n", " ")
                        lines.append(f"  [{system}] missed {code} (named): ...{context}...")
                    else:
                        lines.append(f"  [{system}] missed {code} (not named)")
                for code in sorted(found - article.tagged):
                    lines.append(f"  [{system}] spurious {code}: {article.evidence[system].get(code, '')}")
            if lines:
                out.write(f"{article.name}  tagged: {','.join(sorted(article.tagged))}\n")
                out.write("\n".join(lines) + "\n\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["all", "dev", "holdout"], default="all",
                        help="which half of the articles (by a hash of the file name)")
    parser.add_argument("--holdout", action="store_const", const="holdout", dest="split",
                        help="same as --split holdout")
    parser.add_argument("--limit", type=int, help="at most this many articles")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--errors", type=Path, help="write missed and spurious countries per article here")
    parser.add_argument("--no-baseline", action="store_true", help="score coop-kg only")
    args = parser.parse_args(argv)
    if not (REAL / "MANIFEST.tsv").exists():
        print(f"no Reuters corpus at {REAL}", file=sys.stderr)
        return 1
    articles = load_articles(args.split, args.limit)
    systems = ["coop-kg"] + ([] if args.no_baseline else ["bare spaCy"])
    started = time.perf_counter()
    run_coop_kg(articles)
    if not args.no_baseline:
        run_bare_spacy(articles)
    halves = [args.split] if args.split != "all" else ["all", "dev", "holdout"]
    results = {half: {system: scores([a for a in articles if in_split(a.name, half)], system) for system in systems}
               for half in halves}
    if args.errors:
        write_errors(articles, systems, args.errors)
    if args.json:
        print(json.dumps({"split": args.split, "results": results}, indent=2))
        return 0
    print(f"Reuters countries: {len(articles)} tagged articles ({time.perf_counter() - started:.0f} s)")
    print(f"{'split':<8} {'system':<11} {'P':>6} {'R':>6} {'F1':>6}   {'TP':>5} {'FP':>5} {'FN':>5}   named countries found")
    for half, by_system in results.items():
        for system, r in by_system.items():
            print(f"{half:<8} {system:<11} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f}   {r['tp']:5d} "
                  f"{r['fp']:5d} {r['fn']:5d}   {r['named_recall']:.1%} ({r['named_found']}/{r['named']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
