"""Dates typed into report filters (dashboards, exports): what is accepted, and what happens otherwise."""
from datetime import date

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # the portal's data lies well inside these


def filter_date(raw: str, default: date) -> tuple[date, str]:
    """(the date, "") for an ISO date in range; otherwise (default, why) — a filter never fails."""
    if not raw:
        return default, ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return default, f"Tanggal “{raw[:20]}” tidak dikenali; dipakai {default:%d-%m-%Y}."
    if not EARLIEST <= day <= LATEST:
        return default, f"Tanggal {day:%d-%m-%Y} di luar jangkauan; dipakai {default:%d-%m-%Y}."
    return day, ""
