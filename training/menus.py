"""Training in the main menu (`crm.navigation`): agents their own plan; managers, heads,
inspectors and admins the team's (the training pages link to the catalog, promotions,
call scripts and case library)."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register_all

from . import access

register_all(
    {
        "training.team": NavEntry(
            120, _("Training"), "training:team", when=access.can_see_team_training
        ),
        "training.mine": NavEntry(
            120,
            _("Training"),
            "training:mine",
            when=lambda user: not access.can_see_team_training(user),
        ),
    }
)
