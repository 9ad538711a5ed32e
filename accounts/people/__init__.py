"""People at /people/: the roster, one person's page, CSV import, invitations, deactivation."""
