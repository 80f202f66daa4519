"""The recent turns of a conversation, kept so that a sidebar need only send the new message."""
