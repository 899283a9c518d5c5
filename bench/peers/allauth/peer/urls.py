from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def done(request: HttpRequest) -> HttpResponse:
    """Where a sign-in ends (LOGIN_REDIRECT_URL)."""
    if not request.user.is_authenticated:
        return HttpResponse("not signed in", status=403, content_type="text/plain")
    return HttpResponse(
        f"signed in as {request.user.get_username()}", content_type="text/plain; charset=utf-8"
    )


urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("done/", done),
]
