#!/usr/bin/env bash
# Installs the few Debian packages the app needs at run time on a fresh machine:
#   fonts-noto-cjk  — the Chinese face embedded in every PDF (without it PDFs show boxes)
#   poppler-utils   — pdftotext/pdffonts/pdftoppm, used by the PDF checks in the suite
#   wrk             — the HTTP load generator of `make bench` (benchmarks/bench_load.py)
# Only when missing, only as root with apt-get available; otherwise it says what is missing.
set -uo pipefail
packages=()
fc-list :lang=zh 2>/dev/null | grep -qi "cjk\|sc" || packages+=(fonts-noto-cjk)
command -v pdffonts >/dev/null 2>&1 || packages+=(poppler-utils)
command -v wrk >/dev/null 2>&1 || packages+=(wrk)
[ ${#packages[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统依赖 / installing: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1 || {
    echo "warning: could not install ${packages[*]}; PDFs need a CJK font (fonts-noto-cjk)" >&2; exit 0; }
else
  echo "warning: missing ${packages[*]} — install them (apt-get install ${packages[*]}) for correct PDFs" >&2
fi
