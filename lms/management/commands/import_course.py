from django.core.management.base import BaseCommand, CommandError

from config.errors import DomainError
from lms.course_files import course_files_import


class Command(BaseCommand):
    help = (
        "Create or update courses from course files (YAML), all or nothing. "
        "Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="course files (.yaml)")

    def handle(self, *args, **options):
        try:
            imported = course_files_import(paths=options["files"])
        except DomainError as exc:
            raise CommandError(f"{exc.message}\nNothing was imported.") from exc
        for item in imported:
            self.stdout.write(
                f"{item.source}: {item.outcome} “{item.course.title}”"
                f" ({item.course.slug}, {item.course.get_status_display().lower()})"
            )
