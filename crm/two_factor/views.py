"""Pages of two-factor sign-in: the code step, enrolment (with its QR code), the user's
own settings and the administrator's reset. Views parse and render; `devices` acts."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from crm import access
from crm.views import apply_service_errors

from . import devices, policy
from .forms import CodeForm


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _verified(request, device) -> None:
    """The session passed its second factor: bind the device to it under a new key."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[policy.SESSION_KEY] = policy.DEVICE


def _owes_code(request) -> bool:
    """Signed in with a device but not through the code step yet."""
    return devices.has_device(request.user) and not request.user.is_verified()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the authenticator or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not devices.has_device(request.user):
        return redirect(reverse("two_factor:setup") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verification = devices.code_verify(
            user=request.user, code=form.cleaned_data["code"], channel="web"
        )
        if verification.ok:
            _verified(request, verification.device)
            if verification.recovery:
                left = devices.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(count)s are left.") % {"count": left},
                )
            return redirect(_next_url(request))
        form.add_error("code", devices.refusal_message(verification))
    return render(
        request,
        "registration/two_factor/verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm a code, then
    see the ten recovery codes once. A session that owes a code must give it first."""
    if _owes_code(request):
        return redirect(reverse("two_factor:verify") + "?" + request.GET.urlencode())
    device = devices.authenticator_pending(user=request.user)
    form = CodeForm(request.POST or None, recovery_allowed=False)
    if request.method == "POST" and form.is_valid():
        try:
            codes = devices.authenticator_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            _verified(request, devices.confirmed_authenticator(request.user))
            return render(
                request,
                "registration/two_factor/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )
    return render(
        request,
        "registration/two_factor/setup.html",
        {
            "form": form,
            "secret": devices.secret_for_display(device),
            "required": policy.is_required(request.user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@never_cache
@login_required
def setup_qr(request):
    """The pending authenticator's QR code, as SVG drawn here (no third party sees it)."""
    if _owes_code(request):
        raise PermissionDenied
    device = devices.authenticator_pending(user=request.user)
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=10
    )
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    """The user's own two-factor settings: state, new recovery codes, turning it off."""
    enabled = devices.has_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and enabled and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "recovery_codes":
                codes = devices.recovery_codes_renew(
                    user=request.user, code=form.cleaned_data["code"]
                )
                return render(
                    request,
                    "registration/two_factor/recovery_codes.html",
                    {"codes": codes, "next": reverse("two_factor:manage"), "enrolled": False},
                )
            if action == "disable":
                devices.two_factor_disable(user=request.user, code=form.cleaned_data["code"])
                request.session[policy.SESSION_KEY] = policy.NONE
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("two_factor:manage")
            form.add_error(None, _("Choose what to do."))
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
    return render(
        request,
        "registration/two_factor/manage.html",
        {
            "form": form,
            "enabled": enabled,
            "required": policy.is_required(request.user),
            "recovery_codes_left": devices.recovery_codes_left(request.user) if enabled else 0,
        },
    )


@require_POST
@login_required
def reset(request, user_id: int):
    """An administrator removes someone's authenticator (a lost phone). Audited."""
    if not access.can_manage_org(request.user):
        raise PermissionDenied
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        had = devices.two_factor_reset(user=user, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if had:
            messages.success(request, _("Two-factor sign-in was reset; they are signed out."))
        else:
            messages.info(request, _("They had no two-factor sign-in; they are signed out."))
    member = getattr(user, "member", None)
    return redirect("org:member_detail", member.pk) if member else redirect("home")
