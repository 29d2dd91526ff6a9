"""`manage.py retention_apply [--dry-run]`: the nightly retention run, by hand."""

from django.core.management.base import BaseCommand

from risk.services import apply_retention


class Command(BaseCommand):
    help = "Purge personal data past its retention period and print the report."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would go, change nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        run = apply_retention(dry_run=dry_run)
        for kind, entry in run.report.items():
            state = "off" if entry.get("skipped") else f"{entry['days']} days"
            self.stdout.write(f"{kind:<16} {state:>10}  {entry['count']}")
        self.stdout.write(f"{'total':<16} {'':>10}  {run.total}{' (dry run)' if dry_run else ''}")
        if run.error:
            self.stderr.write(run.error)
