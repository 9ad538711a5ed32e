"""Course files: a whole course in one YAML file, imported all or nothing and exported back.

A file holds the skills it uses and one course::

    skills:
      - {slug: discovery, name: Discovery, description: ...}
    course:
      slug: discovery-fundamentals
      title: ...
      summary: ...
      status: published            # draft | published | archived; left alone when absent
      skills: [discovery]
      modules:                     # matched by slug, ordered as listed
        - slug: opening-the-call
          title: ...
          objectives: |
            - ...
          skills: [discovery]
          coaching_guide:
            questions_to_ask: [...]
            behaviours_to_observe: [...]
            practice_task: ...
          lessons:                 # matched by their place in the list
            - {title: ..., minutes: 6, video_url: https://..., body: "Markdown"}
          quiz:                    # optional
            pass_mark: 80
            max_attempts: 3
            shuffle_choices: true
            questions_per_attempt: null
            review_policy: passed_or_exhausted  # optional: after_attempt | once_passed
            questions:             # matched by their place in the list
              - prompt: ...
                kind: single       # single | multiple
                skill: discovery
                explanation: ...
                choices:
                  - {text: ..., correct: true}

Every error names the file, the line and the field, so an author can fix it without guessing:
``discovery.yaml:42: course.modules[1].quiz.questions[0].choices: a single-choice question
needs exactly one correct choice (2 marked correct)``.

The parts, in the order a file goes through them: ``reader`` (YAML to plain values, keeping the
line of every field), ``schema`` (the shape as pydantic models, with the publishing rules of
``lms.services.authoring``, so a file and the admin refuse the same things), ``importer``
(all or nothing, in one transaction), with ``refusals`` (what people have done that an import
must not rewrite), and ``exporter``.
"""

from lms.course_files.exporter import course_export
from lms.course_files.importer import (
    ImportedCourse,
    course_file_import_text,
    course_files_import,
)
from lms.course_files.reader import CourseFileError, course_file_load

__all__ = [
    "CourseFileError",
    "ImportedCourse",
    "course_export",
    "course_file_import_text",
    "course_file_load",
    "course_files_import",
]
