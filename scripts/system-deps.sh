#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only when they are missing.
#   runtime: fonts metric-compatible with Arial/Times and the libraries WeasyPrint renders with
#   browser: Debian's Chromium, driven by Playwright in the end-to-end tests
set -euo pipefail
case "${1:-runtime}" in
  runtime) packages=(fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) ;;
  browser) packages=(chromium) ;;
  *) echo "usage: $0 runtime|browser" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "Please install as root: apt-get install -y ${missing[*]}" >&2; exit 1; fi
fi
${SUDO:-} apt-get update -qq
DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
