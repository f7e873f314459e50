import os
import shutil
import subprocess

import pytest

from organizations.pdf import BlockedURL, local_url_fetcher, render_pdf

needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")


def pdffonts(tmp_path, pdf):
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout, path


class RenderPdfTests:
    @needs_poppler
    def test_it_embeds_a_subset_chinese_font(self, tmp_path):
        fonts, path = pdffonts(tmp_path, render_pdf("organizations/font_check_pdf.html", {}))
        cjk = [line for line in fonts.splitlines() if "CJK" in line or "SC" in line]
        assert cjk, fonts
        assert all("+" in line.split()[0] for line in cjk)  # subset prefix XXXXXX+
        assert " yes yes " in cjk[0]  # embedded, subset
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "字体自检" in text

    def test_it_fails_loudly_when_no_cjk_font_is_available(self, tmp_path):
        dejavu = "/usr/share/fonts/truetype/dejavu"
        if not os.path.isdir(dejavu):
            pytest.skip("DejaVu fonts not installed for the negative control")
        conf = tmp_path / "fonts.conf"
        conf.write_text(
            f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{dejavu}</dir>'
            f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
        )
        code = (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup();"
            "from organizations.pdf import render_pdf, MissingGlyphs\n"
            "try:\n render_pdf('organizations/font_check_pdf.html', {}); print('RENDERED')\n"
            "except MissingGlyphs: print('MISSING')"
        )
        env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        out = subprocess.run([".venv/bin/python", "-c", code], capture_output=True, text=True, env=env)
        assert "MISSING" in out.stdout, out.stdout + out.stderr

    def test_the_url_fetcher_refuses_remote_and_arbitrary_files(self):
        fetcher = local_url_fetcher()
        with pytest.raises(BlockedURL):
            fetcher.fetch("http://169.254.169.254/latest/meta-data")
        with pytest.raises(BlockedURL):
            fetcher.fetch("http://pdf.local/media/../../etc/passwd")
        with pytest.raises(BlockedURL):
            fetcher.fetch("file:///etc/passwd")
        assert fetcher.fetch("http://pdf.local/static/css/app.css").content_type == "text/css"
