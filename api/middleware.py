from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


class ApiLanguageMiddleware:
    """Under /api/ the request's Accept-Language chooses the language of messages.

    The pages ignore the browser's language on purpose (Chinese first, a cookie switches);
    a department system or a phone app has no cookie and says what it wants in the header.
    No header, or none we speak: Chinese, as on the pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = self.choose(request.headers.get("Accept-Language", ""))
            previous = translation.get_language()
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            try:
                response = self.get_response(request)
            finally:
                # The thread goes back to the language it had: whatever runs next in it (a job, a
                # test) must not inherit an API client's choice.
                translation.activate(previous)
            response.headers["Content-Language"] = request.LANGUAGE_CODE
            response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Accept-Language"]))
            return response
        return self.get_response(request)

    @staticmethod
    def choose(header):
        for code, _quality in parse_accept_lang_header(header[:200]):
            if code == "*":
                continue
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
        return None
