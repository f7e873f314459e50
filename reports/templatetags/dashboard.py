from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def first_of(pair):
    return pair[0] if pair else None


@register.filter
def second_of(pair):
    return pair[1] if pair else None
