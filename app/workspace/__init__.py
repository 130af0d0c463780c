"""The officials' pages (/w/): the inbox, unread markers, canned replies, the officials' view of
a thread. What is done to threads lives in app/threads."""
