"""Tags for the lead pages."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.html_rows import cell, display, local, rows_html, url_for_pk
from crm.models import MemberStatus
from crm.templatetags.crm_tags import person

register = template.Library()


@register.simple_tag
def agent_load_rows(agents) -> str:
    """The team page's "open leads per agent" rows, written in one pass: a center head's
    page lists every agent (hundreds), and a template loop resolves a dozen variables a row
    (about 0.1 ms each row). The markup is what the loop wrote."""
    if not agents:
        return format_html('<tr><td colspan="3" class="text-muted">{}</td></tr>', _("No agents."))
    title = _("assigned today / daily capacity")

    def row(agent):
        active = agent.status == MemberStatus.ACTIVE
        return (
            "" if active else mark_safe(' class="text-muted"'),
            agent.user_id,
            agent.display_name,
            ""
            if active
            else format_html(' <span class="small">({})</span>', agent.get_status_display()),
            agent.open_leads,
            title,
            agent.assigned_today,
            agent.daily_lead_capacity,
        )

    return format_html_join(
        "\n",
        '<tr{}><td><a href="?agent={}">{}</a>{}</td><td class="text-end">{}</td>'
        '<td class="text-end" title="{}">{}/{}</td></tr>',
        (row(agent) for agent in agents),
    )


@register.simple_tag(takes_context=True)
def pool_rows(context, page, can_claim: bool) -> str:
    """The pool's rows, written in one pass (a template loop cost 0.4 ms a row: two URLs
    and a CSRF field each). The markup is what the loop wrote."""
    if not page:
        return format_html(
            '<tr class="card-empty"><td colspan="9" class="text-muted">{}</td></tr>',
            _("The pool is empty."),
        )
    labels = [
        _("Grade"),
        _("Phone"),
        _("Region"),
        _("Product of interest"),
        _("Channel"),
        _("Pool"),
        _("Waiting since"),
    ]
    claim_url = url_for_pk("leads:claim")
    token, claim_label = context.get("csrf_token", ""), _("Claim")
    no_name, center = _("(no name)"), _("Center")

    def row(lead):
        action = ""
        if can_claim:
            url = claim_url(lead.pk)
            action = format_html(
                '<form method="post" action="{}" hx-post="{}" hx-target="#pool-lead-{}"'
                ' hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '\n          <button class="btn btn-sm btn-outline-primary" type="submit">'
                "{}</button>\n        </form>",
                url,
                url,
                lead.pk,
                token,
                claim_label,
            )
        return (
            lead.pk,
            labels[0],
            lead.grade,
            lead.name or no_name,
            labels[1],
            lead.phone_masked,
            labels[2],
            lead.region or "—",
            labels[3],
            lead.product or "—",
            labels[4],
            display(lead, "channel"),
            labels[5],
            (lead.team.name if lead.team_id else "") or center,
            labels[6],
            local(lead.created_at, "Y-m-d"),
            action,
        )

    return rows_html(
        '<tr id="pool-lead-{}">'
        '<td class="card-half" data-label="{}"><span class="badge text-bg-light">{}</span></td>'
        '<td class="card-head">{}</td>'
        '<td class="text-nowrap card-half" data-label="{}">{}</td>'
        '<td class="card-half" data-label="{}">{}</td>'
        '<td class="card-half" data-label="{}">{}</td>'
        '<td class="card-half text-nowrap" data-label="{}">{}</td>'
        '<td class="card-half" data-label="{}">{}</td>'
        '<td class="card-half text-nowrap" data-label="{}">{}</td>'
        '<td class="text-end card-action">{}</td></tr>',
        (row(lead) for lead in page),
    )


@register.simple_tag
def worklist_rows(rows, now, show_owner: bool, empty_text: str) -> str:
    """The worklist's rows (due, new, search results), written in one pass: the page an
    agent opens most, and a template loop cost about 0.15 ms a row. The markup is what the
    loop wrote."""
    if not rows:
        return format_html(
            '<tr class="card-empty"><td colspan="9" class="text-muted">{}</td></tr>', empty_text
        )
    from crm.api import user_name

    labels = (
        _("Next follow-up"),
        _("Phone"),
        _("Grade"),
        _("Status"),
        _("Product of interest"),
        _("Last contact"),
        _("Follow-ups"),
        _("Owner"),
    )
    detail_url = url_for_pk("leads:detail")
    no_name, pool_label = _("(no name)"), _("pool")
    callable_title = _("Calling hours or the attempt cap: no call before this time.")

    def row(lead):
        due = lead.next_followup_at
        if due:
            late = "text-danger fw-semibold" if now and due < now else ""
            due_cell = format_html('<span class="{}">{}</span>', late, local(due, "m-d H:i"))
        else:
            due_cell = "—"
        callable_at = ""
        if lead.next_callable_at:
            callable_at = format_html(
                '<div class="small text-warning-emphasis font-sans next-callable" title="{}">'
                "{}</div>",
                callable_title,
                _("call from %(when)s") % {"when": local(lead.next_callable_at, "m-d H:i")},
            )
        customer = lead.customer if lead.customer_id else None
        tier = customer.tier if customer is not None and customer.tier_id else None
        owner = ""
        if show_owner:
            owner = format_html(
                '<td data-label="{}">{}</td>',
                labels[7],
                user_name(lead.owner) if lead.owner_id else pool_label,
            )
        return (
            lead.pk,
            labels[0],
            due_cell,
            detail_url(lead.pk),
            lead.name or no_name,
            format_html(' <span class="text-muted small">{}</span>', lead.company)
            if lead.company
            else "",
            labels[1],
            lead.phone_masked,
            callable_at,
            labels[2],
            lead.grade,
            format_html(' <span class="badge text-bg-warning lead-tier">{}</span>', tier.name)
            if tier
            else "",
            labels[3],
            display(lead, "status"),
            labels[4],
            lead.product or "—",
            labels[5],
            local(lead.last_contact_at, "m-d H:i") or "—",
            labels[6],
            lead.followup_count,
            owner,
        )

    return rows_html(
        '<tr data-lead="{}"><td data-label="{}">{}</td>'
        '<td class="card-head"><a href="{}">{}</a>{}</td>'
        '<td class="font-monospace small" data-label="{}">{}{}</td>'
        '<td class="card-half" data-label="{}"><span class="badge text-bg-light">{}</span>{}</td>'
        '<td class="card-half text-nowrap" data-label="{}">{}</td>'
        '<td data-label="{}">{}</td>'
        '<td class="card-half text-nowrap" data-label="{}">{}</td>'
        '<td class="card-half" data-label="{}">{}</td>{}</tr>',
        (row(lead) for lead in rows),
    )


# --- the lead's timeline ---------------------------------------------------------------------


def _text(value) -> str:
    """`{{ value }}` as the template writes it: local time, localized, escaped."""
    return cell(localize(template_localtime(value)))


def _person(user) -> str:
    return cell(person(user))


class _TimelineWriter:
    """Writes the timeline's entries as the template loop did, one entry at a time.

    A template loop over ten kinds of entry cost 0.35 ms an entry (about 7 ms of every
    lead page, the page agents open most); written here it is a few hundredths. The
    markup, the texts and their translations are the loop's.
    """

    def __init__(self, user, may_score: bool):
        self.user_pk = getattr(user, "pk", None)
        self.may_score = may_score
        self.call_url = url_for_pk("calling:call_detail")
        self.order_url = url_for_pk("orders:detail")
        self.revisit_url = url_for_pk("aftersales:revisit_detail")
        self.ticket_url = url_for_pk("aftersales:ticket_detail")
        self.score_url = reverse("performance:quality_score")
        self.call_page = cell(_("call page"))
        self.score = cell(_("Score"))

    def __call__(self, entry) -> str:
        kind = entry.kind
        write = getattr(self, f"_{kind}", None)
        body = write(entry.object) if write else self._other(kind, entry.object)
        return (
            f'\n  <li class="timeline-{cell(kind)}" data-kind="{cell(kind)}">\n'
            f'    <div class="small text-muted">{local(entry.at, "Y-m-d H:i")}</div>\n'
            f"    {body}\n  </li>\n"
        )

    def _score_link(self, item, field: str) -> str:
        if not (self.may_score and item.agent_id and item.agent_id != self.user_pk):
            return ""
        return (
            f' <a class="small score-link" href="{self.score_url}?{field}={item.pk}">'
            f"{self.score}</a>"
        )

    @staticmethod
    def _player(call) -> str:
        return render_to_string("calling/partials/player.html", {"call": call})

    def _followup(self, item) -> str:
        parts = [
            f"<div><strong>{cell(display(item, 'disposition'))}</strong> · "
            f"{cell(display(item, 'channel'))} · {_person(item.agent)}\n        "
        ]
        call = item.call if item.call_id else None
        if call:
            seconds = _("call %(s)s s") % {"s": _text(call.duration_seconds)}
            parts.append(
                f'<span class="text-muted">· {seconds}</span> · <a class="small" '
                f'href="{self.call_url(item.call_id)}">{self.call_page}</a>'
            )
        parts.append(self._score_link(item, "followup") + "</div>")
        if call and call.recording_url:
            parts.append(f'\n      <div class="mt-1">{self._player(call)}</div>')
        if item.product or item.budget or item.timeline:
            details = "".join(
                f"{cell(label)}: {_text(value)}{tail}"
                for label, value, tail in (
                    (_("Product"), item.product, " "),
                    (_("Budget"), item.budget, " "),
                    (_("Purchase timeline"), item.timeline, ""),
                )
                if value
            )
            parts.append(f'\n      <div class="small">{details}</div>')
        if item.notes:
            parts.append(f'\n      <div class="small">{linebreaksbr(item.notes)}</div>')
        if item.next_followup_at:
            label = cell(_("Next follow-up"))
            parts.append(
                f'\n      <div class="small text-muted">{label}: '
                f"{local(item.next_followup_at, 'Y-m-d H:i')}</div>"
            )
        return "".join(parts)

    def _call(self, item) -> str:
        seconds = _("%(s)s s") % {"s": _text(item.duration_seconds)}
        agent = f" · {_person(item.agent)}" if item.agent_id else ""
        source = f' · <span class="text-muted">{cell(item.source)}</span>' if item.source else ""
        call = cell(_("call"))
        html = (
            f"<div><strong>{cell(display(item, 'direction'))} {call}</strong> · "
            f"{seconds}{agent}{source}\n         · "
            f'<a class="small" href="{self.call_url(item.pk)}">{self.call_page}</a>'
            f"{self._score_link(item, 'call')}</div>"
        )
        if item.recording_url:
            html += f'\n      <div class="mt-1">{self._player(item)}</div>'
        return html

    def _assignment(self, item) -> str:
        html = f"<div><strong>{cell(display(item, 'kind'))}</strong>"
        if item.to_user_id:
            html += f" → {_person(item.to_user)}"
        if item.from_user_id:
            previous = cell(pgettext("previous owner", "from"))
            html += f' <span class="text-muted">({previous} {_person(item.from_user)})</span>'
        if item.team_id:
            html += f" · {cell(item.team.name)}"
        html += "</div>"
        if item.reason:
            html += f'\n      <div class="small">{cell(item.reason)}</div>'
        return html

    def _source(self, item) -> str:
        captured = _("Captured again") if item.is_duplicate else _("Captured")
        html = f"<div><strong>{cell(captured)}</strong> · {cell(display(item, 'channel'))}"
        if item.campaign_id:
            html += f" · {cell(item.campaign.name)}"
        if item.created_by_id:
            html += f" · {_person(item.created_by)}"
        return html + "</div>"

    def _status(self, item) -> str:
        moved = _("Status: %(before)s → %(after)s") % {
            "before": cell(display(item, "from_status")),
            "after": cell(display(item, "to_status")),
        }
        by = _person(item.by) if item.by_id else cell(_("system"))
        why = ""
        if item.why:
            why = f" · {cell(item.why)}"
        elif item.source:
            why = f" · {cell(display(item, 'source'))}"
        return f'<div class="status-move"><strong>{moved}</strong> · {by}{why}</div>'

    def _audit(self, item) -> str:
        actor = _person(item.actor) if item.actor_id else cell(item.actor_label or _("system"))
        html = (
            f'<div class="small"><strong>{cell(display(item, "action"))}</strong> · {actor}</div>'
        )
        changes = getattr(item, "readable_changes", None)
        if changes:
            rows = "".join(
                f"<li>{_text(change.label)} {_text(change.before)} → {_text(change.after)}</li>"
                for change in changes
            )
            html += f'\n      <ul class="small text-muted mb-0 ps-3 audit-changes">{rows}</ul>'
        return html

    def _order(self, item) -> str:
        order = cell(_("Order"))
        return (
            f"<div><strong>{order} "
            f'<a href="{self.order_url(item.pk)}">{cell(item.number)}</a></strong>'
            f" · {cell(display(item, 'status'))} · {_text(item.total)}"
            f" · {_person(item.agent)}</div>"
        )

    def _revisit(self, item) -> str:
        revisit = cell(_("Revisit"))
        html = (
            f"<div><strong>{revisit}</strong> · "
            f'<a href="{self.revisit_url(item.pk)}">'
            f"{cell(display(item, 'status'))}</a>"
        )
        if item.satisfaction:
            satisfaction = cell(_("Satisfaction"))
            html += f" · {satisfaction} {_text(item.satisfaction)}/5"
        html += f" · {cell(item.order.number)}"
        if item.done_by_id:
            html += f" · {_person(item.done_by)}"
        elif item.assignee_id:
            html += f" · {_person(item.assignee)}"
        html += "</div>"
        if item.feedback:
            html += f'\n      <div class="small">{linebreaksbr(item.feedback)}</div>'
        return html

    def _ticket(self, item) -> str:
        assignee = f" · {_person(item.assignee)}" if item.assignee_id else ""
        ticket = cell(_("Service ticket"))
        return (
            f"<div><strong>{ticket}</strong> "
            f'<a href="{self.ticket_url(item.pk)}">'
            f"#{item.pk} {cell(item.subject)}</a> · {cell(display(item, 'type'))} · "
            f"{cell(display(item, 'status'))}{assignee}</div>"
        )

    @staticmethod
    def _other(kind: str, item) -> str:
        return f"<div><strong>{cell(kind)}</strong> · {_text(item)}</div>"


@register.simple_tag(takes_context=True)
def timeline_items(context, timeline, may_score: bool) -> str:
    """The timeline's entries (`leads.selectors.leads.lead_timeline`), one pass."""
    if not timeline:
        return format_html('\n  <li class="text-muted">{}</li>\n', _("Nothing has happened yet."))
    write = _TimelineWriter(context.get("user"), may_score)
    return mark_safe("".join(write(entry) for entry in timeline))  # noqa: S308 (escaped by cell)
