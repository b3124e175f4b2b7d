"""PDF letters: one of our own autoescaped Jinja templates -> HTML -> PDF/A-3b with WeasyPrint.

WeasyPrint's default URL fetcher opens file:, http(s): and ftp: URLs for every <img>, stylesheet, url() and
<link rel="attachment"> it meets, and would embed file:///etc/passwd in the PDF if asked. Here the document's
base URL is a fake host that cannot resolve, and the only fetcher WeasyPrint gets serves our own static files
by name plus data: images; everything else is refused (and logged), and WeasyPrint skips that resource.
Attachments are stripped as well: an issued letter is exactly the pages we rendered, nothing embedded.

WeasyPrint 70 API notes: a URL fetcher must be a `weasyprint.urls.URLFetcher` (it is called with the URL,
must return a `URLFetcherResponse`, and WeasyPrint reads its `_fail_on_errors` when it raises), not the
function returning a dict of older versions. `Document.metadata` (title, authors, description -> /Subject,
keywords) is written both to the document information and to the XMP packet that PDF/A requires.
"""
import logging
from pathlib import Path
from urllib.request import DataHandler, OpenerDirector, Request

import segno
from flask import render_template
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BASE_URL = "https://portal.invalid/"  # .invalid never resolves (RFC 2606): a relative URL can only land here
STATIC_URL = BASE_URL + "static/"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
DATA_TYPES = ("image/svg+xml", "image/png", "image/jpeg")
PDF_VARIANT = "pdf/a-3b"
QR_SIZE_MM = 25
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules


class RefusedURL(ValueError):
    """The renderer asked for something that is neither one of our static files nor a data: image."""


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that knows our static files and data: images, and nothing else.

    No urllib handler is installed (URLFetcher.__init__ would add file, http, https and ftp handlers), so
    nothing reachable from here can open a socket or a file outside portal/static.
    """

    def __init__(self, timeout: float = 10, ssl_context=None, **kwargs):
        OpenerDirector.__init__(self)  # deliberately not URLFetcher.__init__: no handlers at all
        self._timeout = timeout
        self._http_headers = {}
        self._allowed_protocols = ("https", "data")
        self._fail_on_errors = False  # a refused resource is skipped; the letter still renders
        self._request = None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            return _serve(url)
        except RefusedURL:
            log.warning("PDF renderer refused to fetch %.200r", url)
            raise

    def open(self, url, data=None, timeout=None) -> URLFetcherResponse:
        return self.fetch(url.full_url if isinstance(url, Request) else url)


def _serve(url) -> URLFetcherResponse:
    if not isinstance(url, str):
        raise RefusedURL("not a URL")
    if url[:5].lower() == "data:":
        return _data_image(url)
    if url.startswith(STATIC_URL):
        # The name is looked up among the files that exist; nothing taken from the URL is ever joined to a
        # path, so "../", "%2e%2e/", "a/b", queries and fragments simply match no file.
        name = url.removeprefix(STATIC_URL)
        files = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file() and p.suffix in STATIC_TYPES}
        if name in files:
            mimetype = STATIC_TYPES[files[name].suffix]
            charset = "; charset=utf-8" if mimetype == "text/css" else ""
            return URLFetcherResponse(url, files[name].read_bytes(), {"Content-Type": mimetype + charset})
    raise RefusedURL("only our own static files may be used in a letter")


def _data_image(url: str) -> URLFetcherResponse:
    try:
        response = DataHandler().data_open(Request(url))  # parses the URL itself: no I/O
    except ValueError as error:
        raise RefusedURL(f"malformed data: URL ({error})") from error
    mimetype = response.headers.get_content_type()
    if mimetype not in DATA_TYPES:
        response.close()
        raise RefusedURL(f"data: URL of type {mimetype}")
    return URLFetcherResponse(url, response, {"Content-Type": mimetype})


safe_fetcher = SafeURLFetcher()


def render_pdf(template: str, context: dict, *, title: str, author: str, subject: str,
               keywords: list[str] | None = None) -> bytes:
    """Render one of our letter templates to PDF/A-3b bytes. Needs an app context (Flask's render_template).

    The template sees `pdf_meta` (title, author, subject, keywords: for its <head>) and `pdf_static` (the
    base URL of our static files, e.g. `{{ pdf_static }}letter.css`). Put the letter number in the title or
    keywords: it then shows in the reader's document properties.
    """
    meta = {"title": title, "author": author, "subject": subject, "keywords": list(keywords or [])}
    html = render_template(template, **{**context, "pdf_meta": meta, "pdf_static": STATIC_URL})
    return html_to_pdf(html, **meta)


def html_to_pdf(html: str, *, title: str, author: str, subject: str, keywords: list[str] | None = None) -> bytes:
    """HTML -> PDF/A-3b through the safe fetcher, with our metadata and no attachments.

    Only for HTML produced by our own autoescaped templates; the fetcher and the stripping below are the
    second line of defence, not the first.
    """
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=safe_fetcher).render(pdf_variant=PDF_VARIANT)
    metadata = document.metadata
    metadata.title, metadata.authors, metadata.description = title, [author], subject
    metadata.keywords = list(keywords or [])
    metadata.attachments = []  # <link rel="attachment">: PDF/A-3 would keep the file; it is never even fetched
    metadata.custom = {}
    for page in document.pages:  # <a rel="attachment">: a file-attachment annotation, fetched at write time
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[])


def qr_svg(data: str, size_mm: float = QR_SIZE_MM) -> Markup:
    """`data` as a QR code: inline vector SVG (no XML declaration) `size_mm` wide, quiet zone included.

    Returned as Markup (a str) so templates embed it as markup; segno builds it from geometry only, the
    encoded text never appears in the SVG.
    """
    qr = segno.make(data, error="m", micro=False)
    modules = qr.symbol_size(border=QR_BORDER)[0]
    svg = qr.svg_inline(scale=size_mm / modules, unit="mm", border=QR_BORDER, svgclass="qr-code", lineclass=None)
    return Markup(svg)
