"""Hypothesis strategies for what a hostile or clumsy client sends: field values, whole forms, query strings.

A form is a list of (name, value) pairs, so a field can be missing, repeated or unknown. A value is text
(any script, markup, formulas, NUL, bidi marks, very long), raw bytes that are not UTF-8 (what a surrogate
or a broken client becomes on the wire), a number out of range, a malformed date, an upload where text was
expected, or `Live(...)`: a value read from the database just before the request (the current version of a
record, an id of a real record), so that examples also get past the first checks.
"""
import io
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st
from PIL import Image

SCRIPT = "<script>fz()</script>"
PIECES = [SCRIPT, '"><script>fz()</script>', "'><sCrIpT>fz()</sCrIpT>", "<img src=x onerror=fz()>", "=1+1",
          "=HYPERLINK(\"http://x\")", "+62", "-1", "@SUM(A1)", "\x00", "\x1b", "\u202e", "\u200b", "\ufeff",
          "\uffff", "😀", "Ñ", "ﬁ", "'", '"', "%", "_", "\\", "{nomor}", "{{", "}", "{0}", "%(x)s", "../",
          "６４７４", "٣", "²", "\r\n", "\t", " ", "NULL", "None", "ª", "İ", "ß"]
LONG = ["A" * 5000, "9" * 400, SCRIPT * 300, "\u0301" * 2000, "😀" * 1500]  # 400 digits: past a float's range


@dataclass(frozen=True)
class Live:
    """A value resolved against the database right before the request (see test_http_fuzz.resolve)."""
    name: str


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str
    content_type: str = "application/octet-stream"


text = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=6).map("".join),
    st.sampled_from(LONG),
)
raw = st.binary(max_size=24)  # mostly not UTF-8
junk = st.one_of(text, text, raw)


def number(low: int = 0, high: int = 100) -> st.SearchStrategy:
    return st.one_of(st.integers(low, high).map(str), st.integers(-2**70, 2**70).map(str),
                     st.sampled_from(["-1", "0", "1e9", "NaN", "inf", "1.5", "1,5", "٣", "²", "0x10", " 7 ", "007",
                                      "99999999999999999999999", ""]), junk)


def choice(values) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(sorted(values)), junk)


dates = st.one_of(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat),
    st.dates().map(date.isoformat),
    st.sampled_from(["0000-00-00", "2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01", "27-11-2026",
                     "27/11/2026", "2026-11-27T00:00", "2026-11-27 ", "+2026-11-27", ""]),
    junk,
)
flag = st.sampled_from(["y", "1", "on", "true", "", "0", "no", "tidak"]) | junk


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(buffer, kind)
    return buffer.getvalue()


PNG, JPEG = _image("PNG"), _image("JPEG")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = b"NIK;No. KK;Nama\n6474014508900001;6474010101010001;<script>fz()</script>\n=1+1;x;y\n"
FILE_BODIES = st.one_of(
    st.sampled_from([PNG, JPEG, PDF, CSV, b"", b"PK\x03\x04", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n",
                     b"%PDF-1.4\n", b"GIF89a", b"<svg onload=fz()>", JPEG[:40], PNG[:30], b"\x00" * 64]),
    st.binary(max_size=300),
    st.tuples(st.sampled_from([PNG, JPEG, PDF, CSV]), st.binary(max_size=40)).map(lambda t: t[0] + t[1]),
)
FILENAMES = st.one_of(
    st.sampled_from(["kk.pdf", "foto.jpg", "data.csv", "data.xlsx", "x.xls", "", ".", "..", "../../etc/passwd",
                     "C:\\Windows\\x.pdf", "a/b.png", "<script>fz()</script>.pdf", "6474014508900001.pdf",
                     "x" * 300 + ".pdf", "ünïcødé 😀.jpg", "con.pdf", ".htaccess", "x.pdf.exe"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
)
uploads = st.builds(Upload, FILE_BODIES, FILENAMES,
                    st.sampled_from(["application/pdf", "image/jpeg", "text/csv", "application/octet-stream"]))


@st.composite
def form(draw, fields: dict) -> list[tuple[str, object]]:
    """Each field sent once (mostly), or left out, sent twice, or sent as an upload; plus unknown fields."""
    pairs = []
    for name, strategy in fields.items():
        how = draw(st.sampled_from(["once", "once", "once", "missing", "twice", "upload"]))
        if how == "missing":
            continue
        if how == "upload":
            pairs.append((name, draw(uploads)))
            continue
        for _ in range(2 if how == "twice" else 1):
            pairs.append((name, draw(strategy)))
    extra_names = st.one_of(st.sampled_from(["id", "ids", "version", "action", "next", "role", "csrf_token", ""]),
                            st.text(max_size=12))
    pairs += draw(st.lists(st.tuples(extra_names, junk), max_size=2))
    return pairs


def _bytes(value) -> bytes:
    if isinstance(value, Upload):  # a urlencoded body cannot carry a file: its bytes are sent as the value
        return value.content
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[str, object]]) -> bytes:
    """application/x-www-form-urlencoded, byte for byte (a test client would refuse bytes that are not UTF-8)."""
    return b"&".join(quote_from_bytes(_bytes(k)).encode() + b"=" + quote_from_bytes(_bytes(v)).encode()
                     for k, v in pairs)


def multipart(pairs: list[tuple[str, object]]):
    """The test client's multipart data: uploads as files, everything else as text."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    for name, value in pairs:
        if isinstance(value, Upload):
            data.add(name, (io.BytesIO(value.content), value.filename, value.content_type))
        else:
            data.add(name, value.decode("latin-1") if isinstance(value, bytes) else value)
    return data


QUERY_NAMES = ("page", "q", "role", "jenis", "wilayah", "umur", "status", "kriteria", "desil", "alasan", "ppks",
               "program", "dari", "sampai", "pengguna", "aksi", "periode", "semua", "next", "pattern", "unit",
               "klasifikasi", "tahun", "keperluan", "keterangan")
query_values = st.one_of(number(0, 100), dates, junk, st.sampled_from(
    ["1", "2", "64.74", "64.74.01", "64.74.01.1006", "64.74.01.1006.001", "baru", "diajukan", "kks", "pkh",
     "meninggal", "aktif", "nonaktif", "arsip", "lainnya", "//evil.example", "https://evil.example/", "/\\evil",
     "javascript:fz()"]))
query = st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), query_values), max_size=6)
