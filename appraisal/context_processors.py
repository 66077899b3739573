from .permissions import user_roles


def navigation(request) -> dict:
    """Expose the signed-in user's roles so the navigation shows what they allow."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"roles": user_roles(user)}
