"""People: members, skills, availability, accounts, role grants and the scopes they give."""
