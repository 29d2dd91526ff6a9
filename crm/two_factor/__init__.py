"""Two-factor sign-in (TOTP authenticator apps, with one-time recovery codes).

Built on django-otp (`otp_totp` devices, `otp_static` for the ten recovery codes). The
decisions, for whoever maintains it:

- **Two steps, one sign-in.** The password step is unchanged (django-axes lockouts, the
  spray guard, `crm.auth.MemberBackend`). A user who then has a confirmed device is signed
  in but *unverified*: `TwoFactorMiddleware` lets that session reach only the code page,
  the language switch and sign-out until a code (or a recovery code) is accepted;
  `request.user.is_verified()` (django-otp) says whether it was.
- **Who must.** Roles in `settings.OTP_REQUIRED_ROLES` (admins and department heads by
  default; superusers count as admins) without a device are sent to enrolment and reach
  nothing else until they confirm one. Everyone else may enrol from *Two-factor sign-in*
  in their account menu. What a session must do is decided at sign-in and kept in the
  session (`policy.SESSION_KEY`): pages pay no query for it.
- **Wrong codes** are throttled by django-otp per device (waits of 1, 2, 4, 8 … seconds,
  `OTP_TOTP_THROTTLE_FACTOR`); each refusal, enrolment, recovery-code use, new set of
  recovery codes, turning off and administrator reset is sent as `signals.two_factor_event`,
  which the audit trail (`risk`) records: the kernel imports no business app.
- **Recovery codes** are shown once, when made; a used one is gone. Users in a required
  role cannot turn two-factor off, only replace their authenticator; an administrator who
  resets someone's two-factor also ends that person's sessions and API tokens.
- **API.** The token endpoint asks users with a device for an `otp` field (a code or a
  recovery code) and refuses users of a required role who have none: tokens are issued
  only after the second factor. Token-authenticated calls are then not asked again (the
  token is the proof). A session-authenticated API call from an unverified session is
  answered 403. Tokens issued before a user enrolled stay valid until a password change.
"""
