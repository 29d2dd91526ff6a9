"""Requests from people under PIPL (《个人信息保护法》): access, correction and deletion of
what the center holds about them, each logged, due in 15 working days, reminded, audited.

The top layer: it reads every app (to find and export a person) and erases through every
app's tables; no app imports it.
"""
