"""The django-allauth peer: sign-in with one generic OpenID Connect provider, nothing else.

Configured from the environment (see README.md):
  PEER_ISSUER         the provider's issuer URL (allauth reads <issuer>/.well-known/openid-configuration)
  PEER_CLIENT_ID      the client registered at the provider
  PEER_CLIENT_SECRET
  PEER_TOKEN_AUTH     how to authenticate at the token endpoint: client_secret_post (default)
                      or client_secret_basic
  PEER_PKCE           "1" to send PKCE (S256); unset: allauth's default for openid_connect (off)
  PEER_DATA_DIR       where db.sqlite3 lives (default: this directory)
  PEER_SECRET_KEY     Django's SECRET_KEY (a fixed benchmark value by default)
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PEER_DATA_DIR") or BASE_DIR)

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-only-not-secret-0123456789abcdefghijklmnop")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    # django.contrib.sites is optional in current allauth (it falls back to RequestSite);
    # left out, like the admin: the provider is configured below, not in the database.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",  # allauth needs it
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite as our app runs it: WAL with synchronous=NORMAL, a 30 s busy timeout, write
# transactions BEGIN IMMEDIATE.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions in the database (Django's default engine), as allauth's state between the
# redirect to the provider and the callback lives in the session too.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LOGIN_REDIRECT_URL = "/done/"
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = True  # a GET on .../login/ redirects to the provider at once
SOCIALACCOUNT_AUTO_SIGNUP = True  # a new user is created without a sign-up form
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

_app_settings: dict = {
    "server_url": os.environ.get("PEER_ISSUER", "http://127.0.0.1:9/"),
    "token_auth_method": os.environ.get("PEER_TOKEN_AUTH", "client_secret_post"),
}
if os.environ.get("PEER_PKCE"):
    _app_settings["oauth_pkce_enabled"] = os.environ["PEER_PKCE"] not in ("0", "false", "")

SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "bench",
                "name": "Bench IdP",
                "client_id": os.environ.get("PEER_CLIENT_ID", ""),
                "secret": os.environ.get("PEER_CLIENT_SECRET", ""),
                "settings": _app_settings,
            }
        ]
    }
}

USE_TZ = True
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # 4xx answers (the smoke test's readiness probe gets a 403 from /done/) are not news
    "loggers": {"django.request": {"level": "ERROR"}},
}
