"""Settings for Help On Demand, read from environment variables (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from lib.env import ConfigError, env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HOD_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("HOD_REQUIRE_SECRET_KEY", False):
        raise ConfigError("SECRET_KEY must be set in production")
    # Embedded default: a key that is stable for this checkout but never shared.
    SECRET_KEY = "insecure-local-key-" + str(BASE_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_str('PORT', '8000')}")  # links in messages
# Served over HTTPS (every real deployment; an https SITE_URL says so): cookies travel only
# over TLS, browsers are told to use nothing else (HSTS), and plain http is redirected, but
# for the health checks that load balancers send to each process. The TLS proxy in front
# must set X-Forwarded-Proto and drop any the client sent.
HOD_HTTPS = env_bool("HOD_HTTPS", SITE_URL.startswith("https://"))
if HOD_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    # Commitments for the whole domain, so the domain's owner makes them.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Content Security Policy: pages run only scripts served by this site, from files, so a
# name or note that slipped past escaping could not run in the browser of an agent who
# holds consumers' details. Styles come from files too, so such markup cannot restyle a
# page either (hide a warning, lay a fake button over a real one); the charts draw with
# SVG attributes. The one exception is the offline page (portal.urls). No framing, no
# plugins, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    "lib.admin.OperatorsAdminConfig",  # django.contrib.admin, on lib.admin.OperatorsSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hod",
    "geo",
    "eligibility",
    "agents",
    "availability",
    "referrals",
    "routing",
    "notifications",
    "intake",
    "portal",
    "ops",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",  # /api/docs from its own static files, not a CDN the policy would refuse
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Nothing shown to a signed-in user is kept by the browser (shared computers).
    "hod.middleware.SignedInPagesAreNotKeptMiddleware",
    # PostgreSQL refuses null characters in text: a request holding one is a 400, never a 500.
    "hod.middleware.NullCharactersAreRefusedMiddleware",
    # The API's 405 is JSON like its other refusals (the framework's is plain English text).
    "hod.middleware.ApiMethodsAreRefusedInJsonMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # An agent who has not accepted the CMS Terms of Use sees only that page (R-REG-6).
    "agents.middleware.TermsMiddleware",
    "portal.middleware.AgentLocaleMiddleware",
]

ROOT_URLCONF = "hod.urls"
WSGI_APPLICATION = "hod.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL (DATABASE_URL=postgres://…) is production.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hod.sqlite3'}")
# Each thread's connection is kept across requests for up to ten minutes of its life
# (CONN_MAX_AGE is a lifetime, not an idle time), then replaced: a request that opens one
# pays ~18 ms more (the connection, and the new PostgreSQL backend's first plans and
# catalogue reads), and a server's threads, which open theirs together, used to pay it all
# at once every minute. It is checked before a request uses it: a connection PostgreSQL
# dropped (restart, failover, a pooler's idle timeout) is replaced, not handed to a
# consumer's request as a 500.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the write lock at BEGIN, so a read that is
        # followed by a write can never fail half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The coverage index carries the routing query's columns (INCLUDE) on PostgreSQL; SQLite
    # builds the same index without them, which is all the embedded service needs. Without
    # this, every `make run` opens with a warning about it.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif env_bool("HOD_PG_PREPARED_STATEMENTS", True):
    # Routing's candidate page runs on psycopg's own cursor, bound on the server: with a
    # threshold it is prepared after its fifth run on a connection, and PostgreSQL stops
    # planning it anew every time (half a millisecond a query; half the median routing
    # decision). The dispatcher's batch statements opt out (measured slower prepared); the
    # ORM's queries are bound client-side and never prepared. Turn it off behind a pooler
    # that cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DATABASES["default"]["TEST"] = {"NAME": env_str("HOD_TEST_DATABASE_NAME", "") or None}
if not DATABASES["default"]["TEST"]["NAME"]:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, as `make run` has it: the dispatcher's threads in the tests need SQLite's
        # real locking (WAL, busy timeout), which a shared in-memory database does not have.
        DATABASES["default"]["TEST"]["NAME"] = str(VAR_DIR / "test.sqlite3")
    else:
        del DATABASES["default"]["TEST"]["NAME"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Sign-in rate limits and lock-outs live in the cache: a database table, so that every web
# process shares them (`manage.py createcachetable`; the test runner makes it itself).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "hod_cache"}}

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # R-REG-4: the program's rules, 8 to 20 characters among them (agents/passwords.py).
    {"NAME": "agents.passwords.ProgramRulesValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "agent_home"
# Sign-in, password reset and passkeys come from django-allauth; sign-up is ours, by
# invitation only (agents.views), so allauth's own sign-up is closed.
ACCOUNT_ADAPTER = "agents.adapter.AccountAdapter"
MFA_ADAPTER = "agents.adapter.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_FORMS = {"login": "agents.forms.LoginForm"}
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Lock-out (R-SEC-3): after HOD_LOGIN_ATTEMPTS failed sign-ins a username is locked for
# HOD_LOCKOUT_MINUTES; one address may not try more than 20 a minute.
HOD_LOGIN_ATTEMPTS = env_int("HOD_LOGIN_ATTEMPTS", 5, minimum=1)
HOD_LOCKOUT_MINUTES = env_int("HOD_LOCKOUT_MINUTES", 15, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/m/ip,{HOD_LOGIN_ATTEMPTS}/{HOD_LOCKOUT_MINUTES}m/key",
    "login": "60/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_FORMS = {"add_webauthn": "agents.forms.AddPasskeyForm"}
# WebAuthn needs a secure origin; http://localhost counts, plain http elsewhere only in demos.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("HOD_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "hod.sessions"  # the database's, refusing keys Django could not have made
CSRF_COOKIE_HTTPONLY = True
# A form whose security token is stale (a tab open since before the last sign-in, cookies
# blocked) gets a page in the visitor's language saying nothing was sent, not Django's own.
CSRF_FAILURE_VIEW = "hod.views.csrf_failure"

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["hod.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): the server to hand mail to.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Help On Demand <no-reply@helpondemand.example>")

# --- Help On Demand -------------------------------------------------------------------
# The plan year whose rules apply; empty means "derived from today" (November onwards is
# open enrollment for the next year).
HOD_PLAN_YEAR = env_int("HOD_PLAN_YEAR", 0, minimum=0)
# How long an invitation link works (R-REG-1).
HOD_INVITATION_HOURS = env_int("HOD_INVITATION_HOURS", 48, minimum=1)
# How long one agent holds an offer (R-ROUTE-4).
HOD_OFFER_MINUTES = env_int("HOD_OFFER_MINUTES", 15, minimum=1)
# How often Manage Referrals checks for new offers (push arrives with the notifications work).
# Names the service worker's cache: a new release empties the old one.
HOD_VERSION = "2026.11.23"
HOD_PORTAL_REFRESH_SECONDS = env_int("HOD_PORTAL_REFRESH_SECONDS", 15, minimum=1)
# Requests for one phone number stored within HOD_REQUESTS_PER_PHONE_HOURS, at most (0: no
# limit). Past it a new request is refused, so nobody can set agents calling someone else's
# number over and over; a household asks once a person, and asking again is not counted.
HOD_REQUESTS_PER_PHONE = env_int("HOD_REQUESTS_PER_PHONE", 5, minimum=0)
HOD_REQUESTS_PER_PHONE_HOURS = env_int("HOD_REQUESTS_PER_PHONE_HOURS", 24, minimum=1)
# Days after a request when the consumer's name and contact data are erased from it
# (referrals.retention); 0 keeps them. The program office sets it from its records schedule.
HOD_CONSUMER_DATA_DAYS = env_int("HOD_CONSUMER_DATA_DAYS", 0, minimum=0)
# How long an unaccepted referral stays in the safety net before it is closed (R-ROUTE-8).
HOD_SAFETY_NET_HOURS = env_int("HOD_SAFETY_NET_HOURS", 72, minimum=1)
# Dispatcher: seconds between polls when idle, and how many rows one unit of work takes.
HOD_DISPATCH_POLL_SECONDS = env_int("HOD_DISPATCH_POLL_SECONDS", 1, minimum=0)
HOD_DISPATCH_BATCH = env_int("HOD_DISPATCH_BATCH", 100, minimum=1)
# Due offers one expiry transaction re-routes together: larger batches re-route faster when
# thousands fall due at once; an agent accepting one of them waits for the batch to commit
# (about 0.3 s for 250 on a 2-core machine).
HOD_EXPIRY_BATCH = env_int("HOD_EXPIRY_BATCH", 250, minimum=1)
# /healthz/dispatch answers 503 when a direct offer is still pending this long past its
# deadline, or an urgent message still unsent this long past its due time (ops.health).
HOD_HEALTH_OFFER_LAG_SECONDS = env_int("HOD_HEALTH_OFFER_LAG_SECONDS", 60, minimum=1)
HOD_HEALTH_MESSAGE_LAG_SECONDS = env_int("HOD_HEALTH_MESSAGE_LAG_SECONDS", 120, minimum=1)
# Outbox delivery: attempts before a message is given up, and the first retry delay.
HOD_DELIVERY_MAX_ATTEMPTS = env_int("HOD_DELIVERY_MAX_ATTEMPTS", 8, minimum=1)
HOD_DELIVERY_BACKOFF_SECONDS = env_int("HOD_DELIVERY_BACKOFF_SECONDS", 10, minimum=1)
# A delivery loop woken by a commit waits this long before it claims, so the messages of a
# burst of commits go out in one claim instead of one claim each.
HOD_DELIVERY_GATHER_SECONDS = env_float("HOD_DELIVERY_GATHER_SECONDS", 0.05, minimum=0)
# A claimed message is sent again if its sender has not recorded the outcome by then (it died).
HOD_DELIVERY_LEASE_SECONDS = env_int("HOD_DELIVERY_LEASE_SECONDS", 60, minimum=1)
# Most messages a second each dispatcher sends on a channel: the provider's rate limit
# divided by the number of dispatcher processes. A state's safety-net fan-out goes at this pace.
HOD_SEND_RATES = {
    "email": env_float("HOD_EMAIL_PER_SECOND", 50, above=0),
    "sms": env_float("HOD_SMS_PER_SECOND", 10, above=0),
    "push": env_float("HOD_PUSH_PER_SECOND", 100, above=0),
}
# Delivery channels by dotted path (STYLE.md §7). The demo writes messages to files.
HOD_CHANNELS = {
    "email": env_str("HOD_CHANNEL_EMAIL", "notifications.channels.file.FileChannel"),
    "sms": env_str("HOD_CHANNEL_SMS", "notifications.channels.file.FileChannel"),
    "push": env_str("HOD_CHANNEL_PUSH", "notifications.channels.file.FileChannel"),
}
HOD_OUTBOX_DIR = VAR_DIR / "outbox"
# Texts through a Twilio-compatible REST API (notifications.channels.sms.SmsChannel). The base
# URL is a setting so that a stand-in on loopback can play the provider in tests and demos.
# Web Push (notifications.channels.push.PushChannel): our VAPID key and the contact the push
# services see in its claims.
HOD_VAPID_PRIVATE_KEY_FILE = env_str("HOD_VAPID_PRIVATE_KEY_FILE", str(VAR_DIR / "vapid_private.pem"))
HOD_VAPID_SUBJECT = env_str("HOD_VAPID_SUBJECT", "mailto:FFMProducer-AssisterHelpDesk@cms.hhs.gov")
HOD_PUSH_ALLOW_HTTP = env_bool("HOD_PUSH_ALLOW_HTTP", False)  # push services use https; tests use loopback
HOD_PUSH_TIMEOUT_SECONDS = env_float("HOD_PUSH_TIMEOUT_SECONDS", 5, above=0)
HOD_SMS_API_URL = env_str("HOD_SMS_API_URL", "https://api.twilio.com")
HOD_SMS_ACCOUNT_SID = env_str("HOD_SMS_ACCOUNT_SID", "")
HOD_SMS_AUTH_TOKEN = env_str("HOD_SMS_AUTH_TOKEN", "")
HOD_SMS_FROM = env_str("HOD_SMS_FROM", "")
HOD_SMS_TIMEOUT_SECONDS = env_float("HOD_SMS_TIMEOUT_SECONDS", 5, above=0)

# One record a line, to standard error: when (UTC), how bad, where, which process (web
# servers and dispatchers run side by side), what. Personal data is never logged.
# LOG_FORMAT=json writes each record as a JSON object, for log pipelines.
LOG_FORMAT = env_str("LOG_FORMAT", "line")
if LOG_FORMAT not in {"line", "json"}:
    raise ConfigError(f"LOG_FORMAT={LOG_FORMAT!r}: expected line or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "hod.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s[%(process)d] %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%SZ",
        },
        "json": {
            "()": "hod.logs.UTCJsonFormatter",
            "fmt": ["asctime", "levelname", "name", "process", "message"],
            "datefmt": "%Y-%m-%dT%H:%M:%SZ",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"without_contacts": {"()": "hod.logs.WithoutContacts"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["without_contacts"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
STATICFILES_DIRS = [BASE_DIR / "static"]
