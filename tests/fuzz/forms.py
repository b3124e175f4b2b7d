"""Every POST endpoint of the portal and the fields its form reads (portal/forms.py, portal/blueprints/**/forms.py
and the request.form reads in the views), each with a strategy of hostile values.

`World` holds ids of real demo records, read once per module, so that generated forms name real things
as often as junk. test_http_fuzz.test_every_post_endpoint_is_fuzzed fails when a POST route is added and
not listed here.
"""
from dataclasses import dataclass, field
from collections.abc import Callable

from hypothesis import strategies as st

from portal.domain.criteria import EDUCATION, FLOOR_TYPES, FUELS, JOBS, LIGHTING, TOILETS, WALL_TYPES, WATER
from portal.domain.household import MARITAL, NONAKTIF_REASONS, RELATIONS, SEXES
from portal.domain.letters import KINDS as LETTER_KINDS
from portal.domain.letters import SIFAT, SIGNER_PREFIXES
from portal.domain.muskel import KINDS as MUSKEL_KINDS
from portal.domain.muskel import UNSUR, VERDICTS
from portal.domain.ppks import categories
from portal.domain.programs import ACTIONS, PROGRAMS
from portal.domain.proposal_steps import EVIDENCE_KINDS
from portal.domain.purposes import PURPOSES
from portal.domain.roles import ROLE_LABELS
from portal.domain.verivali import Outcome
from portal.domain.workflow import Kind, State
from tests.fuzz.payloads import Live, choice, dates, flag, junk, number, uploads


@dataclass
class World:
    """Ids of demo records the forms may name (all read before the first example)."""
    proposals: list[int] = field(default_factory=list)      # every proposal of the city
    approved: list[int] = field(default_factory=list)       # approved by Dinas Sosial, ready for a letter
    waiting: list[int] = field(default_factory=list)        # waiting for the kelurahan of Api-Api
    people: list[int] = field(default_factory=list)         # active people of the RT's first household
    kelurahan_ids: list[int] = field(default_factory=list)
    area_codes: list[str] = field(default_factory=list)
    letters: list[int] = field(default_factory=list)
    member_keys: list[str] = field(default_factory=list)    # members of the RT's PERBAIKAN draft
    step_urls: list[dict] = field(default_factory=list)     # (proposal_id, step) of every editable draft step
    extra_args: dict = field(default_factory=dict)          # URL args of routes the access matrix does not list


@dataclass(frozen=True)
class Case:
    """How to fuzz one POST endpoint."""
    fields: Callable[[World], dict]
    examples: int = 4
    actor: str | None = None          # a username, when the route's own role account must not be disturbed
    args: Callable[[World], st.SearchStrategy] | None = None  # URL args drawn per example (else the matrix's)
    multipart: bool = False


def ids_of(values) -> st.SearchStrategy:
    return st.one_of(st.sampled_from([str(v) for v in values] or ["1"]), number(0, 10**6))


def nothing(world: World) -> dict:
    return {}


def version(world: World) -> dict:
    return {"version": st.one_of(st.just(Live("version")), number(0, 10))}


ANONYMOUS = "(anonymous)"
# Accounts that fuzzing may log out, lock, re-password or enrol in two-factor without hurting other cases.
OWN_ACCOUNT = "rt.kanaan.002"
LOGOUT_ACCOUNT = "lurah.kanaan"

MEMBER = {"nik": st.one_of(st.sampled_from(["6474014508900001", "6474010101900002", "647401 450890 0003"]), junk),
          "name": junk, "birth_place": junk, "birth_date": dates, "sex": choice(SEXES),
          "relation": choice(RELATIONS), "marital_status": choice(MARITAL), "mother_name": junk, "job": choice(JOBS),
          "warning_reason": junk}
CONDITIONS = {"floor_area_m2": number(0, 500), "floor_type": choice(FLOOR_TYPES), "wall_type": choice(WALL_TYPES),
              "toilet": choice(TOILETS), "lighting": choice(LIGHTING), "water": choice(WATER),
              "cooking_fuel": choice(FUELS), "meat_per_week": number(0, 21), "clothes_per_year": number(0, 50),
              "meals_per_day": number(0, 10), "can_pay_clinic": choice({"ya", "tidak"}), "head_job": choice(JOBS),
              "head_income_monthly": number(0, 10**9), "head_education": choice(EDUCATION),
              "assets_value": number(0, 10**11), "has_shelter": choice({"ya", "tidak"})}


def _step_fields(world: World) -> dict:
    """The union of every wizard step's form: each step reads its own fields and ignores the others."""
    return {**version(world), "no_kk": st.one_of(st.just("6474010101010001"), junk), "address": junk, **CONDITIONS,
            "member_key": ids_of(world.member_keys), "category": choice(set(categories())),
            "action": choice(set(ACTIONS) | {"tambah", "hapus"}), "reason": choice(set(NONAKTIF_REASONS)),
            "note": junk, "program": choice(PROGRAMS), "kind": choice(EVIDENCE_KINDS), "file": uploads}


def _export(world: World) -> dict:
    return {"what": choice({"bnba", "registri"}), "file_format": choice({"xlsx", "csv"}),
            "kelurahan": ids_of(world.kelurahan_ids), "letter": ids_of(world.letters), "start": dates, "end": dates,
            "kind": choice({k.value for k in Kind}), "status": choice({s.value for s in State} | {"", "semua"}),
            "keperluan": choice(set(PURPOSES)), "keterangan": junk, "unmasked": flag, "reason": junk}


def _review(world: World) -> dict:
    return {**version(world), "reason": junk, "action": choice({"setujui", "kembalikan", "tolak", "ajukan"})}


def _batch(world: World) -> dict:
    pair = st.one_of(st.just(Live("id:version")), st.tuples(ids_of(world.proposals), number(0, 9)).map(
        lambda t: b":".join(v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass") for v in t)), junk)
    return {"ids": pair}  # form() also sends it twice or not at all


def _letters(world: World) -> dict:
    return {"sifat": choice(SIFAT), "ids": ids_of(world.approved + world.proposals[:3])}


def _verdicts(world: World) -> dict:
    fields = {f"putusan_{pid}": choice(VERDICTS) for pid in world.waiting[:3]}
    fields.update({f"alasan_{pid}": junk for pid in world.waiting[:3]})
    return {**fields, "putusan_999999": choice(VERDICTS), "putusan_x": junk, "putusan_": junk, "putusan_²": junk}


def _office(world: World) -> dict:
    fields = {name: junk for name in ("government", "name", "address", "phone", "email", "website", "signer_title",
                                       "signer_name", "signer_rank", "tembusan")}
    patterns = st.one_of(st.sampled_from(["{klasifikasi}/{nomor:04}/{unit}/{tahun}", "{nomor}", "{nomor:4}",
                                          "{nomor!r}", "{x}", "{", "{nomor.real}", "{nomor[0]}", "{0}"]), junk)
    fields.update({"unit": st.one_of(st.just("Dinsos"), junk), "pattern": patterns,
                   "signer_prefix": choice(SIGNER_PREFIXES),
                   "signer_nip": st.one_of(st.just("19800101 200501 1 001"), number(0, 10**18))})
    fields.update({f"classification_{kind}": st.one_of(st.just("400.9.2"), junk) for kind in LETTER_KINDS})
    return fields


def _user_new(world: World) -> dict:
    return {"username": st.one_of(st.from_regex(r"[a-z0-9][a-z0-9._-]{2,20}", fullmatch=True), junk),
            "full_name": junk, "role": choice({r.value for r in ROLE_LABELS}),
            "area_code": st.one_of(st.sampled_from(world.area_codes or ["64.74"]), junk),
            "password": st.one_of(st.just("Bontang-fuzz-2026!"), junk)}


def _period(world: World) -> dict:
    return {"name": junk, "starts_on": dates, "ends_on": dates, "programs": choice(PROGRAMS),
            "kelurahan_ids": ids_of(world.kelurahan_ids)}


def _check(world: World) -> dict:
    return {**version(world), "visit_date": dates, "outcome": choice({o.value for o in Outcome}), "note": junk}


def _search(world: World) -> dict:
    return {"q": st.one_of(st.sampled_from(["siti", "6474014508900001", "%", "_", "\\"]), junk),
            "page": number(0, 10)}


def _reveal(world: World) -> dict:
    return {"person_id": ids_of(world.people), "reason": st.one_of(st.just("Pemeriksaan data ganda"), junk)}


def _step_args(world: World) -> st.SearchStrategy:
    return st.sampled_from(world.step_urls)


PASSWORD = st.one_of(st.just("demo-bontang-2026"), junk)
LEVELS = ("kelurahan", "kecamatan", "dinsos")

POST_FORMS: dict[str, Case] = {
    "auth.login": Case(lambda w: {"username": st.one_of(st.just(OWN_ACCOUNT), junk), "password": PASSWORD}),
    "auth.change_password": Case(lambda w: {"current_password": PASSWORD, "new_password": junk, "confirm": junk},
                                 actor=OWN_ACCOUNT),
    "auth.login_code": Case(lambda w: {"code": st.one_of(number(0, 999999), junk)}, actor=ANONYMOUS),
    "auth.security_start": Case(nothing, examples=2, actor=OWN_ACCOUNT),
    "auth.security_confirm": Case(lambda w: {"code": number(0, 999999)}, actor=OWN_ACCOUNT),
    "auth.security_disable": Case(lambda w: {"password": PASSWORD, "code": number(0, 999999)}, actor=OWN_ACCOUNT),
    "auth.security_recovery_codes": Case(lambda w: {"password": PASSWORD}, examples=3, actor=OWN_ACCOUNT),
    "auth.session_end": Case(nothing, examples=3, actor=OWN_ACCOUNT),
    "auth.sessions_end_others": Case(nothing, examples=2, actor=OWN_ACCOUNT),
    "auth.logout": Case(nothing, examples=2, actor=LOGOUT_ACCOUNT),
    "admin.user_new": Case(_user_new),
    "admin.user_status": Case(lambda w: {"active": flag}),
    "admin.user_reset_password": Case(lambda w: {"new_password": junk}),
    "admin.user_reset_two_factor": Case(lambda w: {"extra": junk}),
    "admin.kelurahan_rts": Case(lambda w: {"number": number(0, 1000), "rw": number(0, 1000)}),
    "admin.rt_edit": Case(lambda w: {"rw": number(0, 1000), "active": flag}),
    "admin.office_edit": Case(_office, examples=8),
    "admin.office_logo": Case(lambda w: {"logo": uploads, "hapus": flag}, multipart=True),
    "rt.households": Case(_search),
    "rt.household_propose": Case(lambda w: {"kind": choice({k.value for k in Kind})}, examples=4),
    "rt.proposal_new": Case(version, examples=3),
    "rt.proposal_step": Case(_step_fields, examples=12, args=_step_args, multipart=True),
    "rt.member_new": Case(lambda w: {**version(w), **MEMBER}, examples=8),
    "rt.member": Case(lambda w: {**version(w), **MEMBER}, examples=8),
    "rt.member_leave": Case(lambda w: {**version(w), "reason": junk, "undo": flag}),
    "rt.ppks_remove": Case(version, examples=3),
    "rt.evidence_remove": Case(version, examples=3),
    "rt.verivali_record": Case(_check),
    "kelurahan.verivali_record": Case(_check),
    "kelurahan.muskel_list": Case(lambda w: {"kind": choice(MUSKEL_KINDS), "held_on": dates, "place": junk}),
    "kelurahan.muskel_participant": Case(lambda w: {"name": junk, "unsur": choice(UNSUR)}),
    "kelurahan.muskel_participant_remove": Case(nothing, examples=3),
    "kelurahan.muskel_verdicts": Case(_verdicts),
    "kelurahan.muskel_berita_acara": Case(nothing, examples=2),
    "dinsos.verification_note": Case(lambda w: {"visit_date": dates, "officer": junk, "findings": junk}),
    "dinsos.household_program": Case(lambda w: {"program": choice(PROGRAMS), "person_id": ids_of(w.people),
                                                "identifier": junk, "period": junk}),
    "dinsos.ranking_recompute": Case(nothing, examples=1),
    "dinsos.imports_page": Case(lambda w: {"kind": choice({"dtks", "hasil"}), "file": uploads}, multipart=True),
    "dinsos.import_apply": Case(nothing, examples=2),
    "dinsos.import_cancel": Case(nothing, examples=2),
    "dinsos.letters_page": Case(_letters, examples=4),
    "dinsos.letter_keterangan": Case(lambda w: {"nik": st.one_of(st.just("6474014508900001"), junk),
                                                "purpose": junk}, examples=4),
    "dinsos.data_subject_export": Case(lambda w: {"nik": st.one_of(st.just("6474014508900001"), junk),
                                                  "reason": st.one_of(st.just("Surat permohonan 12/2026"), junk)}),
    "dinsos.letter_job_retry": Case(lambda w: {"reason": junk}, examples=2),
    "dinsos.letter_revoke": Case(lambda w: {"reason": junk, "ganti": flag}, examples=3),
    "dinsos.verivali_open": Case(_period, examples=4),
    "dinsos.verivali_close": Case(nothing, examples=1),
    "kecamatan.letters_page": Case(_letters, examples=4),
    "kelurahan.letters_page": Case(_letters, examples=3),
    "rt.letters_page": Case(_letters, examples=2),
    **{f"{level}.{name}": Case(fields) for level in LEVELS for name, fields in (
        ("households", _search), ("household", _reveal), ("review_page", _review), ("batch", _batch),
        ("export_page", _export))},
    **{f"{level}.verivali_recap_letter": Case(nothing, examples=1) for level in LEVELS},
    # Last: these change the state the others work on (a submitted or withdrawn draft is no longer editable).
    "kelurahan.muskel_finalise": Case(version, examples=3),
    "rt.proposal_submit": Case(version, examples=3),
    "rt.proposal_withdraw": Case(version, examples=3),
}
