"""Minimal regressions for the defects the HTTP fuzzing found (test_http_fuzz.py). Each answered 500 when
found (pinned as strict xfail in 2483b54/4ae711d; fixed in 526d2bd):
- a file sent in a text field reached WTForms' Length validator: TypeError: object of type 'FileStorage' has no len()
- a 400-digit number in an IntegerField with NumberRange: OverflowError: int too large to convert to float
- a multipart part without a name and no CSRF token: Flask-WTF's CSRFProtect read a None form key:
  AttributeError: 'NoneType' object has no attribute 'endswith' (every POST route, signed in or not)
"""
import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Area, Proposal
from portal.domain.workflow import State
from tests.conftest import Visitor


@pytest.fixture(autouse=True)
def like_production(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # an exception in a view answers 500, as in production


def _status(visitor, url, data):
    return visitor.client.post(url, data=data, content_type="multipart/form-data").status_code


def test_login_with_a_file_as_the_username_is_refused_not_a_500(app):
    visitor = Visitor(app)
    visitor.get("/login")
    data = {"csrf_token": visitor.csrf, "username": (io.BytesIO(b"rt.api-api.001"), "u.txt"), "password": "x" * 12}
    assert _status(visitor, "/login", data) < 500


def _perbaikan_draft(app):
    """(URL of the step, current version) of the demo PERBAIKAN draft of RT 001 Api-Api."""
    with app.app_context():
        area = db.session.scalar(select(Area.id).where(Area.code == "64.74.01.1006.001"))
        proposal = db.session.scalar(select(Proposal).where(Proposal.area_id == area, Proposal.kind == "perbaikan",
                                                            Proposal.status == State.DRAF).limit(1))
        return proposal.id, str(proposal.version)


def test_conditions_step_with_a_400_digit_number_is_refused_not_a_500(app, login):
    rt = login("rt.api-api.001")
    proposal_id, version = _perbaikan_draft(app)
    url = f"/rt/usulan/{proposal_id}/langkah/kondisi"
    rt.get(url)
    response = rt.client.post(url, data={"csrf_token": rt.csrf, "version": version, "assets_value": "9" * 400})
    assert response.status_code < 500


def test_household_step_with_a_file_as_the_kk_is_refused_not_a_500(app, login):
    rt = login("rt.api-api.001")
    proposal_id, version = _perbaikan_draft(app)
    url = f"/rt/usulan/{proposal_id}/langkah/rumah_tangga"
    rt.get(url)
    data = {"csrf_token": rt.csrf, "version": version, "no_kk": (io.BytesIO(b"6474010101010001"), "kk.pdf"),
            "address": "Jl. Fuzz 1"}
    assert _status(rt, url, data) < 500


def test_a_multipart_part_without_a_name_is_refused_not_a_500(app):
    body = b'--fz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--fz--\r\n'
    response = Visitor(app).client.post("/login", data=body, content_type="multipart/form-data; boundary=fz")
    assert response.status_code < 500
