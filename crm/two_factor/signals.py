"""What two-factor sign-in tells the rest of the product (the audit trail listens)."""

from __future__ import annotations

from django.dispatch import Signal

#: Something happened to a user's second factor. Keyword arguments: `user` (whose factor),
#: `actor` (who did it: the user, an administrator, or the account a code was tried for),
#: `event` (one of `EVENTS`) and `detail` (a small dict: channel, counts; never a code).
two_factor_event = Signal()

ENROLLED = "enrolled"
CODE_REFUSED = "code_refused"
RECOVERY_CODE_USED = "recovery_code_used"
RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
DISABLED = "disabled"
RESET = "reset"

EVENTS = (ENROLLED, CODE_REFUSED, RECOVERY_CODE_USED, RECOVERY_CODES_RENEWED, DISABLED, RESET)
