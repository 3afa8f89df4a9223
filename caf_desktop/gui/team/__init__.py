"""The team page: enrolment and the team's people."""
