"""The accountability stack: workflows, owners, the council, decision rights, authority."""
