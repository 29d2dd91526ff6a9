"""What the parts of an erasure share: the tally of what was done, and rewriting the
rows that mention the person (pre-filtered in the database, rewritten in Python)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Model, Q

from ...person import ERASED, Person

#: Why the person's open customer records were closed (stored: the books' language).
ERASURE_WHY = "personal data erased on the person's request"


#: Fields whose values an audit entry of the person's own records loses entirely.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "phone",
        "email",
        "wechat",
        "company",
        "region",
        "notes",
        "closed_reason",
        "delivery_address",
        "tracking_number",
        "subject",
        "description",
        "resolution",
        "feedback",
        "follow_up_actions",
        "reason",
        "subject_name",
        "subject_phone",
        "subject_email",
        "details",
        "outcome",
    }
)


BATCH = 500


@dataclass
class Erased:
    """What an erasure did, counted by kind (kept as the request's `outcome_data`)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int) -> None:
        if n:
            self.counts[kind] = self.counts.get(kind, 0) + n


def needles_of(person: Person) -> list[str]:
    """Texts any written form of the person's numbers or emails contains (pre-filter)."""
    return sorted(person.last_fours | person.emails)


def containing(fields: Iterable[str], needles: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for name in fields:
        for needle in needles:
            condition |= Q(**{f"{name}__icontains": needle})
    return condition


def rewrite(
    queryset, fields: Iterable[str], person: Person, *, with_names: bool, json_fields=()
) -> int:
    """Rewrite `fields` of the rows of `queryset` that mention the person; how many rows."""
    fields = list(fields)
    changed: list[Model] = []
    for row in queryset.only("pk", *fields).iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(row, name)
            if name in json_fields:
                new = person.scrub_json(value, with_names=with_names)
            else:
                new = person.scrub(value or "", with_names=with_names) if value else value
            if new != value:
                setattr(row, name, new)
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, fields, batch_size=BATCH)
    return len(changed)


def wipe(queryset, name: str, value: str = ERASED) -> int:
    return queryset.exclude(**{name: ""}).update(**{name: value})
