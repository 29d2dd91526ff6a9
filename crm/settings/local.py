"""The demo: no server needed (SQLite, file-system broker), debug on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
