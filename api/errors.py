"""One error format for every /api/ response that is not a success:

    {"error": {"code": "not_found", "message": "…", "fields": {"deadline": ["…"]}}}

`message` is in the request's language (Accept-Language); `fields` names the inputs at fault
(empty when none). The services raise Django's own exceptions (ValidationError,
PermissionDenied, the state errors); they are translated here, so each rule and its message
exists once, in the service."""
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from indicators.standards import StandardDataError
from inspections.services import TransitionNotAllowed
from tasks.services import TaskStateError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _messages(detail):
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _messages(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _messages(v)]
    return [str(detail)]


def _fields(detail):
    out = {}
    for name, value in detail.items():
        out["" if name in ("non_field_errors", "__all__") else name] = _messages(value)
    return out


def _django_validation(exc):
    if hasattr(exc, "error_dict"):
        fields = {("" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
                  for k, v in exc.error_dict.items()}
        return exceptions.ValidationError(fields)
    return exceptions.ValidationError({"": exc.messages})


def to_api_exception(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("未找到，或不在您的单位范围内。"))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, (TransitionNotAllowed, TaskStateError)):
        return Conflict(" ".join(getattr(exc, "messages", None) or [str(exc)]))
    if isinstance(exc, StandardDataError):
        return exceptions.ValidationError({"thresholds": exc.errors})
    if isinstance(exc, DjangoValidationError):
        return _django_validation(exc)
    return exc


def exception_handler(exc, context):
    exc = to_api_exception(exc)
    response = drf_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        fields = _fields(detail)
        message = _("提交的内容有误。")
        if list(fields) == [""]:
            message = " ".join(fields.pop(""))
        code = "invalid"
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = " ".join(_messages(detail))
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "not_authenticated" if isinstance(exc, exceptions.NotAuthenticated) else "authentication_failed"
    body = {"error": {"code": code, "message": message, "fields": fields}}
    return Response(body, status=response.status_code, headers={k: v for k, v in response.items()})


ERROR_SCHEMA = inline_serializer("Error", {
    "error": inline_serializer("ErrorBody", {
        "code": serializers.CharField(help_text="not_authenticated, authentication_failed, permission_denied, "
                                                "not_found, invalid, conflict, throttled, method_not_allowed …"),
        "message": serializers.CharField(help_text="In the request's language (Accept-Language: zh-hans / en)."),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                        help_text="Messages per input; \"\" for the request as a whole."),
    }),
})
