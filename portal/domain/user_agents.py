"""A browser's User-Agent header in a few words a user recognises ("Chrome di Android")."""
import re

# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"), ("OPR", "Opera"), ("SamsungBrowser", "Samsung Internet"), ("UCBrowser", "UC Browser"),
    ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("CriOS", "Chrome"), ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
    ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
)


def describe(user_agent: str | None) -> str:
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if re.search(rf"\b{re.escape(token)}/", ua)), None)
    system = next((name for token, name in _SYSTEMS if token in ua), None)
    if browser and system:
        return f"{browser} di {system}"
    if browser or system:
        return browser or system
    short = " ".join(ua.split())[:40]
    return short or "Perangkat tidak dikenal"
