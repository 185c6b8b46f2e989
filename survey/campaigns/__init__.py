"""Campaign lifecycle: create, open, close, reopen."""
