"""The gate: a signed-in session that still owes its second factor reaches nothing else."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import policy


class TwoFactorMiddleware:
    """After django-otp's `OTPMiddleware`. A session whose state (`policy.SESSION_KEY`,
    set at sign-in) is `device` must pass the code step (`user.is_verified()`); one that is
    `enrol` must set up an authenticator first. Until then pages redirect to that step (with
    `next`), API calls answer 403; signing out, the language switch and the step itself
    stay open. Sessions with nothing to do cost no query here."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        return (
            reverse("two_factor:verify"),
            reverse("two_factor:setup"),
            reverse("logout"),
            reverse("set_language"),
            reverse("healthz"),
            reverse("readyz"),
            reverse("metrics"),
        )

    def __call__(self, request):
        session = getattr(request, "session", None)
        state = session.get(policy.SESSION_KEY) if session is not None else None
        if state == policy.NONE:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if state is None:  # a session from before two-factor existed: decided once
            state = session[policy.SESSION_KEY] = policy.state_for(user)
        if state == policy.NONE or user.is_verified():
            return self.get_response(request)
        if request.path_info.startswith(self.open_paths):
            return self.get_response(request)
        return self.refuse(request, state)

    def refuse(self, request, state: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Finish two-factor sign-in in the browser first.")}, status=403
            )
        step = "two_factor:verify" if state == policy.DEVICE else "two_factor:setup"
        url = reverse(step)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
