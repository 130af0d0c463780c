"""Who hears about what, and the words they see: subscribers to the domain's signals that write
the push outbox's messages (``subscribers.init_app`` is called by ``create_app``)."""
