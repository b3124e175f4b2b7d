"""Static files under content-hashed names, compressed once at start-up and cached for a year.

Only hashed names are served, so a new release can never meet a stale cached file, and the
compressed bodies (brotli, gzip) are made once instead of on every request.
"""
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Blueprint, abort, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface

STATIC_DIR = Path(__file__).resolve().parent / "static"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    hashed_name: str
    mimetype: str
    bodies: dict[str, bytes]  # content-coding -> bytes ("identity", "br", "gzip")


def build_assets(folder: Path = STATIC_DIR) -> dict[str, Asset]:
    """Map of source name -> Asset, for every file in the static folder."""
    assets = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem, dot, ext = path.name.rpartition(".")
        bodies = {"identity": data, "br": brotli.compress(data, quality=11), "gzip": gzip.compress(data, 9, mtime=0)}
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        assets[path.name] = Asset(f"{stem}.{digest}{dot}{ext}", mimetype, bodies)
    return assets


class NoSessionOnAssets(SecureCookieSessionInterface):
    """Static files never carry the session: no Set-Cookie and no `Vary: Cookie` on files cached for a year."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint != "assets.serve":
            super().save_session(app, session, response)


def init_app(app) -> None:
    app.session_interface = NoSessionOnAssets()
    app.extensions["assets"] = build_assets()
    app.extensions["assets_by_hash"] = {a.hashed_name: a for a in app.extensions["assets"].values()}
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url


def asset_url(name: str) -> str:
    return url_for("assets.serve", filename=current_app.extensions["assets"][name].hashed_name)


@bp.get("/static/<path:filename>")
def serve(filename: str):
    asset = current_app.extensions["assets_by_hash"].get(filename) or abort(404)
    coding = next((c for c in ("br", "gzip") if request.accept_encodings[c]), "identity")
    response = current_app.response_class(asset.bodies[coding], mimetype=asset.mimetype)
    if coding != "identity":
        response.headers["Content-Encoding"] = coding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.set_etag(f"{filename}-{coding}")
    return response.make_conditional(request)
