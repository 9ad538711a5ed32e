"""The authoring editors' pages: a lesson, a module's quiz, a coaching guide, and the preview
of a course, lesson or quiz as a rep sees it. Admins only; a 404 for anyone else."""
