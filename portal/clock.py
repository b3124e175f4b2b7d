"""Today's date in Bontang (WITA), for rules that depend on the date (NIK century, age bands)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def today() -> date:
    return datetime.now(WITA).date()
