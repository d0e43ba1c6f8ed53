"""The county supervisor (县级监察): stores every hall's events in PostgreSQL and shows them live."""
