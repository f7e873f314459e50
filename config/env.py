"""Tiny environment readers that fail loudly on bad values."""
import os
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url, base_dir):
    """Parse DATABASE_URL: postgres://user:pass@host:port/name or sqlite:///path."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs/x.db -> "/abs/x.db"
        path = unquote(parsed.path)[1:] or ":memory:"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path if path == ":memory:" or os.path.isabs(path) else str(base_dir / path),
            # WAL + IMMEDIATE: the web process and the embedded worker write concurrently.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use postgres:// or sqlite:///)")


def env_positive_int(name, default):
    value = env_int(name, default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value!r}")
    return value


def env_megabytes(name, default_mb):
    """A size given in MB in the environment, returned in bytes."""
    return env_positive_int(name, default_mb) * 1024 * 1024


def secret_key_from_file(path):
    """The key kept in `path`, generated there (mode 0600) on first use. Opt-in: only when
    DJANGO_SECRET_KEY_FILE names a file (`make run` sets it under var/), so an unset key
    outside DEBUG still fails loudly."""
    if not path:
        return ""
    import secrets
    from pathlib import Path

    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # O_EXCL: two processes starting together (web and worker) keep the first key written.
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(key + "\n")
    key = file.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE {path} holds no usable key (under 32 characters)")
    return key
