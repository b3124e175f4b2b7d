"""Dinas Sosial: verifies, approves and sends proposals to the ministry for the whole city."""
import time

from flask import Blueprint, url_for
from flask_login import current_user

from portal import access
from portal.blueprints import (audit_log, dashboard, data_subject, exports, imports, letters, registry_view,
                               review, verivali_view)
from portal.domain.roles import Role
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import Proposal
from portal.services import ranking
from portal.web import render, see_other

bp = Blueprint("dinsos", __name__, url_prefix="/dinsos")
bp.before_request(access.require_role(Role.DINSOS))
review.register(bp)
registry_view.register(bp)
dashboard.register(bp)
verivali_view.register_progress(bp)
verivali_view.register_admin(bp)
exports.register(bp)
imports.register(bp)
audit_log.register(bp)
letters.register_issuing(bp)
letters.register_keterangan(bp)
data_subject.register(bp)


@bp.get("/")
def home():
    kecamatan = db.session.scalars(access.child_areas(current_user, current_user.area)).all()
    waiting = review.waiting_summary(current_user)
    ready = db.session.scalars(access.proposals_in_area(current_user)
                               .where(Proposal.status == State.DISETUJUI_DINSOS).order_by(Proposal.id)).all()
    return render("dinsos/home.html", area=current_user.area, kecamatan=kecamatan, waiting=waiting,
                  ready=[f"#{p.id} {p.kind_label} · {p.area.full_label}" for p in ready])


@bp.post("/peringkat")
def ranking_recompute():
    """A new ranking run for the whole city (earlier runs stay as they were)."""
    started = time.monotonic()
    run = ranking.recompute(current_user)
    db.session.commit()
    return see_other(url_for("dinsos.dashboard_page"),
                     f"Peringkat dihitung ulang: {run.households} rumah tangga ({run.active_households} aktif) "
                     f"dalam {time.monotonic() - started:.1f} detik, aturan {run.rules_version}.")
