"""The Bontang verivali portal: application factory."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as portal_config
from portal import assets, cli, login, summary_cache, template_helpers, web
from portal.extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate
from portal.services import audit_chain

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_class: type | None = None, **overrides) -> Flask:
    """Build the app. Never runs migrations: `flask db upgrade` (or `make run`) does that."""
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = web.BoundedIntConverter
    app.config.from_object(config_class or portal_config.config_from_env())
    app.config.update(overrides)
    _refuse_unsafe_production(app)
    portal_config.INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    app.teardown_appcontext(web.end_database_session)  # runs before Flask-SQLAlchemy's own (reverse order)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    app.before_request(web.refuse_nameless_fields)  # before the CSRF check, which it protects
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])

    assets.init_app(app)
    login.init_app(app)
    _register_blueprints(app)
    web.register_error_handlers(app)
    app.after_request(web.set_security_headers)
    template_helpers.init_app(app)
    cli.register(app)
    summary_cache.init_app(app)
    audit_chain.init_app(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["PORTAL_ENV"] != "production":
        return
    secret = app.config.get("SECRET_KEY") or ""
    if secret == portal_config.DEV_SECRET or len(secret) < 32:
        raise RuntimeError("Production needs SECRET_KEY set to a random value of at least 32 characters.")
    totp_key = app.config.get("TOTP_ENCRYPTION_KEY") or ""
    if len(totp_key) < 32 or totp_key == secret:
        raise RuntimeError("Production needs TOTP_ENCRYPTION_KEY set to a random value of at least 32 characters, "
                           "different from SECRET_KEY (it seals the two-factor secrets; docs/DEPLOY.md).")


def _register_blueprints(app: Flask) -> None:
    from portal.blueprints import admin, auth, dinsos, files, kecamatan, kelurahan, letters, main, public, rt

    for module in (main, auth, rt, kelurahan, kecamatan, dinsos, admin, files, letters, public):
        app.register_blueprint(module.bp)
