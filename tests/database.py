"""Reading and writing the test database outside a request (the tests' own view of the data)."""
from portal.extensions import db


def read(app, fn):
    with app.app_context():
        return fn()


def write(app, fn):
    with app.app_context():
        result = fn()
        db.session.commit()
        return result
