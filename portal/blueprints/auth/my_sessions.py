""""Sesi saya": the signed-in user's live sessions, and ending the ones on other devices."""
from flask import abort, current_app, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.auth.forms import EmptyForm
from portal.domain.user_agents import describe
from portal.extensions import db
from portal.services import audit, sessions
from portal.web import render, see_other


@login_required
def my_sessions():
    cfg = current_app.config
    rows = sessions.live(current_user, cfg["SESSION_IDLE_TIMEOUT"], cfg["SESSION_ABSOLUTE_TIMEOUT"])
    listed = [{"row": row, "device": describe(row.user_agent),
               "current": sessions.is_token_of(row, current_user.session_token)} for row in rows]
    return render("auth/my_sessions.html", sessions=listed, form=EmptyForm(formdata=None),
                  others=sum(not s["current"] for s in listed))


@login_required
def session_end(session_id: int):
    row = sessions.end_own(current_user, session_id, "ended_by_user")
    if row is None:
        abort(404)  # not this user's, already ended, or the current one
    audit.record(current_user, "session.end", row, ip=request.remote_addr or "")
    db.session.commit()
    return see_other(url_for("auth.my_sessions"), "Sesi di perangkat itu sudah diakhiri.")


@login_required
def sessions_end_others():
    ended = sessions.end_all(current_user, "ended_by_user", keep_token=current_user.session_token)
    audit.record(current_user, "session.end_others", current_user, ip=request.remote_addr or "", count=ended)
    db.session.commit()
    return see_other(url_for("auth.my_sessions"), "Semua sesi lain sudah diakhiri.")


def register(bp) -> None:
    bp.add_url_rule("/akun/sesi", view_func=my_sessions)
    bp.add_url_rule("/akun/sesi/<int:session_id>/akhiri", view_func=session_end, methods=["POST"])
    bp.add_url_rule("/akun/sesi/akhiri-lainnya", view_func=sessions_end_others, methods=["POST"])
