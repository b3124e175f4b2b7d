"""Property-based fuzzing of every POST form and every GET query string, through the test client, signed in
as the role that may use the route (tests/integration/test_access_matrix.py ROUTES gives the role and the URL
arguments), with a valid CSRF token (mostly: some examples send none or a wrong one).

Properties, for every example: the status is never 5xx, and no HTML answer (nor the page a redirect leads to,
where a flash message may repeat the input) carries a `<script` other than the portal's own static scripts.

One app and database per module (`shared_app`): the examples change the demo data as they go, which is the
point (later examples meet the records earlier ones made), and the routes that would spoil the others
(submit, withdraw, finalise, logout) run last or act on accounts nobody else uses. FUZZ_SCALE=10 runs ten
times the examples (a deeper run than the one `make test` does).
"""
import os
import re
from collections import Counter, defaultdict

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.domain.areas import Level
from portal.domain.proposal_steps import STEPS_BY_KIND
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import Area, Household, Letter, Muskel, Person, Proposal, User, VerivaliItem
from portal.models.session import UserSession
from tests.conftest import Visitor
from tests.fuzz.forms import ANONYMOUS, OWN_ACCOUNT, POST_FORMS, World
from tests.fuzz.payloads import Live, form, multipart, query, urlencoded
from tests.integration.test_access_matrix import ACTORS, PUBLIC, ROUTES, SIGNED_IN, _user

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
OWN_SCRIPT = re.compile(r'<script src="/static/[\w.-]+" defer>')
# Routes that act on a user or an RT: fuzz them on ones no other case signs in with.
ARG_OVERRIDES = {
    "admin.user_status": lambda app: _user("rt.kanaan.003"),
    "admin.user_reset_password": lambda app: _user("rt.kanaan.003"),
    "admin.user_reset_two_factor": lambda app: _user("rt.kanaan.003"),
    "admin.rt_edit": lambda app: {"area_id": db.session.scalar(select(Area.id).where(
        Area.code == "64.74.03.1003.003"))},
}
STATS: dict[str, Counter] = defaultdict(Counter)  # endpoint -> status -> examples (FUZZ_REPORT=1 prints it)


def _settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _role_account(endpoint: str) -> str:
    who = ROUTES[endpoint][0] if endpoint in ROUTES else SIGNED_IN
    if who == PUBLIC:
        return ANONYMOUS
    if who == SIGNED_IN:
        return "dinsos"
    return ACTORS[who][0]


def _actor(endpoint: str) -> str:
    case = POST_FORMS.get(endpoint)
    return (case.actor if case and case.actor else None) or _role_account(endpoint)


def _url_args(app, endpoint: str) -> dict:
    if endpoint in ARG_OVERRIDES:
        return ARG_OVERRIDES[endpoint](app)
    if endpoint in ROUTES:
        _, args = ROUTES[endpoint]
        return args(app) if args else {}
    return app.config["FUZZ_WORLD"].extra_args.get(endpoint, {})


def _build_world(app) -> World:
    rt = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006.001"))
    kelurahan = rt.parent
    world = World()
    world.proposals = list(db.session.scalars(select(Proposal.id).order_by(Proposal.id)))
    world.approved = list(db.session.scalars(select(Proposal.id).where(Proposal.status == State.DISETUJUI_DINSOS)))
    world.waiting = list(db.session.scalars(select(Proposal.id).join(Area, Proposal.area_id == Area.id).where(
        Proposal.status == State.DIAJUKAN, Area.parent_id == kelurahan.id)))
    household = db.session.scalar(select(Household.id).where(Household.area_id == rt.id).limit(1))
    world.people = list(db.session.scalars(select(Person.id).where(Person.household_id == household, Person.active)))
    world.kelurahan_ids = list(db.session.scalars(select(Area.id).where(Area.level == Level.KELURAHAN)))
    world.area_codes = list(db.session.scalars(select(Area.code).order_by(Area.code).limit(40)))
    world.letters = list(db.session.scalars(select(Letter.id)))
    drafts = db.session.scalars(select(Proposal).where(Proposal.area_id == rt.id, Proposal.status == State.DRAF)).all()
    for proposal in drafts:
        world.member_keys += [m["key"] for m in proposal.draft.get("members", [])]
        world.step_urls += [{"proposal_id": proposal.id, "step": step} for step in STEPS_BY_KIND[proposal.kind]]
    world.step_urls.append({"proposal_id": drafts[0].id, "step": "tidak-ada"})
    own = db.session.scalar(select(User.id).where(User.username == OWN_ACCOUNT))
    world.extra_args["auth.session_end"] = {"session_id": db.session.scalar(
        select(UserSession.id).where(UserSession.user_id == own).order_by(UserSession.id.desc()).limit(1)) or 1}
    return world


@pytest.fixture(scope="module")
def fuzz(shared_app):
    """The app, its world of demo ids, one signed-in visitor per acting account, and every route's URL."""
    shared_app.config["PROPAGATE_EXCEPTIONS"] = False  # a view's exception answers 500 and is logged, as in production
    visitors = {ANONYMOUS: Visitor(shared_app)}
    accounts = {_actor(e) for e in POST_FORMS} | {_role_account(e) for e in ROUTES} | {OWN_ACCOUNT}
    for username in sorted(accounts - {ANONYMOUS}):
        visitor = Visitor(shared_app)
        assert visitor.login(username).status_code == 200, username
        visitors[username] = visitor
    assert Visitor(shared_app).login(OWN_ACCOUNT).status_code == 200  # a second session, for session_end
    with shared_app.app_context():
        shared_app.config["FUZZ_WORLD"] = world = _build_world(shared_app)
        urls = {}
        with shared_app.test_request_context():
            for rule in shared_app.url_map.iter_rules():
                if rule.endpoint in ROUTES or rule.endpoint in world.extra_args or not rule.arguments:
                    urls[rule.endpoint] = url_for(rule.endpoint, **_url_args(shared_app, rule.endpoint))
        args = {e: _url_args(shared_app, e) for e in urls}
    yield shared_app, world, visitors, urls, args
    if os.environ.get("FUZZ_REPORT"):
        for endpoint, statuses in sorted(STATS.items()):
            print(f"{endpoint:40} {sum(statuses.values()):4} examples  {dict(sorted(statuses.items()))}")


def resolve(app, value, args: dict):
    """The database's answer for a Live value: the record's current version, or "id:version" of a waiting one."""
    if not isinstance(value, Live):
        return value
    with app.app_context():
        if value.name == "id:version":
            row = db.session.execute(select(Proposal.id, Proposal.version).where(
                Proposal.status.notin_([State.DRAF, State.DIBATALKAN])).order_by(Proposal.id).limit(1)).first()
            return f"{row.id}:{row.version}" if row else "1:1"
        for key, model in (("proposal_id", Proposal), ("muskel_id", Muskel), ("item_id", VerivaliItem)):
            if key in args:
                found = db.session.get(model, args[key])
                return str(found.version) if found else "1"
    return "1"


def check(visitor, response, what):
    """Never 5xx; no script but our own in any HTML we answer, nor on the page a redirect leads to."""
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:2000])
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        foreign = [tag for tag in SCRIPT_TAG.findall(body) if not OWN_SCRIPT.fullmatch(tag)]
        assert not foreign, (what, foreign[:3])
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and location.startswith("/") and not location.startswith("//"):
        follow = visitor.client.get(location)
        assert follow.status_code < 500, (what, location, follow.status_code)
        if follow.mimetype == "text/html":
            foreign = [t for t in SCRIPT_TAG.findall(follow.get_data(as_text=True)) if not OWN_SCRIPT.fullmatch(t)]
            assert not foreign, (what, location, foreign[:3])


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_post_endpoint_is_fuzzed(shared_app):
    missing = post_endpoints(shared_app) - set(POST_FORMS)
    assert not missing, f"add these POST routes to tests/fuzz/forms.py POST_FORMS: {sorted(missing)}"


def _get_cases():
    from portal import create_app  # the url map only: which GET routes exist, without a database
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return sorted(get_endpoints(app) - {"assets.serve"})


@pytest.mark.parametrize("endpoint", _get_cases())
def test_get_query_strings_never_fail(fuzz, endpoint):
    app, world, visitors, urls, args = fuzz
    if endpoint not in urls:  # test_access_matrix.py fails for it already
        pytest.skip(f"{endpoint}: URL arguments unknown until it is listed in test_access_matrix.ROUTES")
    visitor = visitors[_role_account(endpoint)]

    @_settings(2)
    @given(query, st.booleans())
    def run(pairs, htmx):
        headers = {"HX-Request": "true"} if htmx else {}
        response = visitor.client.get(urls[endpoint], query_string=urlencoded(pairs).decode("ascii"), headers=headers)
        STATS["GET " + endpoint][response.status_code] += 1
        check(visitor, response, (endpoint, pairs))

    run()


def _post_order():
    """POST cases in the order of POST_FORMS: the ones that spoil shared state are listed last."""
    return list(POST_FORMS)


@pytest.mark.parametrize("endpoint", _post_order())
def test_post_forms_never_fail(fuzz, endpoint):
    app, world, visitors, urls, args = fuzz
    case = POST_FORMS[endpoint]
    if endpoint not in post_endpoints(app):
        pytest.skip(f"{endpoint} is not a POST route of this build")
    if endpoint not in urls and case.args is None:
        pytest.fail(f"{endpoint}: no URL arguments known (ROUTES or World.extra_args)")
    visitor = visitors[_actor(endpoint)]
    fields = case.fields(world)
    url_args = case.args(world) if case.args else st.just(args.get(endpoint, {}))

    @_settings(case.examples)
    @given(st.data())
    def run(data):
        values = data.draw(url_args, label="url args")
        with app.test_request_context():
            url = url_for(endpoint, **values) if case.args else urls[endpoint]
        pairs = [(name, resolve(app, value, values)) for name, value in data.draw(form(fields), label="form")]
        csrf = data.draw(st.sampled_from(["valid"] * 8 + ["missing", "wrong"]), label="csrf")
        if visitor.csrf is None:
            visitor.get("/login")
        token = {"valid": visitor.csrf, "wrong": "x" + (visitor.csrf or "")[1:], "missing": None}[csrf]
        if token is not None:
            pairs.insert(0, ("csrf_token", token))
        headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
        # Any form may arrive as multipart (then a text field may carry a file, see payloads.form).
        if case.multipart or data.draw(st.sampled_from([False, False, True]), label="multipart"):
            response = visitor.client.post(url, data=multipart(pairs), headers=headers,
                                           content_type="multipart/form-data")
        else:
            response = visitor.client.post(url, data=urlencoded(pairs), headers=headers,
                                           content_type="application/x-www-form-urlencoded")
        STATS["POST " + endpoint][response.status_code] += 1
        check(visitor, response, (endpoint, values, pairs[:40]))

    run()
