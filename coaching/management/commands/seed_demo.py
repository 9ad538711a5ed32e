from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_people_seed
from coaching.demo.budget import demo_budget_seed
from coaching.demo.history import demo_history_seed
from coaching.demo.outcomes import demo_outcomes_seed
from coaching.demo.today import demo_today_seed
from lms.demo import demo_courses_seed


class Command(BaseCommand):
    help = "Create or refresh the demo organisation. Safe to run again: it changes nothing twice."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = demo_people_seed()
            courses = demo_courses_seed()
            history = demo_history_seed(people)
            demo_today_seed(people, fresh={name for name, steps in history.items() if steps})
            demo_outcomes_seed(people)
            demo_budget_seed(people)
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        for item in courses:
            self.stdout.write(f"  course  {item.course.slug} ({item.outcome})")
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for username, _, _, role, _, _, who in DEMO_PEOPLE:
            self.stdout.write(f"  {username:<8} {role:<8} {who}")
