"""Start an empty center: no demo data, one administrator to set up the rest.

`DEMO=0 make run` runs this instead of `seed_demo`. The administrator is `admin` (or
`ADMIN_USERNAME`) with the password in `ADMIN_PASSWORD`, else a random one printed once
and kept in `var/first-admin-password` (owner-readable) until it is changed. Running it
again when any user exists does nothing.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from crm.models import MemberStatus, Role
from crm.services import member_create


class Command(BaseCommand):
    help = "Create the first administrator of an empty center (no demo data)."

    def handle(self, *args, **options):
        users = get_user_model()
        if users.objects.exists():
            self.stdout.write("The center already has users; nothing to do.")
            return
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        member_create(
            username=username,
            full_name=username,
            employee_no="A0001",
            role=Role.ADMIN,
            status=MemberStatus.ACTIVE,
            password=password,
        )
        if not os.environ.get("ADMIN_PASSWORD"):
            path = settings.VAR_DIR / "first-admin-password"
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as kept:
                kept.write(password + "\n")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Empty center created. Sign in as {username} with password {password} "
                    f"(also in {path}); change it under your name → Change password."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Empty center created; sign in as {username}."))
