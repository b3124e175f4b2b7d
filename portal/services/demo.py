"""Demo data: the official areas, three RTs per kelurahan, one account per role and area, twenty
fictional households per RT and proposals of every kind.

Account names are part of the README and of later issues' tests: keep them stable.
"""
from sqlalchemy import func, select

from portal.domain.areas import Level
from portal.domain.roles import Role
from portal.extensions import db
from portal.models import Area, User
from portal.services import accounts, areas, demo_households, demo_proposals, demo_verivali, ranking

DEMO_PASSWORD = "demo-bontang-2026"
RTS_PER_KELURAHAN = 3
HOUSEHOLDS_PER_RT = 20

# Invented names, combined deterministically; the demo must look plausible and be visibly fictional.
_FIRST = ["Ahmad", "Siti", "Budi", "Nur", "Rahmat", "Dewi", "Hasan", "Wati", "Syamsul", "Fitri", "Andi", "Rina"]
_LAST = ["Saputra", "Lestari", "Hidayat", "Rahayu", "Pratama", "Wulandari", "Gunawan", "Kartika", "Nugroho"]


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def _name(i: int) -> str:
    return f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7) % len(_LAST)]} (demo)"


def seed_demo() -> int:
    """Create what is missing of the demo set (areas, accounts, households, proposals); returns new accounts."""
    areas.load_official_areas()
    by_level = {level: list(db.session.scalars(select(Area).where(Area.level == level).order_by(Area.code)))
                for level in Level}
    kota = by_level[Level.KOTA][0]
    wanted: list[tuple[str, str, Role, Area]] = [
        ("admin", "Admin Sistem (demo)", Role.ADMIN, kota),
        ("dinsos", "Verifikator Dinas Sosial (demo)", Role.DINSOS, kota),
    ]
    for kec in by_level[Level.KECAMATAN]:
        wanted.append((f"camat.{kec.slug}", f"Operator Kecamatan {kec.name} (demo)", Role.KECAMATAN, kec))
    for kel in by_level[Level.KELURAHAN]:
        wanted.append((f"lurah.{kel.slug}", f"Operator Kelurahan {kel.name} (demo)", Role.KELURAHAN, kel))
        existing = {rt.code: rt for rt in kel.children}
        for number in range(1, RTS_PER_KELURAHAN + 1):
            rw = str((number + 1) // 2)
            rt = existing.get(f"{kel.code}.{number:03d}") or areas.add_rt(None, kel, str(number), rw)
            wanted.append((f"rt.{kel.slug}.{number:03d}", _name(len(wanted)), Role.RT, rt))

    taken = set(db.session.scalars(select(User.username)))
    created = 0
    for username, full_name, role, area in wanted:
        if username not in taken:
            accounts.create_user(None, username, full_name, role.value, area.code, DEMO_PASSWORD,
                                 must_change_password=False)
            created += 1
    db.session.flush()
    demo_households.seed_rt_households(HOUSEHOLDS_PER_RT)
    demo_proposals.seed_demo_proposals()
    demo_proposals.seed_demo_chain()
    demo_proposals.seed_demo_letters()
    demo_verivali.seed_memberships()
    if ranking.latest_run() is None:  # the list and explanation pages have ranks to show
        ranking.recompute(None)
    demo_verivali.seed_period()
    return created
