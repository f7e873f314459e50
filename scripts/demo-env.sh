# The environment of `make run` (sourced by scripts/run-embedded.sh): the demo is served like
# production, DEBUG off, so a demo user sees the product's own 403/404/500 pages, never a
# debug page. The secret key is generated under var/ on first start and kept. Plain HTTP on
# 127.0.0.1, so no HTTPS redirect, secure-only cookies or HSTS. Anything already set wins.
VAR=${APP_VAR_DIR:-var}
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
export DJANGO_SECRET_KEY_FILE=${DJANGO_SECRET_KEY_FILE:-$VAR/secret_key}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0}
export DJANGO_SECURE_COOKIES=${DJANGO_SECURE_COOKIES:-0}
export DJANGO_HSTS_SECONDS=${DJANGO_HSTS_SECONDS:-0}
