"""The English catalogue is complete: every msgid in the code has an English msgstr."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv/*", "var/*", "tests/*", "docs/*", "benchmarks/*", "node_modules/*"]


class EnglishCatalogueTests:
    def test_every_entry_is_translated_and_none_is_fuzzy(self):
        po = polib.pofile(str(PO))
        missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
        assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
        assert not [e.msgid for e in po.fuzzy_entries()]

    def test_the_compiled_catalogue_matches_the_source(self):
        po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)) if not e.obsolete}
        mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(PO.with_suffix(".mo")))}
        mo.pop((None, ""), None)
        assert po == mo, "run `make messages` to recompile locale/en/LC_MESSAGES/django.mo"

    @pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext not installed")
    def test_no_string_in_the_code_is_missing_from_the_catalogue(self, tmp_path):
        # makemessages writes next to the sources it reads, so it runs on a copy of the
        # project: the real catalogue is never touched by the test.
        base = Path(settings.BASE_DIR)
        copy = tmp_path / "project"
        shutil.copytree(base, copy, ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "node_modules", "vendor", "__pycache__", "*.pyc", "fixtures", "tests", "docs",
            "benchmarks", "*.png", "*.xlsx", "*.pdf"))
        ignore = [arg for pattern in IGNORE for arg in ("--ignore", pattern)]
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--no-location", *ignore],
            cwd=copy, env={**os.environ, "APP_VAR_DIR": str(tmp_path / "var")}, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr
        fresh = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in fresh if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        assert not missing, f"{len(missing)} strings lack English, e.g. {missing[:8]} — run `make messages`"
