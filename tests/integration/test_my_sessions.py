""""Sesi saya": a user sees their live sessions and ends the ones on other devices, at once."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User, UserSession
from tests.conftest import Visitor
from tests.pages import text, visible

PHONE_UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/119.0.0.0 Mobile Safari/537.36")
END_RE = re.compile(r'action="/akun/sesi/(\d+)/akhiri"')


def signed_in(app, username, remote_addr=None) -> Visitor:
    v = Visitor(app, remote_addr=remote_addr)
    assert v.login(username).status_code == 200
    return v


def session_ids(app, username) -> list[int]:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        return list(db.session.scalars(select(UserSession.id).where(UserSession.user_id == user_id,
                                                                    UserSession.ended_at.is_(None))
                                       .order_by(UserSession.id)))


def test_lists_live_sessions_with_the_current_one_marked(app):
    phone = Visitor(app, remote_addr="10.0.0.7")
    phone.client.environ_base["HTTP_USER_AGENT"] = PHONE_UA
    assert phone.login("rt.api-api.001").status_code == 200
    laptop = signed_in(app, "rt.api-api.001", remote_addr="10.0.0.8")
    signed_in(app, "rt.kanaan.001")  # someone else's session is not listed
    page = laptop.get("/akun/sesi")
    assert page.status_code == 200
    shown = visible(page)
    assert "Chrome di Android" in shown and "10.0.0.7" in shown and "10.0.0.8" in shown
    assert shown.count("Sesi ini") == 1
    phone_id, laptop_id = session_ids(app, "rt.api-api.001")
    assert END_RE.findall(text(page)) == [str(phone_id)]  # "Akhiri" only on the other one
    assert "Akhiri semua sesi lain" in shown
    assert text(page).count('name="csrf_token"') >= 3  # logout, Akhiri, Akhiri semua
    assert phone.get("/rt/").status_code == 200


def test_ending_another_session_stops_it_at_once(app):
    phone = signed_in(app, "lurah.api-api")
    laptop = signed_in(app, "lurah.api-api")
    phone_id, _ = session_ids(app, "lurah.api-api")
    laptop.get("/akun/sesi")
    response = laptop.post(f"/akun/sesi/{phone_id}/akhiri")
    assert response.status_code == 303 and response.headers["Location"] == "/akun/sesi"
    assert phone.get("/kelurahan/").status_code == 302  # the next click on the phone asks to sign in
    assert laptop.get("/kelurahan/").status_code == 200
    with app.app_context():
        assert db.session.get(UserSession, phone_id).end_reason == "ended_by_user"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.end"))
        assert (event.target_type, event.target_id) == ("UserSession", phone_id)
    # Ending it again: it is no longer there.
    assert laptop.post(f"/akun/sesi/{phone_id}/akhiri").status_code == 404


def test_end_all_other_sessions_keeps_this_one(app):
    others = [signed_in(app, "dinsos") for _ in range(2)]
    me = signed_in(app, "dinsos")
    me.get("/akun/sesi")
    assert me.post("/akun/sesi/akhiri-lainnya").status_code == 303
    assert all(o.get("/dinsos/").status_code == 302 for o in others)
    assert me.get("/dinsos/").status_code == 200
    page = me.get("/akun/sesi")
    assert END_RE.findall(text(page)) == [] and "Akhiri semua sesi lain" not in visible(page)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.end_others"))
        assert event.detail["count"] == 2


def test_cannot_end_another_users_session(app):
    victim = signed_in(app, "rt.kanaan.001")
    (victim_id,) = session_ids(app, "rt.kanaan.001")
    attacker = signed_in(app, "rt.api-api.001")
    attacker.get("/akun/sesi")
    response = attacker.post(f"/akun/sesi/{victim_id}/akhiri")
    assert response.status_code == 404
    assert victim.get("/rt/").status_code == 200


def test_current_session_is_ended_by_logout_not_here(app):
    me = signed_in(app, "camat.bontang-utara")
    (mine,) = session_ids(app, "camat.bontang-utara")
    me.get("/akun/sesi")
    assert me.post(f"/akun/sesi/{mine}/akhiri").status_code == 404
    assert me.get("/kecamatan/").status_code == 200


def test_posts_need_the_csrf_token(app):
    phone = signed_in(app, "lurah.api-api")
    laptop = signed_in(app, "lurah.api-api")
    phone_id, _ = session_ids(app, "lurah.api-api")
    assert laptop.post(f"/akun/sesi/{phone_id}/akhiri", csrf=False).status_code == 400
    assert laptop.post("/akun/sesi/akhiri-lainnya", csrf=False).status_code == 400
    assert phone.get("/kelurahan/").status_code == 200


def test_nav_links_to_both_pages(login):
    page = text(login("rt.api-api.001").get("/rt/"))
    assert 'href="/akun/keamanan"' in page and 'href="/akun/sesi"' in page
