"""The officials' workspace: inbox, search, canned replies, notes, assignment, moderation."""
