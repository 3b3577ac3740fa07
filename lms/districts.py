"""The districts of Cajamarca province, where the course's students live. Imports accept them
with or without accents and in any case, and store the official spelling."""

import unicodedata

CAJAMARCA_DISTRICTS: list[str] = [
    "Cajamarca",
    "Asunción",
    "Chetilla",
    "Cospán",
    "Encañada",
    "Jesús",
    "Llacanora",
    "Los Baños del Inca",
    "Magdalena",
    "Matara",
    "Namora",
    "San Juan",
]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_marks.lower().split())


_BY_FOLDED = {_fold(name): name for name in CAJAMARCA_DISTRICTS}
_BY_FOLDED["la encanada"] = "Encañada"  # the district's common full name
_BY_FOLDED["banos del inca"] = "Los Baños del Inca"


def district_canonical(raw: str) -> str | None:
    """The official name of the district written in `raw`, or None if it is not one of ours."""
    return _BY_FOLDED.get(_fold(raw))
