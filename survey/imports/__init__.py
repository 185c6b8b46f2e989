"""Answers that arrive in files made elsewhere: ODK Central's and KoboToolbox's exports (``submissions``)."""
