"""Seed the demo call center: the org (5 teams of ~11 agents) and then its leads.

Each part runs once: the org if the demo admin is not there yet, the leads if the demo
campaigns are not there yet. So running it again adds nothing, and a database seeded
before the leads existed gets them on the next `make run`.
"""

from django.core.management.base import BaseCommand

from aftersales import demo as aftersales_demo
from crm import demo
from leads import demo as leads_demo
from orders import demo as orders_demo
from performance import demo as performance_demo
from performance import demo_people as people_demo
from risk import demo as risk_demo
from training import demo as training_demo


class Command(BaseCommand):
    help = "Create the demo call center (org, users, leads) where it is not there yet."

    def handle(self, *args, **options):
        if demo.is_seeded():
            self.stdout.write("Demo center already present.")
        else:
            summary = demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo center created: {summary}"))
        if leads_demo.is_seeded():
            self.stdout.write("Demo leads already present; nothing to do.")
        else:
            summary = leads_demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo leads created: {summary}"))
        if orders_demo.is_seeded():
            orders_demo.catalog_seed()
            self.stdout.write("Demo orders already present.")
        else:
            summary = orders_demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo orders created: {summary}"))
        summary = risk_demo.seed()  # idempotent: adds only what is missing
        self.stdout.write(self.style.SUCCESS(f"Demo risk controls: {summary}"))
        if aftersales_demo.is_seeded():
            self.stdout.write("Demo after-sales already present.")
        else:
            summary = aftersales_demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo after-sales created: {summary}"))
        if training_demo.is_seeded():
            self.stdout.write("Demo training already present.")
        else:
            summary = training_demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo training created: {summary}"))
        summary = performance_demo.seed()  # targets, quality scores; recomputes scorecards
        self.stdout.write(self.style.SUCCESS(f"Demo scorecards: {summary}"))
        if people_demo.is_seeded():
            self.stdout.write("Demo reviews and incentives already present.")
        else:
            summary = people_demo.seed()
            self.stdout.write(self.style.SUCCESS(f"Demo reviews and incentives created: {summary}"))
