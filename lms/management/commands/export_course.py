from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.course_files import course_export
from lms.models import Course


class Command(BaseCommand):
    help = "Write a course as a course file (YAML) that import_course reads back."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the course's slug")
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    def handle(self, *args, **options):
        course = Course.objects.filter(slug=options["slug"]).first()
        if course is None:
            raise CommandError(f"There is no course with the slug '{options['slug']}'.")
        text = course_export(course=course)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {course.slug} to {options['output']}")
        else:
            self.stdout.write(text, ending="")
