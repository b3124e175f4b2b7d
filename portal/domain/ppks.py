"""The 26 PPKS (Pemerlu Pelayanan Kesejahteraan Sosial) categories, with their configurable age bands."""
import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from portal.domain.errors import DomainError

PPKS_CSV = Path(__file__).resolve().parent.parent / "data" / "ppks26.csv"


@dataclass(frozen=True)
class PpksCategory:
    code: str   # the abbreviation, e.g. "LUT"
    name: str
    min_age: int | None
    max_age: int | None


@lru_cache(maxsize=1)
def categories() -> dict[str, PpksCategory]:
    with PPKS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    as_int = lambda v: int(v) if v else None  # noqa: E731
    return {r["singkatan"]: PpksCategory(r["singkatan"], r["kategori"], as_int(r["usia_min"]), as_int(r["usia_max"]))
            for r in rows}


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def check_category_for(code: str, birth_date: date | None, today: date) -> PpksCategory:
    """The category, if it exists and the person's age fits its band (bands are configurable in the CSV)."""
    category = categories().get(code)
    if category is None:
        raise DomainError("Kategori PPKS tidak dikenal.", field="category")
    if birth_date is not None:
        age = age_on(birth_date, today)
        if category.min_age is not None and age < category.min_age:
            raise DomainError(f"{category.name} untuk usia {category.min_age} tahun ke atas; "
                              f"usia orang ini {age} tahun.", field="category")
        if category.max_age is not None and age > category.max_age:
            raise DomainError(f"{category.name} untuk usia sampai {category.max_age} tahun; "
                              f"usia orang ini {age} tahun.", field="category")
    return category
