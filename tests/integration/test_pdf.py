"""The PDF renderer of official letters: PDF/A-3b with our metadata, page numbers, a QR code, no attachments,
and a URL fetcher that serves our own static files and nothing else, even when the HTML asks for more.

Every PDF is read back with pypdf. Timings are printed (run with -s), never asserted: the machine decides them.
"""
import io
import logging
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import weasyprint
from flask import render_template
from pypdf import PdfReader
from pypdf.generic import StreamObject

from portal.services import pdf

PASSWD = b"root:x:0:0"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
WEASYPRINT_DIR = str(Path(weasyprint.__file__).resolve().parent)
HOSTILE = ['<link rel="attachment" href="file:///etc/passwd">', '<img src="http://example.invalid/x.png">',
           '<img src="file:///etc/passwd">']
OFFICE = {"government": "Pemerintah Kota Bontang", "name": "Dinas Sosial dan Pemberdayaan Masyarakat",
          "address": "Jl. Moh. Roem No. 1, Bontang 75311", "phone": "(0548) 21000",
          "email": "dinsos@bontangkota.go.id", "website": "dinsos.bontangkota.go.id"}
NUMBER = "400.9.2/0007/Dinsos/2026"
META = {"title": f"Surat Usulan {NUMBER}", "author": "Dinas Sosial dan Pemberdayaan Masyarakat Kota Bontang",
        "subject": "Usulan Perubahan Data Terpadu Kesejahteraan Sosial", "keywords": [NUMBER, "Surat Usulan"]}
COLUMNS = [("nik", "NIK"), ("no_kk", "No. KK"), ("name", "Nama"), ("birth", "Tempat, tgl lahir"), ("sex", "JK"),
           ("mother", "Ibu kandung"), ("relation", "Hubungan"), ("address", "Alamat"), ("rt", "RT"), ("rw", "RW"),
           ("kel", "Kode kel."), ("kind", "Jenis usulan"), ("note", "Ket.")]


def letter_context(**extra) -> dict:
    return {"office": OFFICE,
            "letter": {"number": NUMBER, "sifat": "Biasa", "lampiran": "-", "date": "2026-11-27",
                       "subject": META["subject"],
                       "recipient": ["Menteri Sosial Republik Indonesia",
                                     "c.q. Kepala Pusat Data dan Informasi Kesejahteraan Sosial"]},
            "paragraphs": ["Dengan hormat, bersama ini kami sampaikan usulan perubahan data untuk ditindaklanjuti."],
            "signer": {"title": "Kepala Dinas Sosial dan Pemberdayaan Masyarakat", "name": "Budi Santoso, S.Sos.",
                       "rank": "Pembina Utama Muda (IV/c)", "nip": "197001012000031001"},
            "tembusan": ["Gubernur Kalimantan Timur", "Arsip"], **extra}


def bnba(rows: int, name: str = "Warga") -> dict:
    return {"columns": COLUMNS, "landscape": True, "rows": [
        {"nik": f"64740101019{i:05}", "no_kk": f"64740101019{i:05}", "name": f"{name} {i}",
         "birth": "Bontang, 01-01-1990", "sex": "L", "mother": "Siti Aminah", "relation": "Kepala Keluarga",
         "address": "Jl. Pupuk Raya No. 12", "rt": "012", "rw": "003", "kel": "6474011001",
         "kind": "Usulan baru", "note": ""} for i in range(1, rows + 1)]}


def render(context: dict) -> bytes:
    return pdf.render_pdf("letters/base.html", context, **META)


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Text without whitespace: a long line may wrap anywhere in the PDF."""
    return "".join(text.split())


def xmp_pdfa(reader: PdfReader) -> dict:
    """pdfaid:* attributes of the XMP packet (the PDF/A identification)."""
    root = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    return {k.removeprefix(PDFAID): v for el in root.iter() for k, v in el.attrib.items() if k.startswith(PDFAID)}


def embedded_files(reader: PdfReader) -> list:
    """Everything through which a PDF can carry a file: the name tree, /AF, file-attachment annotations."""
    catalog = reader.trailer["/Root"]
    found = [key for key in ("/AF",) if key in catalog]
    if "/Names" in catalog and "/EmbeddedFiles" in catalog["/Names"]:
        found.append("/EmbeddedFiles")
    found += [annot for page in reader.pages if "/Annots" in page for annot in page["/Annots"]
              if annot.get_object().get("/Subtype") == "/FileAttachment"]
    return found + list(reader.attachments)


def all_stream_data(reader: PdfReader) -> list[bytes]:
    data = []
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject):
            data.append(obj.get_data())
    return data


class SpyFetcher(pdf.SafeURLFetcher):
    """The real safe fetcher, remembering every URL WeasyPrint asks it for."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def fetch(self, url, headers=None):
        self.urls.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def spy(monkeypatch):
    fetcher = SpyFetcher()
    monkeypatch.setattr(pdf, "safe_fetcher", fetcher)
    return fetcher


_io_events: list | None = None


def _audit(event, args):
    if _io_events is not None and (event in ("open", "urllib.Request") or event.startswith("socket.")):
        _io_events.append((event, args[0] if args else None))


sys.addaudithook(_audit)  # cannot be removed; records only while a test switches it on


def io_during(action) -> list:
    """(event, target) of every file opened, socket used or urllib request made by Python code during action().
    Loading code (.py/.pyc/.so) is left out."""
    global _io_events
    _io_events = []
    try:
        action()
    finally:
        events, _io_events = _io_events, None
    return [(e, t) for e, t in events if not (e == "open" and str(t).endswith((".py", ".pyc", ".so")))]


# --- a plain letter ---------------------------------------------------------------------------------------

def test_letter_renders_kop_page_numbers_metadata_and_declares_pdf_a_3b(app):
    with app.test_request_context():
        data = render(letter_context())
    reader = read(data)
    text = text_of(reader)
    assert len(reader.pages) == 1
    assert "PEMERINTAH KOTA BONTANG" in text and "DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT" in text
    assert "Halaman 1 dari 1" in text
    assert NUMBER in text and "Bontang, 27 November 2026" in text and "Yth. Menteri Sosial" in text
    assert "KEPALADINASSOSIALDANPEMBERDAYAANMASYARAKAT," in squeezed(text)
    assert "NIP 19700101 200003 1 001" in text  # the official spaced form
    assert "Tembusan:" in text and "Gubernur Kalimantan Timur" in text
    info = reader.metadata
    assert (info.title, info.author, info.subject) == (META["title"], META["author"], META["subject"])
    assert info["/Keywords"] == f"{NUMBER}, Surat Usulan"
    assert xmp_pdfa(reader) == {"part": "3", "conformance": "B"}
    xmp = reader.xmp_metadata
    assert xmp.dc_title["x-default"] == META["title"] and xmp.dc_creator == [META["author"]]
    assert reader.trailer["/Root"]["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert embedded_files(reader) == []
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4


def test_same_letter_renders_to_the_same_bytes(app):
    """An issued letter is stored once; still, a re-render must not differ by a timestamp or a random id."""
    with app.test_request_context():
        assert render(letter_context()) == render(letter_context())


def test_long_attachment_repeats_the_table_header_and_numbers_every_page(app):
    with app.test_request_context():
        reader = read(render(letter_context(bnba=bnba(80))))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {total}" in page
    assert "Warga 1" not in pages[0]  # the lampiran starts on its own page
    for page in pages[1:]:
        # header row on every lampiran page (a header may wrap inside its fixed-width column)
        assert "Tempat,tgllahir" in squeezed(page) and "Ibukandung" in squeezed(page)
    assert "Warga 80" in pages[-1]
    assert reader.pages[1].mediabox[2] > reader.pages[1].mediabox[3]  # BNBA pages are landscape


# --- hostile input ----------------------------------------------------------------------------------------

def test_hostile_names_print_as_text_and_fetch_nothing(app, spy):
    hostile_rows = bnba(3)
    for row, name in zip(hostile_rows["rows"], HOSTILE, strict=True):
        row["name"] = name
    context = letter_context(paragraphs=HOSTILE, bnba=hostile_rows)
    context["signer"] = {**context["signer"], "name": HOSTILE[0]}
    context["letter"] = {**context["letter"], "recipient": [HOSTILE[1], HOSTILE[2]]}
    with app.test_request_context():
        render(context)  # warm up: lazy imports and font caches do not count below
        spy.urls.clear()
        result = {}
        events = io_during(lambda: result.setdefault("pdf", render(context)))
    data = result["pdf"]
    reader = read(data)
    text = squeezed(text_of(reader))
    for hostile in HOSTILE:
        assert text.count(squeezed(hostile)) >= 2
    assert spy.urls == [pdf.STATIC_URL + "letter.css"]
    assert not [e for e in events if e[0] != "open"], events  # no socket, no urllib request
    assert all(str(path).startswith((str(pdf.STATIC_DIR), WEASYPRINT_DIR)) for _, path in events), events
    assert embedded_files(reader) == []
    assert PASSWD not in data and all(PASSWD not in stream for stream in all_stream_data(reader))


def test_even_raw_hostile_html_cannot_make_the_renderer_read_a_file_or_the_network(app, spy, caplog):
    """Second line of defence: should a template ever print user text unescaped, the fetcher still refuses."""
    raw = """<html><head><base href="file:///etc/"><link rel="attachment" href="file:///etc/passwd">
    <link rel="stylesheet" href="http://example.invalid/x.css"><style>@import url(file:///etc/passwd);
    body { background: url(ftp://example.invalid/x.png) } @font-face { font-family: x; src: url(/etc/passwd) }</style>
    </head><body><p style="font-family: x">Surat</p><img src="passwd"><img src="http://169.254.169.254/latest">
    <img src="https://portal.invalid/static/../../config.py"><a rel="attachment" href="file:///etc/passwd">a</a>
    <svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
    <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Cimage href='file:///etc/passwd'/%3E%3C/svg%3E">
    </body></html>"""
    with app.test_request_context(), caplog.at_level(logging.WARNING, logger=pdf.__name__):
        result = {}
        events = io_during(lambda: result.setdefault("pdf", pdf.html_to_pdf(raw, **META)))
    reader = read(result["pdf"])
    assert "Surat" in text_of(reader)
    asked = set(spy.urls)
    assert {"file:///etc/passwd", "http://example.invalid/x.css", "http://169.254.169.254/latest"} <= asked
    refused = {r.args[0] for r in caplog.records if r.message.startswith("PDF renderer refused")}
    assert refused == {u for u in asked if not u.startswith("data:")}  # every non-data URL refused and logged
    assert not [e for e in events if e[0] != "open"], events
    assert all(str(path).startswith((str(pdf.STATIC_DIR), WEASYPRINT_DIR)) for _, path in events), events
    assert embedded_files(reader) == []
    assert PASSWD not in result["pdf"] and all(PASSWD not in s for s in all_stream_data(reader))


# --- the fetcher itself -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "/etc/passwd",
    "http://example.com/",
    "https://example.com/static/letter.css",
    "https://portal.invalid.example.com/static/letter.css",
    "https://portal.invalid/static/../../config.py",
    "https://portal.invalid/static/%2e%2e/%2e%2e/config.py",
    "https://portal.invalid/static/letter.css/../../../config.py",
    "https://portal.invalid/config.py",
    "https://portal.invalid/static/htmx-2.0.11.min.js",
    "https://portal.invalid/static/nothing.css",
    "ftp://example.com/letter.css",
    "data:text/html,<script>alert(1)</script>",
    "data:image/png;base64",  # no comma: malformed
])
def test_fetcher_refuses_anything_but_our_static_files_and_data_images(url, caplog):
    with caplog.at_level(logging.WARNING, logger=pdf.__name__), pytest.raises(pdf.RefusedURL):
        pdf.safe_fetcher(url)
    assert any("refused" in r.message for r in caplog.records)


def test_fetcher_serves_our_stylesheet_and_data_images():
    response = pdf.safe_fetcher(pdf.STATIC_URL + "letter.css")
    try:
        assert response.content_type == "text/css" and response.charset == "utf-8"
        assert response.read() == (pdf.STATIC_DIR / "letter.css").read_bytes()
    finally:
        response.close()
    response = pdf.safe_fetcher("data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'/%3E")
    assert response.content_type == "image/svg+xml" and response.read().startswith(b"<svg")


def test_letter_css_is_small():
    assert (pdf.STATIC_DIR / "letter.css").stat().st_size < 4096


# --- QR code ----------------------------------------------------------------------------------------------

def test_qr_code_is_inline_vector_svg_and_is_drawn_in_the_letter(app):
    url = "https://portal.example/v/Zk3v9QpT0aLmN2xR8sYb4cDe"
    svg = pdf.qr_svg(url)
    assert isinstance(svg, str) and svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and 'width="25.0mm"' in svg and "<path" in svg and url not in svg
    with app.test_request_context():
        plain = read(render(letter_context()))
        with_qr = read(render(letter_context(qr=svg, verify_url=url)))
    text = squeezed(text_of(with_qr))
    assert "Pindaiuntukmemeriksakeaslian" in text and squeezed(url) in text
    drawn = len(with_qr.pages[0].get_contents().get_data()) - len(plain.pages[0].get_contents().get_data())
    assert drawn > 1500  # the QR modules are vector paths in the page, not an image or a fetched file
    assert "/XObject" not in with_qr.pages[0]["/Resources"] or not with_qr.pages[0]["/Resources"]["/XObject"]


# --- timings (printed, not asserted) ----------------------------------------------------------------------

def _timed(action, runs: int) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU seconds of each run (CPU time is steadier on a busy machine), and the last result."""
    walls, cpus, result = [], [], b""
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def _raw_weasyprint(html: str) -> bytes:
    """The same HTML straight through WeasyPrint (same fetcher, so the stylesheet loads), without our wrapper:
    no template rendering, metadata or attachment stripping."""
    return weasyprint.HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.safe_fetcher).write_pdf(
        pdf_variant=pdf.PDF_VARIANT)


def _report(label: str, timings) -> str:
    walls, cpus, _ = timings
    runs = ", ".join(f"{t:.3f}" for t in walls)
    return f"{label}: median {statistics.median(walls):.3f} s wall ({runs}), {statistics.median(cpus):.3f} s CPU"


@pytest.mark.bench
def test_render_times_are_reported(app):
    one_page = letter_context(qr=pdf.qr_svg("https://portal.example/v/x"), verify_url="https://portal.example/v/x")
    big = letter_context(bnba=bnba(500))
    extra = {"pdf_meta": META, "pdf_static": pdf.STATIC_URL}
    with app.test_request_context():
        render(one_page)  # warm-up: imports, fontconfig
        ours = _timed(lambda: render(one_page), 3)
        html = render_template("letters/base.html", **one_page, **extra)
        raw = _timed(lambda: _raw_weasyprint(html), 3)
        big_ours = _timed(lambda: render(big), 1)
        big_html = render_template("letters/base.html", **big, **extra)
        big_raw = _timed(lambda: _raw_weasyprint(big_html), 1)
    assert len(read(ours[2]).pages) == 1
    pages = len(read(big_ours[2]).pages)
    print()
    print(_report("PDF one-page letter, render_pdf", ours))
    print(_report("PDF one-page letter, WeasyPrint alone on the same HTML", raw))
    print(_report(f"PDF letter + 500-row BNBA ({pages} pages), render_pdf", big_ours))
    print(_report("PDF letter + 500-row BNBA, WeasyPrint alone on the same HTML", big_raw))
