#!/bin/sh
# The browser tests drive headless Chromium through chromedriver. Install Debian's packages
# when they are missing (as root, or through sudo); do nothing when they are there.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: chromium or chromedriver missing and no apt-get here;" \
         "install them by hand or the browser tests are skipped" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure-chromium: chromium or chromedriver missing; run as root:" \
         "apt-get update && apt-get install -y chromium chromium-driver" >&2
    exit 0
fi
echo "ensure-chromium: installing chromium and chromium-driver" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
