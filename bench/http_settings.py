"""`make bench --http`: the production settings as gunicorn serves them, plus the bench's
floor page (`bench.urls`), so the same pages are measured through a real socket."""

from crm.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
