"""Reading what a user sees on a page, and counting the SQL a page runs: shared by the test modules."""
import html
import re

from sqlalchemy import event

from portal.extensions import db

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')
FLASH_RE = re.compile(r'<p class="flash (\w+)" role="(?:status|alert)">(.*?)</p>', re.S)
ERROR_RE = re.compile(r'<p class="(?:flash )?error"[^>]*>(.*?)</p>', re.S)


def text(response) -> str:
    return response.get_data(as_text=True)


def visible(response) -> str:
    """The page's text as a user reads it: tags dropped, entities decoded, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text(response))).split())


def flashes(response) -> list[str]:
    return [html.unescape(m) for _, m in FLASH_RE.findall(text(response))]


def errors(response) -> list[str]:
    """Every error shown next to a field or above a form."""
    return [html.unescape(m) for m in ERROR_RE.findall(text(response))]


def version_in(response) -> str:
    match = VERSION_RE.search(text(response))
    assert match, "no version field on the page"
    return match.group(1)


def get_counting_statements(app, visitor, url: str):
    """(number of SQL statements run, response) for one GET of `url`: lists must not run a query per row."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = visitor.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(seen), response


def get_counting_computed_statements(app, visitor, url: str):
    """As get_counting_statements, with the summary cache emptied first: what a page costs after a data change."""
    app.extensions["summary_cache"].clear()
    return get_counting_statements(app, visitor, url)
