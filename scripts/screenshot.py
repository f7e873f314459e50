"""Take a screenshot of a page of a running server, to look at it.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000/ var/home.png \\
        --user demo --password secret [--phone] [--lang en]

Uses Debian's chromium and chromedriver with the browser tests' settings
(tests/browser/__init__.py); the page grows to its full height, up to 6000 px.
"""
import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import (  # noqa: E402
    missing_binaries,
    new_driver,
    save_screenshot,
    set_language_cookie,
    submit_login_form,
)

LOGIN_PATH = "/accounts/login/"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="page to capture, e.g. http://127.0.0.1:8000/")
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--phone", action="store_true", help="390x844 phone viewport (default 1440x900)")
    parser.add_argument("--user", help="log in as this user first")
    parser.add_argument("--password", help="password for --user")
    parser.add_argument("--lang", help="interface language, e.g. en or zh-hans (default: Chinese browser)")
    args = parser.parse_args(argv)
    if bool(args.user) != bool(args.password):
        parser.error("--user and --password go together")
    if urlsplit(args.url).scheme not in {"http", "https"}:
        parser.error("url must start with http:// or https://")
    return args


def main(argv=None):
    args = parse_args(argv)
    missing = missing_binaries()
    if missing:
        sys.exit(f"missing {', '.join(missing)}: apt-get install chromium chromium-driver")

    parts = urlsplit(args.url)
    origin = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    driver = new_driver(viewport="phone" if args.phone else "desktop")
    try:
        if args.lang:
            set_language_cookie(driver, origin, args.lang)
        if args.user:
            submit_login_form(driver, origin.rstrip("/") + LOGIN_PATH, args.user, args.password)
            if urlsplit(driver.current_url).path == LOGIN_PATH:
                sys.exit(f"login as {args.user!r} failed: still on the login page")
        driver.get(args.url)
        path = save_screenshot(driver, args.out, full_page=True)
        print(f"{path}  <- {driver.current_url}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
