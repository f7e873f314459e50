"""The API validates input with the pages' own Django forms, so a rule and its message exist
once. This module turns a form class into a serializer for the OpenAPI schema only, and runs a
form on a request's data, raising the API's validation error with the form's messages."""
from django import forms
from rest_framework import exceptions, serializers

_SIMPLE = [
    (forms.BooleanField, serializers.BooleanField),
    (forms.IntegerField, serializers.IntegerField),
    (forms.DecimalField, serializers.DecimalField),
    (forms.FloatField, serializers.FloatField),
    (forms.DateTimeField, serializers.DateTimeField),
    (forms.DateField, serializers.DateField),
]


def _field(name, field):
    kwargs = {"required": field.required, "help_text": str(field.label or "")}
    if isinstance(field, forms.FileField):
        return serializers.ListField(child=serializers.FileField(), **kwargs)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **kwargs)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**kwargs)
    if isinstance(field, forms.ChoiceField):
        choices = [c for c, _label in field.choices if c != ""]
        return serializers.ChoiceField(choices=choices, **kwargs)
    for form_class, serializer_class in _SIMPLE:
        if isinstance(field, form_class):
            if serializer_class is serializers.DecimalField:
                kwargs.update(max_digits=field.max_digits or 20, decimal_places=field.decimal_places or 4,
                              coerce_to_string=False)
            return serializer_class(**kwargs)
    extra = {"max_length": field.max_length} if getattr(field, "max_length", None) else {}
    return serializers.CharField(allow_blank=not field.required, **kwargs, **extra)


def form_serializer(form_class, name, fields=None, exclude=(), **instance_kwargs):
    """A Serializer class documenting `form_class`'s fields (for drf-spectacular)."""
    form = form_class({}, **instance_kwargs)  # bound: an unbound form may read the database for initials
    attrs = {n: _field(n, f) for n, f in form.fields.items() if n not in exclude and (fields is None or n in fields)}
    return type(name, (serializers.Serializer,), attrs)


def run_form(form_class, request, **kwargs):
    """Bind the form to the request's data (JSON or multipart) and return cleaned_data."""
    data = request.data
    files = request.FILES if hasattr(request, "FILES") else None
    if not hasattr(data, "getlist"):
        data = {k: v for k, v in (data or {}).items()} if isinstance(data, dict) else {}
    form = form_class(data, files, **kwargs)
    if not form.is_valid():
        raise exceptions.ValidationError({("" if k == "__all__" else k): v for k, v in form.errors.items()})
    return form.cleaned_data
