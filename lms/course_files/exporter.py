"""Exporting a course as a course file that the importer reads back to the same course."""

from __future__ import annotations

from typing import Any

import yaml
from django.db.models import Prefetch

from lms.models import Course, Module, Skill


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key, as people write them by hand.
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Block style keeps Markdown readable; PyYAML falls back to quotes where it cannot.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def course_export(*, course: Course) -> str:
    """The course as a course file that ``course_files_import`` reads back to the same course."""
    course = Course.objects.prefetch_related(
        "skills", Prefetch("modules", queryset=Module.objects.with_content())
    ).get(pk=course.pk)
    skills: dict[str, Skill] = {skill.slug: skill for skill in course.skills.all()}
    modules = []
    for module in course.modules.all():
        skills.update((skill.slug, skill) for skill in module.skills.all())
        entry: dict[str, Any] = {
            "slug": module.slug,
            "title": module.title,
            "objectives": module.objectives,
            "skills": sorted(skill.slug for skill in module.skills.all()),
            "coaching_guide": {
                "questions_to_ask": list(module.coaching_questions or []),
                "behaviours_to_observe": list(module.coaching_behaviours or []),
                "practice_task": module.practice_task,
            },
            "lessons": [
                {
                    "title": lesson.title,
                    "minutes": lesson.minutes,
                    **({"video_url": lesson.video_url} if lesson.video_url else {}),
                    "body": lesson.body,
                }
                for lesson in module.lessons.all()
            ],
        }
        quiz = getattr(module, "quiz", None)
        if quiz is not None:
            questions = []
            for question in quiz.questions.all():
                skills[question.skill.slug] = question.skill
                questions.append(
                    {
                        "prompt": question.prompt,
                        "kind": str(question.kind),
                        "skill": question.skill.slug,
                        "explanation": question.explanation,
                        "choices": [
                            {"text": choice.text, "correct": choice.is_correct}
                            for choice in question.choices.all()
                        ],
                    }
                )
            entry["quiz"] = {
                "pass_mark": quiz.pass_mark,
                "max_attempts": quiz.max_attempts,
                "shuffle_choices": quiz.shuffle_choices,
                "questions_per_attempt": quiz.questions_per_attempt,
                "review_policy": quiz.review_policy,
                "questions": questions,
            }
        modules.append(entry)
    document = {
        "skills": [
            {"slug": skill.slug, "name": skill.name, "description": skill.description}
            for skill in sorted(skills.values(), key=lambda s: s.slug)
        ],
        "course": {
            "slug": course.slug,
            "title": course.title,
            "summary": course.summary,
            "status": str(course.status),
            "skills": sorted(skill.slug for skill in course.skills.all()),
            "modules": modules,
        },
    }
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2
    )
