"""What the people pages do with a posted form: run the service, say how it went."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from crm.views import error_messages


def fail(request, error: ValidationError) -> None:
    for message in error_messages(error):
        messages.error(request, message)


def submit(request, form, action, success: str) -> None:
    """A posted form on a detail page: run `action(**cleaned_data)` when the form is valid
    and say how it went (the page the user is sent back to shows the messages)."""
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return
    try:
        action(**form.cleaned_data)
    except ValidationError as error:
        fail(request, error)
    else:
        messages.success(request, success)
