from django.core.management.base import BaseCommand, CommandError

from organizations.pdf import MissingGlyphs, render_pdf


class Command(BaseCommand):
    help = "Render a one-page PDF with Chinese text and fail if any glyph is missing (no CJK font installed)."

    def handle(self, *args, **options):
        try:
            pdf = render_pdf("organizations/font_check_pdf.html", {})
        except MissingGlyphs as exc:
            raise CommandError(f"PDF 缺少中文字体（请安装 fonts-noto-cjk）/ no CJK font: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"PDF 中文字体正常 / CJK font OK ({len(pdf)} bytes)"))
