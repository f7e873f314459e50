from .access import get_access


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    access = get_access(request)
    return {"access": access}
