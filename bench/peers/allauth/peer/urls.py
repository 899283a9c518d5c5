from allauth.socialaccount.models import SocialAccount
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def done(request: HttpRequest) -> HttpResponse:
    """Where a sign-in ends (LOGIN_REDIRECT_URL)."""
    if not request.user.is_authenticated:
        return HttpResponse("not signed in", status=403, content_type="text/plain")
    return HttpResponse(
        f"signed in as {request.user.get_username()}", content_type="text/plain; charset=utf-8"
    )


def whoami(request: HttpRequest) -> HttpResponse:
    """Who is signed in, for the end-to-end tests (start at .../login/?next=/whoami/): the
    e-mail and the provider's `sub` (the social account's uid). Not on the benchmark's path,
    which ends at /done/, so its extra queries cost the benchmark nothing."""
    if not request.user.is_authenticated:
        return HttpResponse("not signed in", status=403, content_type="text/plain")
    lines = [f"email: {request.user.email}"]
    for account in SocialAccount.objects.filter(user=request.user).order_by("pk"):
        lines.append(f"uid: {account.provider}:{account.uid}")
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("done/", done),
    path("whoami/", whoami),
]
