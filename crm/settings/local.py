"""`make run`: a small center on one machine, no server needed (SQLite, file-system broker).

A small center runs this as it is, so it is safe by default: DEBUG is off unless
`DEBUG=1`, the secret key is generated once and kept in `var/secret-key` (readable by its
owner only) unless `SECRET_KEY` is set, and `bin/run` serves through gunicorn.
"""

import os
import secrets
import tempfile

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=False)


def _kept_secret_key() -> str:
    """The key in `var/secret-key`, made on first use (sessions survive restarts)."""
    path = VAR_DIR / "secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Written whole, then linked into place: a process starting at the same moment
        # reads either no file or the whole key, and the first link wins.
        descriptor, draft = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret-key-")
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _kept_secret_key()
# Shown as a banner on every page while the center runs on the demo's made-up people.
DEMO_MODE = env.bool("DEMO", default=True)
