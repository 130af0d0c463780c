"""Privacy across every concept: a person's data export, leaving a group (what happens to
their posts and push subscriptions), and the deletion of their account."""
