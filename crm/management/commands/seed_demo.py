"""Seed the demo call center: the org (5 teams of ~11 agents) and then each app's data.

Each part runs once: the org if the demo admin is not there yet, the leads if the demo
campaigns are not there yet, and so on (see `crm.demo_steps`: every app registers its own
step). So running it again adds nothing, and a database seeded before an app existed gets
that app's demo data on the next `make run`.
"""

from django.core.management.base import BaseCommand

from crm import demo_steps


class Command(BaseCommand):
    help = "Create the demo call center (org, users, leads) where it is not there yet."

    def handle(self, *args, **options):
        demo_steps.run(say=self.stdout.write, said_created=self.style.SUCCESS)
