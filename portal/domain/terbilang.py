"""Numbers and dates written out in Indonesian words (*terbilang*), as official letters print them.

A Berita Acara opens with its day and date in words ("Pada hari ini Jumat tanggal dua puluh tujuh ...")
and counts are written "1 (satu) berkas". Names of days and months are our own tables, not the system
locale's, so a letter reads the same on every server.
"""
from datetime import date

LIMIT = 10**15  # up to "sembilan ratus ... triliun"; larger numbers have no place in a letter
DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
SCALES = ("", "ribu", "juta", "miliar", "triliun")  # one per group of three digits
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday(): Monday is 0
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni",
          "Juli", "Agustus", "September", "Oktober", "November", "Desember")


def _below_hundred(n: int) -> list[str]:
    if n < 10:
        return [DIGITS[n]] if n else []
    if n == 10:
        return ["sepuluh"]
    if n == 11:
        return ["sebelas"]
    if n < 20:
        return [DIGITS[n - 10], "belas"]
    return [DIGITS[n // 10], "puluh", *_below_hundred(n % 10)]


def _below_thousand(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        head = []
    elif hundreds == 1:
        head = ["seratus"]
    else:
        head = [DIGITS[hundreds], "ratus"]
    return head + _below_hundred(rest)


def terbilang(n: int) -> str:
    """0 <= n < 10**15 in lower-case words: 2026 -> 'dua ribu dua puluh enam'. ValueError outside that range."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"terbilang needs an int, not {type(n).__name__}")
    if not 0 <= n < LIMIT:
        raise ValueError(f"terbilang supports 0 <= n < 10**15, got {n}")
    if n == 0:
        return DIGITS[0]
    words: list[str] = []
    for power in range(len(SCALES) - 1, -1, -1):
        group = n // 1000**power % 1000
        if group == 0:
            continue
        if group == 1 and power == 1:
            words.append("seribu")  # but "satu juta", "satu miliar": only thousand contracts
        else:
            words += _below_thousand(group)
            if SCALES[power]:
                words.append(SCALES[power])
    return " ".join(words)


def count_words(n: int, unit: str) -> str:
    """A count as letters write it: (12, 'lembar') -> '12 (dua belas) lembar'."""
    return f"{n} ({terbilang(n)}) {unit}".rstrip()


def day_name(d: date) -> str:
    """'Jumat' for 27 November 2026."""
    return DAYS[d.weekday()]


def month_name(month: int) -> str:
    """1 -> 'Januari' ... 12 -> 'Desember'."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return MONTHS[month - 1]


def long_date(d: date) -> str:
    """The date line of a letter: '27 November 2026', '1 Januari 2027' (no leading zero)."""
    return f"{d.day} {month_name(d.month)} {d.year}"


def date_in_words(d: date) -> str:
    """The Berita Acara opening: 'Pada hari ini Jumat tanggal dua puluh tujuh bulan November tahun dua ribu ...'."""
    return (f"Pada hari ini {day_name(d)} tanggal {terbilang(d.day)} "
            f"bulan {month_name(d.month)} tahun {terbilang(d.year)}")
