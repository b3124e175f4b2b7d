"""The local indicative ranking of households, and its explanation in plain words.

Pure rules: facts in, ranks and sentences out. The ranking is *indikatif lokal*: it orders households for the
office's own work and is never the official DTSEN desil (imported separately, shown separately).

Order (documented on every explanation page):
1. active households first; nonaktif households stay in the data, at the bottom, unranked;
2. no shelter (Kepmensos 262/HUK/2022: fakir miskin whatever the count);
3. more of the 14 BPS criteria met;
4. tie-breakers in `RankingRules.tie_breakers`: more dependants, then elderly, then people with a
   disability, then people with a PPKS category.
Households equal on all of these share a rank (1, 2, 2, 4). The indicative desil is the rank's tenth of the
active households of the city: desil 1 = the 10% most in need.
"""
from dataclasses import dataclass

DEPENDANT_UNDER = 15   # BPS dependency ratio: under 15 ...
DEPENDANT_FROM = 65    # ... or 65 and older
ELDERLY_FROM = 60      # lansia (UU 13/1998)
DISABILITY_PPKS = ("ADK", "PD")

TIE_BREAKER_LABELS = {"dependants": "tanggungan", "elderly": "lansia", "disabled": "penyandang disabilitas",
                      "ppks": "anggota PPKS"}
TIE_BREAKER_TERMS = (f"Tanggungan: anak di bawah {DEPENDANT_UNDER} tahun dan warga {DEPENDANT_FROM} tahun ke atas; "
                     f"lansia: {ELDERLY_FROM} tahun ke atas.")


@dataclass(frozen=True)
class RankingRules:
    """Versioned: every computed ranking stores the version it used; a change gets a new version."""

    version: str = "peringkat-2026.1"
    poor_threshold: int = 9
    desil_count: int = 10
    tie_breakers: tuple[str, ...] = ("dependants", "elderly", "disabled", "ppks")


CURRENT_RULES = RankingRules()
# Every version ever used stays here, so an old run is explained under the rules it was computed with.
KNOWN_RULES = {rules.version: rules for rules in (CURRENT_RULES,)}


def rules_for(version: str) -> RankingRules:
    return KNOWN_RULES.get(version, CURRENT_RULES)


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int
    kelurahan_id: int
    active: bool
    criteria_met: int
    fakir_miskin: bool
    dependants: int = 0
    elderly: int = 0
    disabled: int = 0
    ppks: int = 0


@dataclass(frozen=True)
class Rank:
    household_id: int
    rank_city: int | None        # None: nonaktif, not ranked
    rank_kelurahan: int | None
    desil: int | None


def need_key(facts: HouseholdFacts, rules: RankingRules) -> tuple:
    """Smaller = more in need. Households with the same key share a rank."""
    return (not facts.fakir_miskin, -facts.criteria_met, *(-getattr(facts, name) for name in rules.tie_breakers))


def _competition_ranks(ordered: list[HouseholdFacts], rules: RankingRules) -> dict[int, int]:
    ranks, previous_key, previous_rank = {}, None, 0
    for position, facts in enumerate(ordered, start=1):
        key = need_key(facts, rules)
        if key != previous_key:
            previous_key, previous_rank = key, position
        ranks[facts.household_id] = previous_rank
    return ranks


def desil_of(rank: int, active_count: int, desil_count: int = 10) -> int:
    """Rank 1 is always desil 1; each desil holds a tenth of the active households."""
    return min(desil_count, (rank - 1) * desil_count // active_count + 1)


def rank_households(facts: list[HouseholdFacts], rules: RankingRules = CURRENT_RULES) -> list[Rank]:
    """Ranks for every household: active ones in the city and in their kelurahan, nonaktif ones unranked."""
    active = sorted((f for f in facts if f.active), key=lambda f: (need_key(f, rules), f.household_id))
    city = _competition_ranks(active, rules)
    by_kelurahan: dict[int, list[HouseholdFacts]] = {}
    for f in active:
        by_kelurahan.setdefault(f.kelurahan_id, []).append(f)  # stays sorted
    local = {}
    for members in by_kelurahan.values():
        local.update(_competition_ranks(members, rules))
    ranks = [Rank(f.household_id, city[f.household_id], local[f.household_id],
                  desil_of(city[f.household_id], len(active), rules.desil_count)) for f in active]
    ranks += [Rank(f.household_id, None, None, None) for f in facts if not f.active]
    return ranks


def codes_of(mask: int, all_codes: tuple[str, ...]) -> set[str]:
    return {code for i, code in enumerate(all_codes) if mask >> i & 1}


@dataclass(frozen=True)
class Standing:
    """One household in one computed ranking, as the explanation needs it."""

    rank_city: int | None
    rank_kelurahan: int | None
    desil: int | None
    active_city: int
    active_kelurahan: int
    criteria_met: int
    criteria_mask: int
    rules_version: str


def poverty_sentence(criteria_met: int, fakir_miskin: bool, threshold: int) -> str:
    if fakir_miskin:
        return ("Rumah tangga ini tidak memiliki tempat tinggal, sehingga termasuk fakir miskin menurut "
                "Kepmensos 262/HUK/2022, berapa pun jumlah kriteria yang terpenuhi.")
    if criteria_met >= threshold:
        return (f"Rumah tangga ini memenuhi {criteria_met} dari 14 kriteria kemiskinan BPS. Karena paling sedikit "
                f"{threshold} kriteria terpenuhi, rumah tangga ini memenuhi kriteria miskin.")
    return (f"Rumah tangga ini memenuhi {criteria_met} dari 14 kriteria kemiskinan BPS. Batas kriteria miskin "
            f"adalah {threshold} kriteria, jadi rumah tangga ini belum memenuhi kriteria miskin.")


def tie_break_sentence(facts: HouseholdFacts, rules: RankingRules) -> str:
    order = ", lalu ".join(TIE_BREAKER_LABELS[name] for name in rules.tie_breakers)
    own = ", ".join(f"{getattr(facts, name)} {TIE_BREAKER_LABELS[name]}" for name in rules.tie_breakers)
    return (f"Jika jumlah kriteria sama, yang didahulukan adalah rumah tangga dengan lebih banyak {order}. "
            f"Rumah tangga ini: {own}. ({TIE_BREAKER_TERMS})")


def rank_sentence(standing: Standing, kelurahan: str, nonaktif_reason: str | None) -> str:
    if standing.rank_city is None:
        return (f"Rumah tangga ini berstatus nonaktif ({nonaktif_reason or 'tanpa alasan tercatat'}), sehingga "
                "tidak diberi peringkat dan ditempatkan di bagian bawah daftar. Datanya tetap tersimpan.")
    return (f"Peringkat indikatif lokal: ke-{standing.rank_kelurahan} dari {standing.active_kelurahan} rumah "
            f"tangga aktif di Kelurahan {kelurahan}, dan ke-{standing.rank_city} dari {standing.active_city} di "
            f"Kota Bontang (desil indikatif {standing.desil}; desil 1 = 10% yang paling membutuhkan).")


def changes_since(previous: Standing | None, current: Standing, labels: dict[str, str],
                  all_codes: tuple[str, ...]) -> list[str]:
    """What changed between two computed rankings of the same household, in plain words."""
    if previous is None:
        return ["Ini perhitungan pertama untuk rumah tangga ini."]
    now, before = codes_of(current.criteria_mask, all_codes), codes_of(previous.criteria_mask, all_codes)
    lines = [f"Sekarang terpenuhi: {labels[c]}." for c in all_codes if c in now - before]
    lines += [f"Tidak lagi terpenuhi: {labels[c]}." for c in all_codes if c in before - now]
    if current.criteria_met != previous.criteria_met:
        lines.append(f"Jumlah kriteria berubah dari {previous.criteria_met} menjadi {current.criteria_met}.")
    if current.rank_kelurahan != previous.rank_kelurahan:
        before_rank = "tidak diperingkat" if previous.rank_kelurahan is None else f"ke-{previous.rank_kelurahan}"
        now_rank = "tidak diperingkat" if current.rank_kelurahan is None else f"ke-{current.rank_kelurahan}"
        lines.append(f"Peringkat di kelurahan berubah dari {before_rank} menjadi {now_rank}.")
    if current.rules_version != previous.rules_version:
        lines.append(f"Aturan peringkat berganti dari versi {previous.rules_version} ke {current.rules_version}.")
    return lines or ["Tidak ada perubahan sejak perhitungan sebelumnya."]
