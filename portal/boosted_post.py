"""A boosted form's POST answered with the page it would redirect to: one 2G round trip instead of two.

Post/redirect/get costs two round trips (the POST's 303, then the GET of the next page): 800 ms each on 2G.
htmx sends boosted forms by XHR, so the POST can answer the next page itself, with `HX-Push-Url` naming its
address: the address bar shows the GET address, and a reload or Back repeats the GET, never the POST. A plain
form (no JavaScript) still gets the 303.

The next page is rendered by a nested request for its GET, in a fresh app context (its own database session,
`g` and signed-in user), sharing this request's cookie session so that the flash message set by the POST is
shown (and spent) by that page, exactly as after a redirect.
"""
from io import BytesIO
from urllib.parse import urlsplit

from flask import Response, current_app, request, session
from flask.ctx import RequestContext

from portal.extensions import db

# Headers that describe the POST's body or were computed for the POST's own dispatch.
_POST_ONLY = ("CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "werkzeug.request")


def answer_in_place(location: str) -> Response | None:
    """The GET answer for `location` when this is a boosted POST to one of our own paths; None otherwise."""
    if request.method != "POST" or request.headers.get("HX-Boosted") != "true":
        return None
    target = urlsplit(location)
    script_name = request.environ.get("SCRIPT_NAME", "")
    if target.scheme or target.netloc or not target.path.startswith(script_name + "/"):
        return None
    # Whatever this request's session still holds is rolled back at teardown anyway; ending it now lets the
    # nested request write (SQLite allows one writer) and read what this request committed.
    db.session.close()
    app = current_app._get_current_object()
    environ = {key: value for key, value in request.environ.items() if key not in _POST_ONLY}
    environ.update({"REQUEST_METHOD": "GET", "PATH_INFO": target.path[len(script_name):],
                    "QUERY_STRING": target.query, "wsgi.input": BytesIO()})
    with app.app_context(), RequestContext(app, environ, session=session._get_current_object()):
        response = app.full_dispatch_request()
    # This request saves the shared session once more after returning; one cookie is enough.
    _drop_cookie(response, app.config["SESSION_COOKIE_NAME"])
    if response.status_code == 200:
        response.headers["HX-Push-Url"] = location
    return response


def _drop_cookie(response: Response, name: str) -> None:
    kept = [value for value in response.headers.getlist("Set-Cookie") if not value.startswith(f"{name}=")]
    response.headers.remove("Set-Cookie")
    for value in kept:
        response.headers.add("Set-Cookie", value)
