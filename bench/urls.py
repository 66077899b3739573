"""The product's URLs and one more, served only by the page benchmark's server: the
floor of a signed-in request (bench/server_settings.py)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path

from appraisal.urls import urlpatterns as product


def signed_in(request):
    """What every signed-in page pays before its own work, and nothing more: the session
    read and the user loaded (AuthenticationMiddleware), through the whole middleware
    stack, answered with the 2 bytes /healthz/ answers with."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/signed-in/", signed_in, name="bench_signed_in"), *product]
