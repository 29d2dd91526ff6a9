from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from crm.config import forget_on_change

        from . import receivers
        from .models import CallingWindow, LeadPolicy
        from .selectors import history  # noqa: F401 - status moves and edits on the timeline

        receivers.connect()

        from risk import audit

        from .models import (
            Campaign,
            ConsentNotice,
            InboundKey,
            RoutingRule,
            ScoringRule,
            TeamLeadSettings,
        )

        # Configuration admins change (settings pages, admin, API): before and after.
        audit.track(ScoringRule)
        audit.track(RoutingRule)
        # The round-robin pointer moves on every assignment run: not a setting.
        audit.track(TeamLeadSettings, exclude=("last_assigned_to",))
        audit.track(Campaign)
        audit.track(ConsentNotice)
        # The key's hash stays out of the trail; its use is not a change of setting.
        audit.track(InboundKey, exclude=("key_hash", "last_used_at"))

        # Read through crm.config on hot paths (the worklist, the pool, every follow-up).
        keys = ("leads.policy", "leads.calling_rules")
        forget_on_change(LeadPolicy, *keys)
        forget_on_change(CallingWindow, *keys)
        from .models import DispositionRule
        from .services.followups import DISPOSITION_RULES_CACHE_KEY

        forget_on_change(DispositionRule, DISPOSITION_RULES_CACHE_KEY)

        from crm import exports, services

        from .selectors.team import handover_items

        services.handover_source(handover_items)

        from .forms.team import TeamLeadFilterForm

        exports.register_kind("leads", label=_("Leads"), fields=TeamLeadFilterForm.base_fields)

        from risk import audit

        from .models import CampaignCost

        # Campaign costs are config admins enter: in the audit trail.
        audit.track(CampaignCost, exclude=("updated_at",))
