"""A boosted form's POST answers the next page itself (one 2G round trip); a plain form keeps its 303."""
from tests.conftest import DEMO_PASSWORD, Visitor
from tests.integration.test_my_sessions import session_ids, signed_in
from tests.pages import visible

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "http://localhost/login"}
SESSION_COOKIE = "verivali_session="


def session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE)]


def test_boosted_sign_in_answers_the_home_page_and_keeps_the_session(app):
    v = Visitor(app)
    v.get("/login")
    response = v.post("/login", {"username": "lurah.api-api", "password": DEMO_PASSWORD}, headers=BOOSTED)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/kelurahan/"
    assert "Keluar" in visible(response)  # the signed-in page, not the login form
    assert len(session_cookies(response)) == 1  # saved once, though two requests touched it
    assert v.get("/kelurahan/").status_code == 200  # the cookie it set is the signed-in one


def test_the_flash_of_a_boosted_post_is_shown_once(app):
    v = signed_in(app, "rt.api-api.001")
    v.get("/rt/")
    response = v.post("/logout", headers=BOOSTED)
    assert response.status_code == 200 and response.headers["HX-Push-Url"] == "/login"
    assert "Anda telah keluar" in visible(response)
    again = v.get("/login")
    assert "Anda telah keluar" not in visible(again)  # spent by the page the POST answered with
    assert v.get("/rt/").status_code == 302  # and really signed out


def test_the_answered_page_shows_what_the_post_committed(app):
    laptop = signed_in(app, "lurah.api-api")
    signed_in(app, "lurah.api-api")
    signed_in(app, "lurah.api-api")
    assert len(session_ids(app, "lurah.api-api")) == 3
    laptop.get("/akun/sesi")
    response = laptop.post("/akun/sesi/akhiri-lainnya", headers=BOOSTED)
    assert response.status_code == 200 and response.headers["HX-Push-Url"] == "/akun/sesi"
    shown = visible(response)
    assert "Semua sesi lain sudah diakhiri." in shown
    assert "Akhiri semua sesi lain" not in shown  # the list already has only this session
    assert len(session_ids(app, "lurah.api-api")) == 1


def test_plain_and_targeted_posts_keep_post_redirect_get(app):
    plain = signed_in(app, "rt.api-api.001")
    plain.get("/rt/")
    response = plain.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "HX-Push-Url" not in response.headers
    targeted = signed_in(app, "rt.api-api.002")
    targeted.get("/rt/")
    response = targeted.post("/logout", headers={"HX-Request": "true"})  # hx-post without boost
    assert response.status_code == 303


def test_a_refused_boosted_post_still_answers_its_own_form(app):
    v = Visitor(app)
    v.get("/login")
    response = v.post("/login", {"username": "lurah.api-api", "password": "salah-sekali"}, headers=BOOSTED)
    assert response.status_code == 422 and "HX-Push-Url" not in response.headers
