# ruff: noqa
"""A realistic, correctly annotated segmentation project: the plugin must find nothing here."""
