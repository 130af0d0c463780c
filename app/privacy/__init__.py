"""Privacy across every concept: a person's data export and the deletion of their account."""
